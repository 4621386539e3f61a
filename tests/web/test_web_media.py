"""The media servers' settings on the web: /settings/media and /api/media/servers against a
Jellyfin on loopback (tests/media_loopback.py). Connecting (a wrong key, an address off the
allow-list, a kind we do not read: 422 with the reason, nothing stored), seeing (the key never
comes back, not even in part; a member sees a shared server by its name only), syncing (a
server that goes down: 502 with the reason, the last good sync stays), mapping, libraries,
the schedule and removal; the pages' forms and their messages, user data shown as text."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_browsers import Browser

from media_loopback import FILM_COUNT, KEY, LoopbackJellyfin, loopback_jellyfin
from reelmates.services.uow import unit_of_work
from reelmates.store.media import MediaServerRepository, SyncRunInfo


@pytest.fixture
def jellyfin() -> Iterator[LoopbackJellyfin]:
    with loopback_jellyfin() as fake:
        yield fake


@pytest.fixture
def app(make_app: Callable[..., FastAPI], jellyfin: LoopbackJellyfin) -> FastAPI:
    return make_app(
        media_secret_key=Fernet.generate_key().decode(),
        media_allowed_urls=[jellyfin.url],
        media_timeout_seconds=5.0,
    )


def _call(browser: Browser, method: str, path: str, body: object = None) -> httpx.Response:
    headers = {"X-CSRF-Token": browser.api_csrf()}
    kwargs: dict[str, Any] = {"json": body} if body is not None else {}
    return browser.client.request(method, path, headers=headers, **kwargs)


def _people(new_browser: Callable[..., Browser]) -> tuple[Browser, Browser]:
    """jess (the operator, the first account) and mira (a member she invited)."""
    jess, mira = new_browser(), new_browser()
    assert jess.sign_up("jess", display_name="Jess").status_code == 303
    assert mira.sign_up("mira", invite=jess.invite(), display_name="Mira").status_code == 303
    return jess, mira


def test_the_api_connects_syncs_and_never_gives_the_key_back(
    new_browser: Callable[..., Browser], jellyfin: LoopbackJellyfin
) -> None:
    jess, mira = _people(new_browser)
    body = {"kind": "jellyfin", "base_url": jellyfin.url, "api_key": KEY, "name": "<b>Den</b>"}
    made = jess.api_post("/api/media/servers", body)
    assert made.status_code == 201, made.text
    server = made.json()
    assert (server["name"], server["shared"], server["access"]) == ("<b>Den</b>", True, "manage")
    assert server["credentials"] == "set" and server["base_url"] == jellyfin.url
    assert [lib["name"] for lib in server["libraries"]] == ["Films"]
    sid = server["id"]

    # Mira sees it by name only; she may not change it.
    (seen,) = mira.get("/api/media/servers").json()
    assert (seen["name"], seen["access"], seen["base_url"], seen["credentials"]) == (
        "<b>Den</b>",
        "see",
        None,
        None,
    )
    assert seen["libraries"] == seen["runs"] == seen["mappings"] == []
    assert (
        _call(mira, "PUT", f"/api/media/servers/{sid}/schedule", {"minutes": 5}).status_code == 403
    )
    assert mira.api_post(f"/api/media/servers/{sid}/sync").status_code == 403
    assert mira.api_post("/api/media/servers", {**body, "shared": True}).status_code == 403

    # Jess maps Mira, syncs, sees the run; the users come from the server.
    users = jess.get(f"/api/media/servers/{sid}/users").json()
    assert sorted(u["name"] for u in users) == ["jess", "milly"]
    mapped = _call(jess, "PUT", f"/api/media/servers/{sid}/mappings/mira", {"user": "milly"})
    assert mapped.status_code == 200 and mapped.json()["user_name"] == "milly", mapped.text
    synced = jess.api_post(f"/api/media/servers/{sid}/sync")
    assert synced.status_code == 200, synced.text
    assert synced.json()["fetched"] == FILM_COUNT and synced.json()["seen_added"] > 0
    after = jess.get(f"/api/media/servers/{sid}").json()
    assert after["last_sync_ok"] is True and after["runs"][0]["fetched"] == FILM_COUNT
    assert [m["handle"] for m in mira.get(f"/api/media/servers/{sid}").json()["mappings"]] == [
        "mira"
    ]

    jellyfin.state = "down"
    down = jess.api_post(f"/api/media/servers/{sid}/sync")
    assert down.status_code == 502 and "could not be synced" in down.json()["error"], down.text
    kept = jess.get(f"/api/media/servers/{sid}").json()
    assert kept["last_sync_ok"] is False and kept["last_good_sync_at"] == after["last_sync_at"]
    for answer in (
        made,
        synced,
        down,
        jess.get("/api/media/servers"),
        jess.get("/api/openapi.json"),
    ):
        assert KEY not in answer.text and KEY[:8] not in answer.text

    jellyfin.state, jellyfin.key = "up", "a-new-key-1234"
    wrong = _call(jess, "PUT", f"/api/media/servers/{sid}/credentials", {"api_key": KEY})
    assert wrong.status_code == 422 and "nothing was stored" in wrong.json()["error"]
    new = _call(jess, "PUT", f"/api/media/servers/{sid}/credentials", {"api_key": "a-new-key-1234"})
    assert new.status_code == 200 and new.json()["credentials"] == "set"
    assert "a-new-key-1234" not in new.text
    assert (
        _call(mira, "PUT", f"/api/media/servers/{sid}/credentials", {"api_key": "x"}).status_code
        == 403
    )
    library = after["libraries"][0]["id"]
    put = _call(jess, "PUT", f"/api/media/servers/{sid}/libraries/{library}", {"enabled": False})
    assert put.status_code == 200 and put.json()["enabled"] is False
    assert (
        _call(jess, "PUT", f"/api/media/servers/{sid}/schedule", {"minutes": None}).json()[
            "sync_minutes"
        ]
        is None
    )
    assert _call(jess, "DELETE", f"/api/media/servers/{sid}/mappings/mira").status_code == 204
    assert _call(jess, "DELETE", f"/api/media/servers/{sid}").status_code == 204
    assert jess.get(f"/api/media/servers/{sid}").status_code == 404
    assert mira.get("/api/media/servers").json() == []


def test_the_api_says_why_a_server_is_refused(
    new_browser: Callable[..., Browser], jellyfin: LoopbackJellyfin
) -> None:
    jess, mira = _people(new_browser)
    good = {"kind": "jellyfin", "base_url": jellyfin.url, "api_key": KEY}
    cases = [
        ({**good, "api_key": "wrong-key-5678"}, "refused the API key"),
        ({**good, "base_url": "http://127.0.0.1:9"}, "allowed media servers"),
        ({**good, "base_url": "file:///etc/passwd"}, "not a server address"),
        ({**good, "kind": "kodi"}, "kind is not one of the choices"),
        ({**good, "sync_minutes": 0}, "sync minutes"),
    ]
    for body, reason in cases:
        refused = jess.api_post("/api/media/servers", body)
        assert refused.status_code == 422, refused.text
        assert reason.lower() in refused.text.lower(), refused.text
        assert "wrong-key-5678" not in refused.text
    elsewhere = jess.api_post("/api/media/servers", cases[1][0]).json()
    assert "REELMATES_MEDIA_ALLOWED_URLS" in elsewhere["detail"]
    assert jess.get("/api/media/servers").json() == []
    # A member's own server: hers to manage, not the operator's to hide from her.
    own = mira.api_post("/api/media/servers", good)
    assert own.status_code == 201 and own.json()["shared"] is False
    assert own.json()["owner_handle"] == "mira" and own.json()["name"] == "Mira's Jellyfin"
    assert jess.get(f"/api/media/servers/{own.json()['id']}").json()["access"] == "manage"


def test_the_pages_connect_sync_and_show_what_went_wrong(
    new_browser: Callable[..., Browser], jellyfin: LoopbackJellyfin
) -> None:
    jess, mira = _people(new_browser)
    page = jess.get("/settings/media")
    assert page.status_code == 200 and "Connect a server" in page.text
    assert 'href="/settings/media"' in jess.get("/settings").text
    form = {"kind": "jellyfin", "base_url": jellyfin.url, "api_key": "wrong-key-5678"}
    refused = jess.submit("/settings/media", "/settings/media", {**form, "name": "<i>Den</i>"})
    assert refused.status_code == 422 and "refused the API key" in refused.text
    assert "wrong-key-5678" not in refused.text
    assert 'value="&lt;i&gt;Den&lt;/i&gt;"' in refused.text  # kept, as text

    made = jess.submit(
        "/settings/media",
        "/settings/media",
        {**form, "api_key": KEY, "name": "<i>Den</i>", "shared": "on"},
    )
    assert made.status_code == 303, made.text
    detail = jess.follow(made)
    assert "Connected." in detail.text and "&lt;i&gt;Den&lt;/i&gt;" in detail.text
    assert "<i>Den</i>" not in detail.text and KEY not in detail.text
    assert "Films: read" in detail.text
    server_path = httpx.URL(made.headers["location"]).path

    synced = jess.follow(jess.submit(server_path, server_path + "/sync", {}))
    assert "Synced." in synced.text and f"<td>{FILM_COUNT}</td>" in synced.text
    mapped = jess.submit(server_path, server_path + "/map", {"handle": "mira", "user": "nobody"})
    assert mapped.status_code == 422 and "Its users: jess, milly." in mapped.text
    mapped = jess.follow(
        jess.submit(server_path, server_path + "/map", {"handle": "mira", "user": "milly"})
    )
    assert "Mira (mira) is milly" in mapped.text
    schedule = jess.submit(server_path, server_path + "/schedule", {"minutes": "soon"})
    assert schedule.status_code == 422 and "Not a number of minutes" in schedule.text
    assert (
        "Saved."
        in jess.follow(jess.submit(server_path, server_path + "/schedule", {"minutes": "off"})).text
    )

    jellyfin.state = "garbage"
    failed = jess.submit(server_path, server_path + "/sync", {})
    assert failed.status_code == 502 and "could not be synced" in failed.text
    assert "stay available" in failed.text and KEY not in failed.text

    jellyfin.state = "up"
    keyed = jess.submit(server_path, server_path + "/key", {"api_key": "wrong-key-5678"})
    assert keyed.status_code == 422 and "nothing was stored" in keyed.text
    assert "wrong-key-5678" not in keyed.text
    assert (
        "Saved."
        in jess.follow(jess.submit(server_path, server_path + "/key", {"api_key": KEY})).text
    )

    # Mira sees the shared server by name, with her mapping, and no forms of its own.
    hers = mira.get(server_path)
    assert hers.status_code == 200 and "You are its user milly" in hers.text
    assert jellyfin.url not in hers.text and "Sync now" not in hers.text
    assert mira.submit(server_path, server_path + "/sync", {}).status_code == 403
    assert mira.submit(server_path, server_path + "/remove", {}).status_code == 403

    # Mira takes herself off (her plays there stop becoming her seen films), no one else.
    assert "Stop that" in mira.get("/settings/media").text
    other = mira.submit("/settings/media", server_path + "/unmap", {"handle": "jess"})
    assert other.status_code == 403
    off = mira.submit("/settings/media", server_path + "/unmap", {"handle": "mira"})
    assert off.status_code == 303 and off.headers["location"] == "/settings/media"
    assert "Mira (mira) is milly" not in jess.get(server_path).text
    assert "You are its user" not in mira.get("/settings/media").text

    gone = jess.submit(server_path, server_path + "/remove", {})
    assert gone.status_code == 303 and "None yet." in jess.follow(gone).text
    assert jess.get(server_path).status_code == 404


def test_the_server_process_syncs_on_schedule_and_stops_at_shutdown(
    make_app: Callable[..., FastAPI], jellyfin: LoopbackJellyfin
) -> None:
    """`reelmates serve`'s app: its lifespan starts the scheduled syncs and stops them."""
    app = make_app(
        media_secret_key=Fernet.generate_key().decode(),
        media_allowed_urls=[jellyfin.url],
        media_sync_check_seconds=0.05,
    )
    with TestClient(app) as client:
        jess = Browser(client)
        assert jess.sign_up("jess").status_code == 303
        body = {"kind": "jellyfin", "base_url": jellyfin.url, "api_key": KEY, "sync_minutes": 60}
        made = jess.api_post("/api/media/servers", body)
        assert made.status_code == 201, made.text
        path = f"/api/media/servers/{made.json()['id']}"
        deadline = time.monotonic() + 60  # never synced: due at the next look
        while time.monotonic() < deadline and not jess.get(path).json()["runs"]:
            time.sleep(0.05)
        (run,) = jess.get(path).json()["runs"]
        assert run["fetched"] == FILM_COUNT and run["error"] is None
        assert app.state.media_sync.rounds >= 1
    assert app.state.media_sync._thread is None  # stopped with the app


def test_the_server_page_lists_what_the_last_sync_could_not_match(
    app: FastAPI, new_browser: Callable[..., Browser], jellyfin: LoopbackJellyfin
) -> None:
    jess, _mira = _people(new_browser)
    body = {"kind": "jellyfin", "base_url": jellyfin.url, "api_key": KEY, "shared": True}
    made = jess.api_post("/api/media/servers", body)
    assert made.status_code == 201, made.text
    sid = made.json()["id"]
    at = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
    unmatched = [{"title": "<i>???</i>", "year": None, "reason": "no usable title"}]
    with unit_of_work(app.state.engine) as session:
        MediaServerRepository(session).add_run(
            sid,
            SyncRunInfo(0, at, at, True, 9, 4, 4, 0, 0, 1, json.dumps(unmatched), None),
        )
    page = jess.get(f"/settings/media/{sid}").text
    assert "Not matched in the last sync (1)" in page
    assert "<li>&lt;i&gt;???&lt;/i&gt;: no usable title</li>" in page and "<i>???" not in page
