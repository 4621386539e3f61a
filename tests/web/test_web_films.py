"""The film page, catalog search, "For you" and their /api routes, on the starter catalog with a
model trained once for the module (the demo), and on a catalog with no model yet."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_browsers import Browser

from reelmates.services.starter import seed_starter_catalog
from reelmates.services.uow import unit_of_work
from reelmates.store.films import FilmRepository

SVG = "{http://www.w3.org/2000/svg}"
_handles = itertools.count()


@pytest.fixture
def member(trained_app: FastAPI) -> Iterator[Browser]:
    """A new member (no ratings) logged in to the trained app."""
    with TestClient(trained_app) as client:
        browser = Browser(client)
        assert browser.sign_up(f"viewer{next(_handles)}").status_code == 303
        yield browser


def _film_id(browser: Browser, title: str) -> int:
    hits = browser.get("/api/films", params={"q": title}).json()
    return int(next(h["id"] for h in hits if h["title"] == title))


# --- search ----------------------------------------------------------------------------------


def test_search_finds_heat_in_any_case_exact_titles_first(member: Browser) -> None:
    hits = member.get("/api/films", params={"q": "hEaT"}).json()
    assert [(h["title"], h["year"]) for h in hits] == [
        ("Heat", 1995),
        ("The Heat", 2013),
        ("Heathers", 1989),
        ("In the Heat of the Night", 1967),
    ]
    assert hits[0]["genres"] == ["Action", "Crime", "Thriller"]
    page = member.get("/films", params={"q": "HEAT"})
    assert page.status_code == 200
    assert f'href="/films/{hits[0]["id"]}">Heat</a> (1995)' in page.text
    assert "4 films found" in page.text
    # Each hit with its poster thumbnail, decorative (the title is the link).
    thumbs = re.findall(r'<img class="thumb" src="/films/(\d+)/poster"[^>]* alt=""', page.text)
    assert [int(t) for t in thumbs] == [h["id"] for h in hits]
    assert (
        member.get(f"/films/{thumbs[0]}/poster.svg")
        .headers["content-type"]
        .startswith("image/svg+xml")
    )


def test_search_without_the_article_and_with_no_match(member: Browser) -> None:
    assert [h["title"] for h in member.get("/api/films?q=dark knight").json()] == [
        "The Dark Knight"
    ]
    assert member.get("/api/films?q=%25").json() == []  # "%" is not a wildcard
    assert "No film in the catalog" in member.get("/films?q=zzzqqq").text


# --- the film page ---------------------------------------------------------------------------


def test_the_film_page_shows_facts_prediction_and_search_links(member: Browser) -> None:
    heat = _film_id(member, "Heat")
    page = member.get(f"/films/{heat}")
    assert page.status_code == 200
    text = page.text
    for fact in ("170 minutes", "Action, Crime, Thriller", "Michael Mann", "Al Pacino"):
        assert fact in text
    assert "disciplined professional thief" in text
    assert "We think you would give it <strong>" in text
    assert (
        '<a href="https://www.youtube.com/results?search_query=Heat+1995+trailer" '
        'rel="noopener noreferrer">' in text
    )
    assert (
        '<a href="https://www.justwatch.com/us/search?q=Heat+1995" rel="noopener noreferrer">'
        in text
    )
    assert f'src="/films/{heat}/poster"' in text
    assert "style=" not in text and "<script>" not in text
    body = member.get(f"/api/films/{heat}").json()
    assert body["director"] == "Michael Mann" and body["cast"] == ["Al Pacino", "Robert De Niro"]
    assert 0.5 <= body["prediction"]["stars"] <= 5 and body["prediction"]["note"] is None


def test_an_unknown_film_is_a_404_everywhere(member: Browser) -> None:
    assert member.get("/films/999999").status_code == 404
    assert member.get("/films/999999/poster.svg").status_code == 404
    assert member.get("/films/999999/poster").status_code == 404
    missing = member.get("/api/films/999999")
    assert missing.status_code == 404 and "no film with id 999999" in missing.json()["error"]
    assert member.api_post("/api/films/999999/rating", {"stars": 4}).status_code == 404


def test_the_film_pages_need_a_log_in(trained_app: FastAPI) -> None:
    with TestClient(trained_app) as client:
        page = client.get("/films/1", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert client.get("/api/films?q=heat").status_code == 401
        assert client.get("/api/picks").status_code == 401


# --- rating, seen, watchlist -----------------------------------------------------------------


@pytest.mark.parametrize("stars", [0, 5.5, 3.3])
def test_a_rating_off_the_half_star_scale_is_refused_with_a_reason(
    member: Browser, stars: float
) -> None:
    heat = _film_id(member, "Heat")
    refused = member.api_post(f"/api/films/{heat}/rating", {"stars": stars})
    assert refused.status_code == 422
    assert refused.json()["error"] == (
        f"{stars:g} is not a rating: ratings are 0.5 to 5 stars in half stars"
    )
    form = member.submit(f"/films/{heat}", f"/films/{heat}/rating", {"stars": str(stars)})
    assert form.status_code == 422 and "is not a rating" in form.text
    assert member.get(f"/api/films/{heat}").json()["my_stars"] is None


def test_a_half_star_rating_is_stored_and_cleared(member: Browser) -> None:
    heat = _film_id(member, "Heat")
    done = member.submit(f"/films/{heat}", f"/films/{heat}/rating", {"stars": "4.5"})
    assert done.status_code == 303 and done.headers["location"] == f"/films/{heat}"
    page = member.get(f"/films/{heat}").text
    assert "You rated it <strong>4.5★</strong>" in page
    assert 'value="4.5" aria-label="4.5 stars" aria-pressed="true"' in page
    body = member.get(f"/api/films/{heat}").json()
    assert (body["my_stars"], body["seen"]) == (4.5, True)
    cleared = member.client.delete(
        f"/api/films/{heat}/rating", headers={"X-CSRF-Token": member.api_csrf()}
    )
    assert cleared.json() == {"film_id": heat, "stars": None, "seen": False, "on_watchlist": False}


def test_seen_and_watchlist_toggle_from_the_page_and_the_api(member: Browser) -> None:
    film = _film_id(member, "Heathers")
    page = f"/films/{film}"
    assert member.submit(page, f"{page}/seen", {}).status_code == 303
    assert member.submit(page, f"{page}/watchlist", {}).status_code == 303
    text = member.get(page).text
    assert "Mark unseen" in text and "Remove from watchlist" in text
    assert member.get(f"/api/films/{film}").json()["seen"] is True
    assert member.submit(page, f"{page}/unseen", {}).status_code == 303
    assert member.submit(page, f"{page}/watchlist/remove", {}).status_code == 303
    text = member.get(page).text
    assert "Mark seen" in text and "Add to watchlist" in text
    marks = member.api_post(f"/api/films/{film}/watchlist").json()
    assert marks == {"film_id": film, "stars": None, "seen": False, "on_watchlist": True}
    token = {"X-CSRF-Token": member.api_csrf()}
    off = member.client.delete(f"/api/films/{film}/watchlist", headers=token).json()
    assert off["on_watchlist"] is False


def test_every_change_needs_the_csrf_token(member: Browser) -> None:
    heat = _film_id(member, "Heat")
    for path in ("rating", "rating/clear", "seen", "unseen", "watchlist", "watchlist/remove"):
        refused = member.client.post(f"/films/{heat}/{path}", data={"stars": "4"})
        assert refused.status_code == 403, path
    api = member.client.post(f"/api/films/{heat}/rating", json={"stars": 4})
    assert api.status_code == 403 and "CSRF" in api.json()["error"]
    forged = member.client.post(
        f"/films/{heat}/rating", data={"stars": "4", "csrf_token": "x" * 64}
    )
    assert forged.status_code == 403
    assert member.get(f"/api/films/{heat}").json()["my_stars"] is None


# --- for you ---------------------------------------------------------------------------------


def test_a_rating_changes_the_picks_at_once(member: Browser) -> None:
    before = member.get("/api/picks?k=5").json()
    assert [p["reason"]["kind"] for p in before] == ["no-ratings"] * 5
    top = before[0]
    assert top["title"] == "Beaches"  # the crowd favourite of the starter catalog
    assert member.api_post(f"/api/films/{top['id']}/rating", {"stars": 5}).status_code == 200
    after = member.get("/api/picks?k=5").json()
    assert top["id"] not in [p["id"] for p in after]  # seen now: never offered
    # Beaches is the only film they loved: every reason that cites a film cites it.
    cited = [p["reason"] for p in after if p["reason"]["kind"] == "like-loved"]
    assert cited
    for reason in cited:
        assert [part["film_id"] for part in reason["parts"] if part["title"]] == [top["id"]]
        assert reason["text"] == "like Beaches, which you loved"
    page = member.get("/picks").text
    assert f'<a href="/films/{top["id"]}"><em>Beaches</em></a>, which you loved' in page
    shown = member.get("/api/picks").json()  # the page's default count
    thumbs = re.findall(r'<img class="thumb" src="/films/(\d+)/poster"[^>]* alt=""', page)
    assert [int(t) for t in thumbs] == [p["id"] for p in shown]


def test_picks_take_their_filters_from_the_query_string(member: Browser) -> None:
    picks = member.get("/api/picks?genre=Horror&max_runtime=100&year_min=1970&k=10").json()
    assert picks
    for pick in picks:
        assert "Horror" in pick["genres"] and pick["year"] >= 1970
    page = member.get("/picks?genre=Horror&not_genre=Comedy")
    assert page.status_code == 200
    assert 'name="genre" value="Horror" checked' in page.text
    assert 'name="not_genre" value="Comedy" checked' in page.text


# --- posters ---------------------------------------------------------------------------------


def test_a_poster_is_valid_svg_that_keeps_a_hostile_title_as_text(
    trained_app: FastAPI, member: Browser
) -> None:
    title = '<script>&"'
    with unit_of_work(trained_app.state.engine) as session:
        films = FilmRepository(session)
        film_id = films.extent()[1] + 1
        films.insert_rows(
            [{"id": film_id, "title": title, "title_key": "script", "year": 2001}],
            [{"film_id": film_id, "genre": "Horror"}],
        )
    poster = member.get(f"/films/{film_id}/poster.svg")
    assert poster.status_code == 200
    assert poster.headers["content-type"].startswith("image/svg+xml")
    assert "<script" not in poster.text and "&lt;script&gt;&amp;" in poster.text
    root = ET.fromstring(poster.text)  # well-formed XML
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == f"{title} (2001)"  # type: ignore[union-attr]
    assert [t.text for t in root.iter(f"{SVG}tspan")] == [title]
    # Newer than the model: the page says so instead of failing.
    page = member.get(f"/films/{film_id}")
    assert page.status_code == 200 and "newer than the taste model" in page.text
    assert "&lt;script&gt;&amp;&#34;" in page.text


# --- no model yet ----------------------------------------------------------------------------


def test_without_a_model_the_pages_say_so(make_app: Callable[..., FastAPI]) -> None:
    app = make_app()
    seed_starter_catalog(app.state.engine)
    with TestClient(app) as client:
        browser = Browser(client)
        browser.sign_up("solo")
        heat = _film_id(browser, "Heat")
        page = browser.get(f"/films/{heat}")
        assert page.status_code == 200
        assert "No prediction: no taste model for this database yet" in page.text
        assert "Michael Mann" in page.text
        body = browser.get(f"/api/films/{heat}").json()
        assert body["prediction"]["stars"] is None
        assert "no taste model" in body["prediction"]["note"]
        picks = browser.get("/picks")
        assert picks.status_code == 200 and "No picks yet: no taste model" in picks.text
        api = browser.get("/api/picks")
        assert api.status_code == 404 and api.json()["error"].startswith("no picks yet")
        # Ratings are stored all the same.
        assert browser.api_post(f"/api/films/{heat}/rating", {"stars": 4}).json()["stars"] == 4


def test_film_pages_carry_the_root_path(make_app: Callable[..., FastAPI]) -> None:
    root = "/reelmates"
    app = make_app(root_path=root)
    seed_starter_catalog(app.state.engine)
    with TestClient(app) as client:
        browser = Browser(client, prefix=root)
        browser.sign_up("rooted")
        heat = _film_id(browser, "Heat")
        for path in ("/films?q=heat", f"/films/{heat}", "/picks"):
            page = browser.get(path)
            assert page.status_code == 200, path
            refs = [
                r
                for r in re.findall(r'(?:href|src|action)="([^"]*)"', page.text)
                if not r.startswith(("#", "https://"))
            ]
            assert refs and all(r.startswith(root + "/") for r in refs), (path, refs)
        done = browser.submit(f"/films/{heat}", f"/films/{heat}/seen", {})
        assert done.headers["location"] == f"{root}/films/{heat}"


def test_the_filter_form_sent_with_empty_number_fields_means_no_limit(member: Browser) -> None:
    """A browser sends every field of the form: ``year_min=`` is no limit, not a 422."""
    blank = "/api/picks?year_min=&year_max=&max_runtime=&k=5"
    assert member.get(blank).json() == member.get("/api/picks?k=5").json()
    assert member.get("/picks?year_min=&year_max=&max_runtime=").status_code == 200
    assert member.get("/api/picks?year_min=12").status_code == 422  # a wrong one still is
