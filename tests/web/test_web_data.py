"""Your data is yours, through the browser and the API: the settings page (name, private taste,
vetoes), Letterboxd upload within limits a hostile file cannot pass, Letterboxd-format export
that imports back, and deleting the account."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from web_browsers import Browser

from reelmates.catalog.identity import normalise_title
from reelmates.privacy import rule_text
from reelmates.services.starter import seed_starter_catalog
from reelmates.services.uow import unit_of_work
from reelmates.store.models import Film, Person, Rating, SeenMark, WatchlistEntry

# A title that needs CSV quoting: a comma, quotes and a line break.
AWKWARD = 'Say "Hello", Goodbye\nAgain'

RATINGS = (
    "Date,Name,Year,Letterboxd URI,Rating\n"
    "2024-01-02,Dracula,1931,https://boxd.it/a,4.5\n"
    "2024-01-03,Duck Soup,1933,https://boxd.it/b,3\n"
    "2024-01-04,Frankenstien,1931,https://boxd.it/c,4\n"  # misspelt: did you mean
    "2024-01-05,A Film Nobody Made,1999,https://boxd.it/d,2\n"
)
WATCHED = "Date,Name,Year,Letterboxd URI\n2024-02-01,City Lights,1931,https://boxd.it/e\n"
WATCHLIST = "Date,Name,Year,Letterboxd URI\n2024-03-01,Frankenstein,1931,https://boxd.it/f\n"


def _zip(files: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


EXPORT = _zip({"ratings.csv": RATINGS, "watched.csv": WATCHED, "watchlist.csv": WATCHLIST})


@pytest.fixture
def catalog_app(make_app: Callable[..., FastAPI]) -> FastAPI:
    app = make_app(signup_policy="open")
    seed_starter_catalog(app.state.engine)
    with unit_of_work(app.state.engine) as session:
        session.add(Film(title=AWKWARD, title_key=normalise_title(AWKWARD), year=2001))
    return app


def _member(app: FastAPI, handle: str) -> Browser:
    from fastapi.testclient import TestClient

    browser = Browser(TestClient(app))
    assert browser.sign_up(handle).status_code == 303
    return browser


def _upload(
    browser: Browser, data: bytes, filename: str = "letterboxd-export.zip", *, csrf: bool = True
) -> object:
    fields = {"csrf_token": browser.csrf_from("/settings/import")} if csrf else {}
    return browser.client.post(
        "/settings/import",
        data=fields,
        files={"export": (filename, data, "application/zip")},
        follow_redirects=False,
    )


def _state(app: FastAPI, handle: str) -> tuple[dict[int, int], set[int], set[int]]:
    with unit_of_work(app.state.engine, read_only=True) as session:
        person = session.scalars(select(Person.id).where(Person.handle == handle)).one()
        ratings = dict(
            session.execute(
                select(Rating.film_id, Rating.half_stars).where(Rating.person_id == person)
            )
            .tuples()
            .all()
        )
        seen = set(session.scalars(select(SeenMark.film_id).where(SeenMark.person_id == person)))
        listed = set(
            session.scalars(
                select(WatchlistEntry.film_id).where(WatchlistEntry.person_id == person)
            )
        )
    return ratings, seen, listed


def _uploads_left(app: FastAPI) -> list[Path]:
    folder = app.state.settings.data_dir / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


# --- settings ----------------------------------------------------------------------------------


def test_settings_page_shows_the_privacy_rule_and_saves_name_and_privacy(
    catalog_app: FastAPI,
) -> None:
    ana = _member(catalog_app, "ana")
    page = ana.get("/settings")
    assert page.status_code == 200
    assert rule_text()[0][:40] in page.text  # the definition from reelmates.privacy
    assert 'href="/settings"' in ana.get("/").text  # the navigation links to it
    assert 'name="private" type="checkbox" value="on" aria' in page.text  # not checked
    saved = ana.submit(
        "/settings", "/settings", {"display_name": "<b>Ana</b> & co", "private": "on"}
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/settings?saved=1"
    assert '<p class="saved" role="status">Saved.</p>' in ana.follow(saved).text
    page = ana.get("/settings").text
    assert "Saved." not in page  # only right after saving
    assert "&lt;b&gt;Ana&lt;/b&gt; &amp; co" in page and "<b>Ana</b>" not in page
    assert "checked" in page
    api = ana.get("/api/me/settings").json()
    assert api["display_name"] == "<b>Ana</b> & co" and api["private"] is True
    assert api["privacy_rule"] == rule_text()
    # Unchecking the box makes the taste public again; an empty name is refused on the form.
    ana.submit("/settings", "/settings", {"display_name": "Ana"})
    assert ana.get("/api/me/settings").json()["private"] is False
    refused = ana.submit("/settings", "/settings", {"display_name": "   "})
    assert refused.status_code == 400 and "cannot be empty" in refused.text
    assert "Saved." not in refused.text


def test_settings_api_patch_and_vetoes(catalog_app: FastAPI) -> None:
    ana = _member(catalog_app, "ana")
    token = ana.api_csrf()
    patched = ana.client.patch(
        "/api/me/settings", json={"private": True}, headers={"X-CSRF-Token": token}
    )
    assert patched.status_code == 200 and patched.json()["private"] is True
    assert patched.json()["display_name"] == "ana"  # untouched
    assert ana.api_post("/api/me/vetoes/genres", {"genre": "horror"}).json() == {"changed": True}
    with unit_of_work(catalog_app.state.engine, read_only=True) as session:
        dracula = session.scalars(select(Film.id).where(Film.title == "Dracula")).one()
    assert ana.api_post("/api/me/vetoes/films", {"film_id": dracula}).json()["changed"]
    got = ana.get("/api/me/settings").json()
    assert got["vetoed_genres"] == ["Horror"]
    assert got["vetoed_films"] == [{"film_id": dracula, "title": "Dracula", "year": 1931}]
    gone = ana.client.delete("/api/me/vetoes/genres/Horror", headers={"X-CSRF-Token": token})
    assert gone.json() == {"changed": True}
    no_csrf = ana.client.patch("/api/me/settings", json={"private": False})
    assert no_csrf.status_code == 403


def test_vetoes_through_the_settings_forms(catalog_app: FastAPI) -> None:
    ana = _member(catalog_app, "ana")
    assert ana.submit("/settings", "/settings/genre-vetoes", {"genre": "Horror"}).status_code == 303
    assert (
        ana.submit("/settings", "/settings/film-vetoes", {"film": AWKWARD + " (2001)"}).status_code
        == 303
    )
    page = ana.get("/settings").text
    assert "Allow Horror again" in page
    assert "Say &#34;Hello&#34;, Goodbye" in page  # escaped
    missing = ana.submit("/settings", "/settings/film-vetoes", {"film": "Dracla (1931)"})
    assert missing.status_code == 404 and "Did you mean Dracula (1931)?" in missing.text
    unknown = ana.submit("/settings", "/settings/genre-vetoes", {"genre": "Horrer"})
    assert unknown.status_code == 404 and "Did you mean Horror?" in unknown.text
    film_id = ana.get("/api/me/settings").json()["vetoed_films"][0]["film_id"]
    ana.submit("/settings", "/settings/film-vetoes/remove", {"film_id": str(film_id)})
    ana.submit("/settings", "/settings/genre-vetoes/remove", {"genre": "Horror"})
    got = ana.get("/api/me/settings").json()
    assert got["vetoed_films"] == [] and got["vetoed_genres"] == []


def test_settings_forms_need_the_csrf_token_and_a_login(catalog_app: FastAPI) -> None:
    ana = _member(catalog_app, "ana")
    for action, data in [
        ("/settings", {"display_name": "Mallory"}),
        ("/settings/genre-vetoes", {"genre": "Horror"}),
        ("/settings/delete", {"confirm_handle": "ana"}),
    ]:
        refused = ana.client.post(action, data=data, follow_redirects=False)
        assert refused.status_code == 403, action
        forged = ana.client.post(action, data={**data, "csrf_token": "x" * 64})
        assert forged.status_code == 403, action
    assert _upload(ana, EXPORT, csrf=False).status_code == 403  # type: ignore[attr-defined]
    assert _state(catalog_app, "ana") == ({}, set(), set())
    assert ana.get("/api/me/settings").json()["display_name"] == "ana"
    from fastapi.testclient import TestClient

    stranger = Browser(TestClient(catalog_app))
    assert stranger.get("/settings", follow_redirects=False).status_code == 303  # to log in
    assert stranger.get("/settings/export.zip", follow_redirects=False).status_code == 303
    assert stranger.get("/api/me/export.zip").status_code == 401


# --- Letterboxd upload -------------------------------------------------------------------------


def test_upload_lists_unmatched_films_with_suggestions_and_what_a_reimport_removed(
    catalog_app: FastAPI,
) -> None:
    ana = _member(catalog_app, "ana")
    assert "multipart/form-data" in ana.get("/settings/import").text
    result = _upload(ana, EXPORT)
    assert result.status_code == 200, result.text  # type: ignore[attr-defined]
    text: str = result.text  # type: ignore[attr-defined]
    assert "<em>Frankenstien (1931)</em> — did you mean <em>Frankenstein (1931)</em>?" in text
    assert "<em>A Film Nobody Made (1999)</em>" in text
    assert "Saved 2 ratings, 1 films seen without a rating and 1 on your watchlist" in text
    ratings, seen, listed = _state(catalog_app, "ana")
    assert sorted(ratings.values()) == [6, 9] and len(seen) == 1 and len(listed) == 1
    assert _uploads_left(catalog_app) == []  # the temporary file is gone
    # A later whole export without Duck Soup, nothing watched unrated, an empty watchlist: the
    # page says what went. (A file the upload lacks leaves that part alone.)
    empty = "Date,Name,Year,Letterboxd URI\n"
    later = _zip(
        {
            "ratings.csv": RATINGS.replace("2024-01-03,Duck Soup,1933,https://boxd.it/b,3\n", ""),
            "watched.csv": empty,
            "watchlist.csv": empty,
        }
    )
    text = _upload(ana, later, "again.zip").text  # type: ignore[attr-defined]
    assert "Removed, because your export no longer has them (3)" in text
    assert "<em>Duck Soup (1933)</em>" in text and "<em>City Lights (1931)</em>" in text
    assert _state(catalog_app, "ana")[2] == set()


def test_a_single_csv_and_the_api_with_a_token(catalog_app: FastAPI) -> None:
    ana = _member(catalog_app, "ana")
    raw = ana.api_post("/api/tokens", {"name": "script"}).json()["token"]
    from fastapi.testclient import TestClient

    script = TestClient(catalog_app, headers={"Authorization": f"Bearer {raw}"})
    sent = script.post(
        "/api/me/import", files={"export": ("ratings.csv", RATINGS.encode(), "text/csv")}
    )
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert body["ratings"] == 2 and body["unmatched"] == [
        "Frankenstien (1931)",
        "A Film Nobody Made (1999)",
    ]
    assert body["did_you_mean"] == {"Frankenstien (1931)": "Frankenstein (1931)"}
    assert script.post("/api/me/import", files={}).status_code == 400
    not_export = script.post(
        "/api/me/import", files={"export": ("notes.txt", b"hello", "text/plain")}
    )
    assert not_export.status_code == 422 and "neither a zip" in not_export.json()["error"]


def _refused(
    app: FastAPI, browser: Browser, data: bytes, status: int, words: str, name: str = "x.zip"
) -> None:
    before = _state(app, "ana")
    response = _upload(browser, data, name)
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert words in response.text  # type: ignore[attr-defined]
    assert _state(app, "ana") == before  # the database is untouched
    assert _uploads_left(app) == []


def test_hostile_uploads_are_refused_and_change_nothing(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(
        signup_policy="open",
        upload_max_bytes=200_000,
        upload_max_files=5,
        upload_max_file_bytes=1_000_000,
        upload_max_total_bytes=2_000_000,
        upload_max_line_chars=1_000,
    )
    seed_starter_catalog(app.state.engine)
    ana = _member(app, "ana")
    assert _upload(ana, EXPORT).status_code == 200  # type: ignore[attr-defined]
    # Larger than the upload limit (said at once by Content-Length).
    _refused(app, ana, b"PK\x03\x04" + b"\0" * 300_000, 413, "larger than")
    # A zip bomb: 9 KB that expands to 10 MB.
    bomb = _zip({"ratings.csv": b"0" * 10_000_000})
    assert len(bomb) < 20_000
    _refused(app, ana, bomb, 413, "expands to 9.5 MB")
    # Each file under the per-file limit, all together over the total.
    _refused(app, ana, _zip({f"f{i}.csv": b"1" * 900_000 for i in range(3)}), 413, "expands to")
    _refused(app, ana, _zip({f"f{i}.csv": b"" for i in range(6)}), 413, "holds 6 files")
    evil = _zip({"ratings.csv": RATINGS, "../evil.csv": "x"})
    _refused(app, ana, evil, 422, "&#39;../evil.csv&#39; points outside the archive")
    _refused(app, ana, _zip({"/etc/passwd": "x"}), 422, "is an absolute path")
    long_line = RATINGS + "2024-01-01," + "A" * 2_000 + ",1999,x,3\n"
    _refused(app, ana, _zip({"ratings.csv": long_line}), 422, "longer than 1,000 bytes")
    # A bad line anywhere: nothing of the export is saved.
    bad = RATINGS + "2024-01-09,Duck Soup,1933,x,11\n"
    _refused(app, ana, _zip({"ratings.csv": bad}), 422, "is not 0.5 to 5")
    _refused(app, ana, b"PK\x03\x04 not really a zip", 422, "not a readable zip")


def test_an_oversize_upload_without_content_length_is_cut_off(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(signup_policy="open", upload_max_bytes=100_000)
    ana = _member(app, "ana")
    token = ana.csrf_from("/settings/import")
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="export"; filename="x.zip"\r\n'
        "Content-Type: application/zip\r\n\r\n"
    ).encode()

    def chunks() -> object:
        yield head
        for _ in range(50):
            yield b"\0" * 10_000
        yield f"\r\n--{boundary}--\r\n".encode()

    response = ana.client.post(
        "/settings/import",
        content=chunks(),  # type: ignore[arg-type]
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert _uploads_left(app) == []


# --- export ------------------------------------------------------------------------------------


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_export_is_letterboxd_csv_and_imports_back_into_a_fresh_member(
    catalog_app: FastAPI,
) -> None:
    ana = _member(catalog_app, "ana")
    awkward_ratings = RATINGS + f'2024-04-01,"{AWKWARD.replace(chr(34), chr(34) * 2)}",2001,x,5\n'
    assert (
        _upload(
            ana,
            _zip(
                {"ratings.csv": awkward_ratings, "watched.csv": WATCHED, "watchlist.csv": WATCHLIST}
            ),
        ).status_code
        == 200
    )  # type: ignore[attr-defined]
    exported = ana.get("/settings/export.zip")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/zip"
    assert exported.headers["content-disposition"].startswith(
        'attachment; filename="reelmates-ana-letterboxd.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        assert sorted(archive.namelist()) == ["ratings.csv", "watched.csv", "watchlist.csv"]
        ratings = _csv_rows(archive.read("ratings.csv").decode())
        watched = _csv_rows(archive.read("watched.csv").decode())
        watchlist = _csv_rows(archive.read("watchlist.csv").decode())
    assert ratings == [
        ["Date", "Name", "Year", "Letterboxd URI", "Rating"],
        ["2024-01-02", "Dracula", "1931", "", "4.5"],
        ["2024-01-03", "Duck Soup", "1933", "", "3"],
        ["2024-04-01", AWKWARD, "2001", "", "5"],
    ]
    assert watched[0] == ["Date", "Name", "Year", "Letterboxd URI"]
    assert [row[1] for row in watched[1:]] == ["Dracula", "Duck Soup", "City Lights", AWKWARD]
    assert watchlist == [
        ["Date", "Name", "Year", "Letterboxd URI"],
        ["2024-03-01", "Frankenstein", "1931", ""],
    ]
    one = ana.get("/settings/export/ratings.csv")
    assert one.headers["content-type"].startswith("text/csv")
    assert 'filename="reelmates-ana-ratings.csv"' in one.headers["content-disposition"]
    assert _csv_rows(one.text) == ratings
    assert ana.get("/settings/export/secrets.csv").status_code == 404
    # Round trip: a fresh member imports the export and has the same taste.
    bo = _member(catalog_app, "bo")
    back = _upload(bo, exported.content, "reelmates-ana-letterboxd.zip")
    assert back.status_code == 200 and "Every film was found" in back.text  # type: ignore[attr-defined]
    assert _state(catalog_app, "bo") == _state(catalog_app, "ana")
    assert bo.get("/api/me/export/ratings.csv").text == one.text  # dates too


# --- delete the account ------------------------------------------------------------------------


def test_deleting_the_account_needs_the_handle_then_logs_out(catalog_app: FastAPI) -> None:
    ana = _member(catalog_app, "ana")
    _upload(ana, EXPORT)
    page = ana.get("/settings/delete")
    assert "Type your handle, <strong>ana</strong>" in page.text
    wrong = ana.submit("/settings/delete", "/settings/delete", {"confirm_handle": "bo"})
    assert wrong.status_code == 400 and "nothing was deleted" in wrong.text
    assert _state(catalog_app, "ana")[0]
    done = ana.submit("/settings/delete", "/settings/delete", {"confirm_handle": "ANA"})
    assert done.status_code == 200 and "Account deleted" in done.text
    assert 'reelmates_session=""' in done.headers["set-cookie"]
    assert ana.get("/api/me").status_code == 401
    with unit_of_work(catalog_app.state.engine, read_only=True) as session:
        assert session.scalar(select(func.count()).where(Person.handle == "ana")) == 0
    assert ana.log_in("ana").status_code == 401


def test_deleting_through_the_api(catalog_app: FastAPI) -> None:
    ana = _member(catalog_app, "ana")
    assert ana.api_post("/api/me/delete", {"confirm_handle": "nope"}).status_code == 400
    done = ana.api_post("/api/me/delete", {"confirm_handle": "ana"})
    assert done.status_code == 200 and done.json()["rows"]["accounts"] == 1
    assert ana.get("/api/me").status_code == 401


def test_settings_pages_under_a_root_path(make_app: Callable[..., FastAPI]) -> None:
    import re

    from fastapi.testclient import TestClient

    root = "/reelmates"
    app = make_app(root_path=root)
    seed_starter_catalog(app.state.engine)
    with TestClient(app) as client:
        ana = Browser(client, prefix=root)
        assert ana.sign_up("ana").status_code == 303
        for page in ("/settings", "/settings/import", "/settings/delete"):
            html = ana.get(page).text
            refs = re.findall(r'(?:href|src|action)="([^"]*)"', html)
            refs = [r for r in refs if not r.startswith("#")]
            assert refs and all(r.startswith(root + "/") for r in refs), (page, refs)
        token = ana.csrf_from("/settings/import")
        sent = client.post(
            root + "/settings/import",
            data={"csrf_token": token},
            files={"export": ("ratings.csv", RATINGS.encode(), "text/csv")},
        )
        assert sent.status_code == 200 and "Saved 2 ratings" in sent.text
        saved = ana.submit("/settings", "/settings", {"display_name": "Ana"})
        assert saved.headers["location"] == root + "/settings?saved=1"
