"""Asking the operator's Radarr for a live swipe session's match that no one in the room can
watch: the swipe page's form (CSRF) and ``POST /api/swipe/{room}/matches/{film}/request``,
against the loopback fake Radarr of the night tests. Asked once per film: the other member sees
the state, asking again sends nothing, and a night planned later for the film shows the same
request. A film that is not a match is a 404, a stranger gets the room's 404, a guest a 403.

The starter catalog has no TMDB ids: City Lights is given TMDB 901 (as the night tests do).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from test_web_night_requests import people as people
from test_web_night_requests import radarr_app, radarr_routes, section
from test_web_night_requests import service as service
from test_web_nights import befriend, film_id, pick, plan
from test_web_security import _Page
from web_browsers import Browser

from reelmates.services.demo import run_demo
from reelmates.services.starter import seed_starter_catalog

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "media"))
from media_fake import FakeServer

SENT = [
    ("GET", "/api/v3/movie"),
    ("GET", "/api/v3/movie/lookup/tmdb"),
    ("POST", "/api/v3/movie"),
]


def matches(page: str) -> str:
    found = re.search(r'<section id="matches".*?</section>', page, re.S)
    return found.group(0) if found else ""


def room_with_a_match(ann: Browser, bob: Browser, guest: Browser, title: str) -> int:
    """Ann's swipe session with Bob and a guest (Sam), all three liking ``title``: a match."""
    started = ann.client.post(
        "/api/swipe",
        params={"with": bob.get("/api/me").json()["handle"], "seen": "show-all"},
        headers={"X-CSRF-Token": ann.api_csrf()},
    )
    assert started.status_code == 201, started.text
    room = int(started.json()["id"])
    token = started.json()["join_url"].rsplit("/", 1)[1]
    guest.get("/api/csrf")
    joined = guest.api_post("/api/swipe/join-as-guest", {"token": token, "display_name": "Sam"})
    assert joined.status_code == 201, joined.text
    film = film_id(ann, title)
    for who in (ann, bob, guest):
        done = who.api_post(f"/api/swipe/{room}/swipes", {"film_id": film, "liked": True})
        assert done.status_code == 200, done.text
    assert done.json()["matched"] is True
    return room


def test_a_member_asks_radarr_for_a_match_once_and_the_night_shows_it(
    make_app: Callable[..., FastAPI],
    people: Callable[[FastAPI, str], Browser],
    service: FakeServer,
) -> None:
    radarr_routes(service)
    app = radarr_app(make_app, service.url)
    run_demo(app.state.engine, app.state.settings)  # a taste model: swipe sessions deal by it
    ann, bob, cat = people(app, "ann"), people(app, "bob"), people(app, "cat")
    befriend(ann, bob)
    guest = Browser(type(ann.client)(app))
    try:
        room = room_with_a_match(ann, bob, guest, "City Lights")
        city = film_id(ann, "City Lights")
        heat = film_id(ann, "Heat")  # not a match of the room
        page = f"/swipe/{room}"
        action = f"/swipe/{room}/matches/{city}/request"

        shown = ann.get(page).text
        assert f'action="{action}"' in matches(shown) and "Ask Radarr for it" in matches(shown)
        parsed = _Page()
        parsed.feed(shown)
        assert (parsed.inline_scripts, parsed.style_attrs, parsed.style_blocks) == (0, 0, 0)
        assert "Ask Radarr for it" not in matches(guest.get(page).text)  # no form for a guest

        # Refused, sending nothing: a stranger (the room's 404), a guest (403), not a match (404).
        assert cat.api_post(f"/api/swipe/{room}/matches/{city}/request").status_code == 404
        assert cat.submit("/nights", action, {}).status_code == 404
        denied = guest.api_post(f"/api/swipe/{room}/matches/{city}/request")
        assert denied.status_code == 403 and "guest" in denied.json()["error"]
        assert guest.submit(page, action, {}).status_code == 403
        other = ann.api_post(f"/api/swipe/{room}/matches/{heat}/request")
        assert other.status_code == 404, other.text
        not_match = ann.submit(page, f"/swipe/{room}/matches/{heat}/request", {})
        assert not_match.status_code == 404
        assert "not one of this swipe session" in not_match.text
        assert service.seen == []

        # Ann asks from the match: exactly one request reaches Radarr.
        sent = ann.submit(page, action, {})
        assert sent.status_code == 303
        assert sent.headers["location"] == f"/swipe/{room}#matches-heading"
        assert [(s.method, s.path) for s in service.seen] == SENT

        # Bob sees the state, and asking again (API, then the form) sends nothing.
        listed = matches(bob.get(page).text)
        assert 'asked of Radarr: <strong class="badge">downloading</strong>' in listed
        assert "Ask Radarr for it" not in listed
        again = bob.api_post(f"/api/swipe/{room}/matches/{city}/request")
        assert again.status_code == 200, again.text
        body = again.json()
        assert (body["room_id"], body["film_id"], body["service"]) == (room, city, "radarr")
        assert body["request"]["state"] == "wanted"
        assert body["request"]["summary"] == "downloading"
        assert body["request"]["requested_by"] == "Ann"
        assert bob.submit(page, action, {}).status_code == 303
        assert len(service.seen) == 3

        # A night planned later for the film shows the same request (one per film).
        night = plan(ann, pick(ann, "City Lights", bob))
        at_night = section(bob.get(f"/nights/{night}").text)
        assert "Asked of Radarr by Ann" in at_night and ">downloading<" in at_night
        assert "Ask Radarr for it" not in at_night
        assert len(service.seen) == 3
    finally:
        guest.client.close()


def test_without_a_service_no_form_and_the_api_says_why(
    make_app: Callable[..., FastAPI],
    people: Callable[[FastAPI, str], Browser],
) -> None:
    app = make_app(signup_policy="open")
    seed_starter_catalog(app.state.engine)
    run_demo(app.state.engine, app.state.settings)
    ann, bob = people(app, "ann"), people(app, "bob")
    befriend(ann, bob)
    guest = Browser(type(ann.client)(app))
    try:
        room = room_with_a_match(ann, bob, guest, "City Lights")
        city = film_id(ann, "City Lights")
        assert "Ask Radarr" not in matches(ann.get(f"/swipe/{room}").text)
        refused = ann.api_post(f"/api/swipe/{room}/matches/{city}/request")
        assert refused.status_code == 409
        assert "no request service" in refused.json()["error"]
        page = ann.submit(f"/swipe/{room}", f"/swipe/{room}/matches/{city}/request", {})
        assert page.status_code == 409 and "REELMATES_REQUEST_SERVICE" in page.text
    finally:
        guest.client.close()
