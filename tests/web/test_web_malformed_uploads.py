"""Damaged and hostile Letterboxd uploads sent through the app (the settings page with its form,
and the API with a token): each is refused with a 4xx whose page or JSON says why, naming the
uploaded file and (where there is one) the line; every table stays exactly as it was and no
uploaded file is left behind. Damage that happens to be harmless imports with a 200."""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_browsers import Browser

from malformed_files import UNSAFE_NAMES, Damage, damage, snapshot, tried
from reelmates.services.starter import seed_starter_catalog

RATINGS = (
    b"Date,Name,Year,Letterboxd URI,Rating\n"
    b"2024-01-02,Dracula,1931,https://boxd.it/a,4.5\n"
    b"2024-01-03,Duck Soup,1933,https://boxd.it/b,3\n"
    b'2024-01-04,"Frankenstein",1931,https://boxd.it/c,4\n'
)
WATCHED = b"Date,Name,Year,Letterboxd URI\n2024-02-01,City Lights,1931,https://boxd.it/e\n"
WATCHLIST = b"Date,Name,Year,Letterboxd URI\n2024-03-01,Modern Times,1936,https://boxd.it/g\n"
DIARY = (
    b"Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
    b"2024-04-01,Bringing Up Baby,1938,https://boxd.it/i,3.5,,,2024-03-30\n"
    b"2024-04-03,Top Hat,1935,https://boxd.it/k,,,,2024-04-02\n"
)
EXPORT = {"ratings.csv": RATINGS, "watched.csv": WATCHED, "watchlist.csv": WATCHLIST,
          "diary.csv": DIARY}  # fmt: skip
RATING_FIELD = {"ratings.csv": 4, "diary.csv": 4}
LIMITS = {
    "upload_max_bytes": 400_000,
    "upload_max_files": 6,
    "upload_max_file_bytes": 300_000,
    "upload_max_total_bytes": 500_000,
    "upload_max_line_chars": 1_000,
}


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def site(make_app: Callable[..., FastAPI]) -> tuple[FastAPI, Browser, TestClient]:
    """An app with a catalog, and ana signed up with an earlier import (page and API token)."""
    app = make_app(signup_policy="open", **LIMITS)
    seed_starter_catalog(app.state.engine)
    ana = Browser(TestClient(app))
    assert ana.sign_up("ana").status_code == 303
    raw = ana.api_post("/api/tokens", {"name": "script"}).json()["token"]
    script = TestClient(app, headers={"Authorization": f"Bearer {raw}"})
    first = script.post("/api/me/import", files={"export": ("x.zip", _zip(EXPORT), "a/zip")})
    assert first.status_code == 200, first.text
    return app, ana, script


def _send(ana: Browser, script: TestClient, via: str, name: str, data: bytes) -> tuple[int, str]:
    """(status, the reason the app gave) for one upload through the page or the API."""
    files = {"export": (name, data, "application/octet-stream")}
    if via == "api":
        response = script.post("/api/me/import", files=files)
        return response.status_code, (response.json().get("error", "") if response.is_error else "")
    token = ana.csrf_from("/settings/import")
    response = ana.client.post(
        "/settings/import", data={"csrf_token": token}, files=files, follow_redirects=False
    )
    return response.status_code, _page_reason(response)


def _page_reason(response: httpx.Response) -> str:
    found = re.search(r"<h1>.*?</h1>\s*<p>(.*?)</p>", response.text, re.S)
    if not (found and response.is_error):
        return ""
    # The page writes the reason as a sentence (first letter upper-case: "X.zip: ..."); the
    # upload names in these tests are lower-case, so lowering it back gives the message.
    reason = html.unescape(found.group(1))
    return reason[:1].lower() + reason[1:]


def _uploads_left(app: FastAPI) -> list[Path]:
    folder = app.state.settings.data_dir / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def _hostile_zip(draw: st.DrawFn) -> tuple[str, bytes, str]:
    """(kind, the zip's bytes, words the refusal must hold)."""
    kind = draw(st.sampled_from(["unsafe-name", "bomb", "total-bomb", "many-files",
                                 "lying-size", "cut-zip", "encrypted", "long-line"]))  # fmt: skip
    if kind == "unsafe-name":
        name = draw(st.sampled_from(UNSAFE_NAMES))
        return kind, _zip({"ratings.csv": RATINGS, name: b"x"}), "the file named"
    if kind == "bomb":  # a few KB that expand to 3 MB or more, past the 300 KB limit
        fill = draw(st.sampled_from([b"\n", b"0", b"a,b,c\n"]))
        return kind, _zip({"ratings.csv": RATINGS + fill * 3_000_000}), "expands to"
    if kind == "total-bomb":
        entries = {f"f{i}.csv": b"\n" * 200_000 for i in range(3)}
        return kind, _zip(entries), "expands to"
    if kind == "many-files":
        return kind, _zip({f"f{i}.csv": b"" for i in range(7)}), "holds 7 files"
    if kind == "long-line":
        line = b"2024-01-01," + b"A" * draw(st.integers(1_001, 50_000)) + b",1999,x,3\n"
        return kind, _zip({"ratings.csv": RATINGS + line}), "x.zip:ratings.csv:5: the line is"
    whole = bytearray(_zip({"ratings.csv": RATINGS + b"\n" * 100_000}))
    if kind == "lying-size":  # the headers say 1-150 bytes; it expands to 100 KB
        claimed = draw(st.integers(1, 150)).to_bytes(4, "little")
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            at = whole.find(signature)
            whole[at + offset : at + offset + 4] = claimed
        return kind, bytes(whole), "x.zip"
    if kind == "encrypted":
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = whole.find(signature)
            whole[at + offset] |= 1
        return kind, bytes(whole), "is encrypted"
    return kind, bytes(whole[: draw(st.integers(4, len(whole) - 1))]), "x.zip"


def _damaged_export(draw: st.DrawFn) -> tuple[Damage, str, str, bytes]:
    """(damage, the damaged file, the upload's name, what is uploaded): one file or a zip."""
    target = draw(st.sampled_from(sorted(EXPORT)))
    hurt = draw(damage(EXPORT[target], encoding="utf-8", sep=b",", header_lines=1,
                       rating_field=RATING_FIELD.get(target)))  # fmt: skip
    if draw(st.booleans()):
        return hurt, target, target, hurt.data
    return hurt, target, "x.zip", _zip({**EXPORT, target: hurt.data})


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_damaged_or_hostile_upload_is_refused_with_its_reason_and_changes_nothing(
    site: tuple[FastAPI, Browser, TestClient], data: st.DataObject
) -> None:
    app, ana, script = site
    via = data.draw(st.sampled_from(["page", "api"]), label="via")
    hurt: Damage | None = None
    if data.draw(st.booleans(), label="hostile zip"):
        kind, body, says = _hostile_zip(data.draw)
        name, target = "x.zip", ""
    else:
        hurt, target, name, body = _damaged_export(data.draw)
        kind, says = hurt.kind, ""
    tried("upload", kind)
    before = snapshot(app.state.engine)
    status, reason = _send(ana, script, via, name, body)
    assert _uploads_left(app) == []
    if status == 200:
        assert hurt is not None and hurt.refused != "must", kind
        return
    assert status in (413, 422), (status, reason)
    assert snapshot(app.state.engine) == before
    if len(body) > LIMITS["upload_max_bytes"]:  # refused while it arrives, whatever it holds
        said = reason.rstrip(".")  # the page ends a sentence with a full stop
        assert (status, said) == (413, "the upload is larger than 390 KB, the most this "
                                  "server accepts"), reason  # fmt: skip
        return
    assert name in reason and len(reason) < 600, reason[:300]
    assert says in reason, reason
    assert hurt is None or hurt.kind != "duplicate-row", f"a line given twice: {reason}"
    where = name if name == target else f"{name}:{target}"
    if hurt is not None and hurt.line is not None:
        on_a_line = re.match(rf"{re.escape(where)}:(\d+): ", reason)
        if hurt.refused == "must" or on_a_line:
            assert on_a_line and int(on_a_line.group(1)) == hurt.line, (reason, hurt.line)


def test_an_upload_over_a_limit_under_a_megabyte_says_it_in_kilobytes(
    site: tuple[FastAPI, Browser, TestClient],
) -> None:
    app, _ana, script = site
    before = snapshot(app.state.engine)
    big = RATINGS + b"2024-01-01,Heat,1995,x,3\n" * 20_000  # 500 KB, past the 390 KB allowed
    response = script.post("/api/me/import", files={"export": ("ratings.csv", big, "text/csv")})
    assert response.status_code == 413
    assert response.json()["error"] == (  # it said "larger than 0 MB"
        "the upload is larger than 390 KB, the most this server accepts"
    )
    assert snapshot(app.state.engine) == before and _uploads_left(app) == []


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_on_postgresql_hostile_uploads_change_nothing(
    make_app: Callable[..., FastAPI], db_url: str
) -> None:
    app = make_app(signup_policy="open", database_url=db_url, **LIMITS)
    seed_starter_catalog(app.state.engine)
    ana = Browser(TestClient(app))
    assert ana.sign_up("ana").status_code == 303
    raw = ana.api_post("/api/tokens", {"name": "script"}).json()["token"]
    script = TestClient(app, headers={"Authorization": f"Bearer {raw}"})
    assert _send(ana, script, "api", "x.zip", _zip(EXPORT)) == (200, "")
    before = snapshot(app.state.engine)
    bad_line = RATINGS + b"2024-01-09,Top Hat,1935,x,5.5\n"
    cases = [
        ("x.zip", _zip({**EXPORT, "ratings.csv": bad_line}), 422, "x.zip:ratings.csv:5: rating"),
        ("ratings.csv", bad_line, 422, "ratings.csv:5: rating '5.5' is not 0.5 to 5"),
        ("x.zip", _zip({"ratings.csv": RATINGS + b"\n" * 3_000_000}), 413, "expands to"),
        ("x.zip", _zip({"../../etc/passwd": b"x"}), 422, "points outside the archive"),
    ]
    for via in ("page", "api"):
        for name, body, status, says in cases:
            got, reason = _send(ana, script, via, name, body)
            assert (got, says in reason) == (status, True), (via, reason)
            assert snapshot(app.state.engine) == before and _uploads_left(app) == []
