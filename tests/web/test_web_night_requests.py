"""Asking the operator's Radarr or Jellyseerr for a night's film, in the browser (the night
page's forms, CSRF) and over the API: the real clients against a loopback fake of each service
(what is sent, and that asking twice sends nothing), who may ask (the night's members: others
get the night's 404), what is refused with its reason (the group can watch it already, no TMDB
id, no service set up, the service down), and "check again" following the state.

The starter catalog has no TMDB ids: City Lights is given TMDB 901 here; Heat has none.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from test_web_nights import befriend, pick, plan
from test_web_security import _Page
from web_browsers import Browser

from reelmates.errors import BusyError
from reelmates.services.starter import seed_starter_catalog
from reelmates.services.uow import unit_of_work
from reelmates.store.media_marks import MediaMarkRepository
from reelmates.store.models import Person

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "media"))
from media_fake import FakeServer, Reply, Seen, fake_server

KEY = "the-radarr-key-never-shown-0123456789"
CITY_LIGHTS = 901
_n = itertools.count()
LOOKUP = {
    "title": "City Lights",
    "year": 1931,
    "tmdbId": CITY_LIGHTS,
    "titleSlug": "city-lights-901",
    "images": [],
    "monitored": False,
    "hasFile": False,
}


@pytest.fixture
def service() -> Iterator[FakeServer]:
    with fake_server() as server:
        yield server


def radarr_routes(fake: FakeServer, *, has_file: bool = False) -> None:
    fake.routes["/api/v3/movie"] = lambda seen: (
        Reply.json([])
        if seen.method == "GET"
        else Reply.json({**LOOKUP, "id": 17, "monitored": True}, 201)
    )
    fake.routes["/api/v3/movie/lookup/tmdb"] = lambda _seen: Reply.json(LOOKUP)
    fake.routes["/api/v3/movie/17"] = lambda _seen: Reply.json(
        {**LOOKUP, "id": 17, "monitored": True, "hasFile": has_file}
    )


def _app(make_app: Callable[..., FastAPI], **settings: Any) -> FastAPI:
    app = make_app(signup_policy="open", **settings)
    seed_starter_catalog(app.state.engine)
    with app.state.engine.begin() as conn:
        conn.execute(text("UPDATE films SET tmdb_id = 901 WHERE title = 'City Lights'"))
    return app


def radarr_app(make_app: Callable[..., FastAPI], url: str) -> FastAPI:
    return _app(
        make_app,
        request_service="radarr",
        request_url=url,
        request_api_key=KEY,
        radarr_quality_profile_id=4,
        radarr_root_folder="/films",
    )


@pytest.fixture
def people() -> Iterator[Callable[[FastAPI, str], Browser]]:
    clients: list[TestClient] = []

    def make(app: FastAPI, name: str) -> Browser:
        client = TestClient(app)
        clients.append(client)
        browser = Browser(client)
        assert browser.sign_up(f"{name}{next(_n)}", display_name=name.title()).status_code == 303
        return browser

    yield make
    for client in clients:
        client.close()


def night_of(
    app: FastAPI, people: Callable[[FastAPI, str], Browser], title: str = "City Lights"
) -> tuple[Browser, Browser, Browser, int]:
    """Ann's night of ``title`` with Bob; Cat is in no night."""
    ann, bob, cat = people(app, "ann"), people(app, "bob"), people(app, "cat")
    befriend(ann, bob)
    return ann, bob, cat, plan(ann, pick(ann, title, bob))


def section(page: str) -> str:
    found = re.search(r'<section aria-labelledby="request-heading">.*?</section>', page, re.S)
    return found.group(0) if found else ""


def test_a_member_asks_radarr_from_the_night_page_once_and_checks_again(
    make_app: Callable[..., FastAPI],
    people: Callable[[FastAPI, str], Browser],
    service: FakeServer,
) -> None:
    radarr_routes(service)
    app = radarr_app(make_app, service.url)
    ann, bob, cat, night_id = night_of(app, people)
    page = ann.get(f"/nights/{night_id}").text
    shown = section(page)
    assert "Ask Radarr for it" in shown
    assert f'action="/nights/{night_id}/request"' in shown
    parsed = _Page()
    parsed.feed(page)
    assert (parsed.inline_scripts, parsed.style_attrs, parsed.style_blocks) == (0, 0, 0)

    # Cat, in no night, gets the night's own 404 and sends nothing.
    stranger = cat.submit("/nights", f"/nights/{night_id}/request", {})
    assert stranger.status_code == 404
    assert service.seen == []

    sent = ann.submit(f"/nights/{night_id}", f"/nights/{night_id}/request", {})
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/nights/{night_id}#request-heading"
    assert [(s.method, s.path) for s in service.seen] == [
        ("GET", "/api/v3/movie"),
        ("GET", "/api/v3/movie/lookup/tmdb"),
        ("POST", "/api/v3/movie"),
    ]
    added = json.loads(service.seen[-1].body)
    assert (added["tmdbId"], added["qualityProfileId"], added["rootFolderPath"]) == (
        CITY_LIGHTS,
        4,
        "/films",
    )
    shown = section(bob.get(f"/nights/{night_id}").text)
    assert "Asked of Radarr by Ann" in shown and ">downloading<" in shown
    assert "Ask Radarr for it" not in shown and "Check again" in shown
    assert KEY not in shown

    # Bob asks again over the API: the request made before, nothing sent.
    again = bob.api_post(f"/api/nights/{night_id}/request")
    assert again.status_code == 200, again.text
    assert again.json()["request"]["requested_by"] == "Ann"
    assert len(service.seen) == 3

    radarr_routes(service, has_file=True)
    checked = bob.submit(f"/nights/{night_id}", f"/nights/{night_id}/request/check", {})
    assert checked.status_code == 303
    assert service.seen[-1].path == "/api/v3/movie/17"
    assert ">available<" in section(bob.get(f"/nights/{night_id}").text)

    service.routes["/api/v3/movie/17"] = lambda _seen: Reply(503, b"starting up")
    down = ann.submit(f"/nights/{night_id}", f"/nights/{night_id}/request/check", {})
    assert down.status_code == 303
    shown = section(ann.get(f"/nights/{night_id}").text)
    assert ">available<" in shown  # the last known state stays
    assert "The last check failed: Radarr at http://127.0.0.1:" in shown
    assert (
        "answered 503 (the film&#39;s state). The state above is the last one Radarr gave." in shown
    )


def test_the_api_answers_with_reasons(
    make_app: Callable[..., FastAPI],
    people: Callable[[FastAPI, str], Browser],
    service: FakeServer,
) -> None:
    app = radarr_app(make_app, service.url)
    ann, bob, cat, night_id = night_of(app, people)
    found = ann.get(f"/api/nights/{night_id}/request").json()
    assert found == {
        "night_id": night_id,
        "film_id": found["film_id"],
        "service": "radarr",
        "available": [],
        "has_tmdb_id": True,
        "can_request": True,
        "request": None,
    }
    assert cat.get(f"/api/nights/{night_id}/request").status_code == 404
    assert cat.api_post(f"/api/nights/{night_id}/request").status_code == 404
    assert cat.api_post(f"/api/nights/{night_id}/request/check").status_code == 404

    # Radarr is down: a 502 that says so, and nothing recorded.
    service.routes["/api/v3/movie"] = lambda _seen: Reply(500, b"oops")
    down = ann.api_post(f"/api/nights/{night_id}/request")
    assert down.status_code == 502
    assert down.json()["error"].endswith("answered 500 (the film)")
    assert down.json()["detail"] == (
        "Nothing was asked for. The server may be starting up or failing: try again later."
    )
    assert KEY not in down.text
    assert ann.get(f"/api/nights/{night_id}/request").json()["request"] is None
    nothing = ann.api_post(f"/api/nights/{night_id}/request/check")
    assert nothing.status_code == 404
    assert "has not been asked of Radarr yet" in nothing.json()["error"]

    radarr_routes(service)
    made = bob.api_post(f"/api/nights/{night_id}/request")
    assert made.status_code == 200, made.text
    request = made.json()["request"]
    assert (request["service"], request["state"], request["summary"]) == (
        "radarr",
        "wanted",
        "downloading",
    )
    assert (request["requested_by"], request["problem"]) == ("Bob", None)
    assert made.json()["can_request"] is False

    heat = plan(ann, pick(ann, "Heat", bob))
    refused = ann.api_post(f"/api/nights/{heat}/request")
    assert refused.status_code == 409
    assert refused.json()["error"].startswith("Heat has no TMDB id in the catalog")
    assert "Ask Radarr for it" not in section(ann.get(f"/nights/{heat}").text)
    assert "the catalog has no TMDB id" in section(ann.get(f"/nights/{heat}").text)


def test_a_film_the_group_can_watch_is_shown_where_and_not_asked_for(
    make_app: Callable[..., FastAPI],
    people: Callable[[FastAPI, str], Browser],
    service: FakeServer,
) -> None:
    app = radarr_app(make_app, service.url)
    ann, _bob, _cat, night_id = night_of(app, people)
    film_id = ann.get(f"/api/nights/{night_id}").json()["film"]["id"]
    with unit_of_work(app.state.engine) as session:
        bob_id = session.query(Person.id).filter(Person.display_name == "Bob").scalar()
        MediaMarkRepository(session).set_mark(bob_id, film_id, "disc", "", datetime.now(UTC))
    shown = section(ann.get(f"/nights/{night_id}").text)
    assert "Your group can watch it: on disc (Bob)." in shown
    assert "Ask Radarr for it" not in shown
    refused = ann.submit(f"/nights/{night_id}", f"/nights/{night_id}/request", {})
    assert refused.status_code == 409
    assert "Your group can watch City Lights already (on disc (Bob))" in refused.text
    api = ann.api_post(f"/api/nights/{night_id}/request")
    assert api.status_code == 409 and api.json()["detail"] == "The night's page says where."
    assert ann.get(f"/api/nights/{night_id}/request").json()["available"] == [
        {"label": "on disc (Bob)"}
    ]
    assert service.seen == []


def test_without_a_request_service_nothing_is_offered_and_the_api_names_the_settings(
    make_app: Callable[..., FastAPI], people: Callable[[FastAPI, str], Browser]
) -> None:
    app = _app(make_app)
    ann, _bob, _cat, night_id = night_of(app, people)
    assert section(ann.get(f"/nights/{night_id}").text) == ""
    refused = ann.api_post(f"/api/nights/{night_id}/request")
    assert refused.status_code == 409
    assert refused.json()["error"] == "no request service is set up on this reelmates"
    assert "REELMATES_REQUEST_SERVICE" in refused.json()["detail"]
    assert ann.get(f"/api/nights/{night_id}/request").json()["service"] is None


def test_a_member_requests_it_on_jellyseerr(
    make_app: Callable[..., FastAPI],
    people: Callable[[FastAPI, str], Browser],
    service: FakeServer,
) -> None:
    made = {"id": 5, "status": 1, "media": {"tmdbId": CITY_LIGHTS, "status": 2}}
    service.routes["/api/v1/request"] = lambda _seen: Reply.json(made, 201)
    service.routes["/api/v1/request/5"] = lambda _seen: Reply.json(
        {**made, "status": 2, "media": {"tmdbId": CITY_LIGHTS, "status": 3}}
    )
    app = _app(
        make_app,
        request_service="jellyseerr",
        request_url=service.url,
        request_api_key=KEY,
    )
    ann, bob, _cat, night_id = night_of(app, people)
    assert "Request it on Jellyseerr" in section(bob.get(f"/nights/{night_id}").text)
    sent = bob.submit(f"/nights/{night_id}", f"/nights/{night_id}/request", {})
    assert sent.status_code == 303
    assert json.loads(service.seen[-1].body) == {"mediaType": "movie", "mediaId": CITY_LIGHTS}
    assert service.seen[-1].headers["x-api-key"] == KEY
    shown = section(ann.get(f"/nights/{night_id}").text)
    assert "Asked of Jellyseerr by Bob" in shown and ">requested<" in shown
    assert "waiting for an admin&#39;s approval" in shown
    checked = ann.api_post(f"/api/nights/{night_id}/request/check").json()["request"]
    assert (checked["state"], checked["summary"]) == ("wanted", "downloading")


def test_a_service_that_does_not_answer_in_time_is_a_clear_502(
    make_app: Callable[..., FastAPI],
    people: Callable[[FastAPI, str], Browser],
    service: FakeServer,
) -> None:
    service.routes["/api/v3/movie"] = lambda _seen: Reply(200, b"[]", delay=2.0)
    app = _app(
        make_app,
        request_service="radarr",
        request_url=service.url,
        request_api_key=KEY,
        radarr_quality_profile_id=4,
        radarr_root_folder="/films",
        request_timeout_seconds=0.3,
    )
    ann, _bob, _cat, night_id = night_of(app, people)
    page = ann.submit(f"/nights/{night_id}", f"/nights/{night_id}/request", {})
    assert page.status_code == 502
    assert "did not answer within 0.3 s (the film)" in page.text
    assert "Ask Radarr for it" in section(page.text)  # nothing recorded: it can be asked again


def test_no_write_lock_is_held_while_radarr_answers(
    make_app: Callable[..., FastAPI],
    people: Callable[[FastAPI, str], Browser],
    service: FakeServer,
) -> None:
    """While Radarr answers (in the fake's own thread), another write to the app's SQLite
    database goes through at once (``no_wait``: refused at once were the lock held): the
    request's own unit of work only reads, for the page's form and for the API."""
    radarr_routes(service)
    app = radarr_app(make_app, service.url)
    ann, _bob, _cat, night_id = night_of(app, people)
    outcomes: list[str] = []
    answer = service.routes["/api/v3/movie"]

    def writing_meanwhile(seen: Seen) -> Reply:
        try:
            with unit_of_work(app.state.engine, no_wait=True) as session:
                session.execute(text("UPDATE films SET year = year WHERE title = 'Heat'"))
            outcomes.append("saved")
        except BusyError:
            outcomes.append("busy")
        return answer(seen)

    service.routes["/api/v3/movie"] = writing_meanwhile
    assert app.state.engine.dialect.name == "sqlite"
    sent = ann.submit(f"/nights/{night_id}", f"/nights/{night_id}/request", {})
    assert sent.status_code == 303
    service.routes["/api/v3/movie/17"] = writing_meanwhile
    checked = ann.api_post(f"/api/nights/{night_id}/request/check")
    assert checked.status_code == 200, checked.text
    assert outcomes and set(outcomes) == {"saved"}, outcomes


def test_a_guest_of_the_night_sees_where_but_asks_nothing(
    make_app: Callable[..., FastAPI],
    people: Callable[[FastAPI, str], Browser],
    service: FakeServer,
) -> None:
    """Radarr adds and searches at once, with no one to approve: a guest (a passing visitor)
    is told a member can ask, is offered no form, and a form sent anyway is a 403."""
    radarr_routes(service)
    app = radarr_app(make_app, service.url)
    ann = people(app, "ann")
    guest = Browser(TestClient(app))
    token = ann.api_post("/api/friends/invites").json()["url"].rsplit("/", 1)[1]
    joined = guest.api_post("/api/friends/join-as-guest", {"token": token, "display_name": "Sam"})
    assert joined.status_code == 201, joined.text
    night_id = plan(ann, pick(ann, "City Lights", guest))
    shown = section(guest.get(f"/nights/{night_id}").text)
    assert "a member of the night (not a guest) can ask Radarr" in shown
    assert "Ask Radarr for it" not in shown and "<form" not in shown
    refused = guest.api_post(f"/api/nights/{night_id}/request")
    assert refused.status_code == 403 and "a guest cannot ask" in refused.text
    page = guest.submit(f"/nights/{night_id}", f"/nights/{night_id}/request", {})
    assert page.status_code == 403
    assert service.seen == []  # nothing was sent
    guest.client.close()
