"""The seeded world the API fuzz runs in: the demo (starter catalog, a trained model) and a
handful of members made through the API itself: the fuzzing caller (the operator), friends,
invites, ratings, group picks, nights (one already over), swipe rooms (one with a match), a
and a calendar feed. ``World.pools`` names, for each operation, the real ids and
values its parameters are steered to (by name: path, query and body fields alike)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from web_browsers import PASSWORD, Browser, web_settings

from media_loopback import KEY as MEDIA_KEY
from media_loopback import loopback_jellyfin
from reelmates.media.requests import FilmRequest
from reelmates.services.demo import run_demo
from reelmates.services.media.film_requests import RequestService
from reelmates.store.migrate import open_database
from reelmates.web.app import create_app
from reelmates.web.night_clock import night_clock
from reelmates.web.request_deps import get_request_service

_n = itertools.count()
Pools = dict[str, list[Any]]


@dataclass
class World:
    app: FastAPI
    me: str  # the fuzzing caller's handle (the operator)
    token: str  # its personal API token
    seconds: float = 0.0  # CPU time the world took to build
    pools: dict[str, Pools] = field(default_factory=dict)  # operation label -> name -> values
    common: Pools = field(default_factory=dict)  # for every operation
    stops: list[Callable[[], None]] = field(default_factory=list)  # at the end (the media fake)

    def pool(self, label: str) -> Pools:
        return self.common | self.pools.get(label, {})


def trained_app(
    tmp_path: Path, database_url: str | None = None, media_url: str | None = None
) -> FastAPI:
    overrides: dict[str, Any] = {"database_url": database_url} if database_url else {}
    if media_url is not None:  # a media server to connect (tests/media_loopback.py)
        overrides |= {
            "media_secret_key": Fernet.generate_key().decode(),
            "media_allowed_urls": [media_url],
        }
    settings = web_settings(tmp_path, signup_policy="open", **overrides)
    engine = open_database(settings)
    run_demo(engine, settings)
    engine.dispose()
    return create_app(settings)


class _Radarr:
    """The request service the fuzz world's app asks (in memory: no server runs here)."""

    kind = "radarr"

    def request(self, tmdb_id: int) -> FilmRequest:
        return FilmRequest("radarr", "17", tmdb_id, "wanted")

    def status(self, external_id: str) -> FilmRequest:
        return FilmRequest("radarr", external_id, 0, "available")

    def close(self) -> None:
        pass


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.request.url, response.text)
    return response.json() if response.content else None


class Member(Browser):
    """A member logged in by session cookie (the CSRF header on every unsafe call)."""

    def __init__(self, app: FastAPI, handle: str) -> None:
        super().__init__(TestClient(app))
        self.handle = handle
        _ok(self.sign_up(handle, display_name=handle.title()), 303)

    def call(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        headers = {"X-CSRF-Token": self.api_csrf()}
        return _ok(self.client.request(method, path, headers=headers, **kwargs), status)

    def friend_invite(self) -> dict[str, Any]:
        made: dict[str, Any] = self.call("POST", "/api/friends/invites", 201)
        made["token"] = made["url"].rsplit("/", 1)[1]
        return made


def befriend(a: Member, b: Member) -> None:
    b.call("POST", "/api/friends/accept", json={"token": a.friend_invite()["token"]})


def _times(start: datetime) -> list[str]:
    return [(start + timedelta(days=d)).strftime("%Y-%m-%dT20:00") for d in (0, 1)]


def _night(me: Member, pick_id: int, start: datetime, *, fix: bool) -> dict[str, Any]:
    body = {"pick_id": pick_id, "times": _times(start), "time_zone": "Europe/London"}
    night: dict[str, Any] = me.call("POST", "/api/nights", 201, json=body)
    if fix:
        time_id = night["times"][0]["id"]
        night = me.call("POST", f"/api/nights/{night['id']}/time", json={"time_id": time_id})
    return night


def _room(me: Member, *others: Member) -> dict[str, Any]:
    room: dict[str, Any] = me.call(
        "POST", "/api/swipe", 201, params={"with": [o.handle for o in others]}
    )
    room["token"] = room["join_url"].rsplit("/", 1)[1]
    return room


def _media(me: Member, bob: Member, mapped: tuple[Member, ...], url: str) -> dict[str, Pools]:
    """The club's media server (shared; synced once; the caller and others mapped on it), Bob's
    own, and three to delete; the pools of the media operations."""
    servers = "/api/media/servers"
    connect = {"kind": "jellyfin", "base_url": url, "api_key": MEDIA_KEY, "sync_minutes": None}
    club = me.call("POST", servers, 201, json=connect)
    bobs = bob.call("POST", servers, 201, json=connect)
    doomed = [me.call("POST", servers, 201, json=connect)["id"] for _ in range(3)]
    sid = club["id"]
    for member in (me, bob, *mapped):
        me.call("PUT", f"{servers}/{sid}/mappings/{member.handle}", json={"user": "jess"})
    me.call("POST", f"{servers}/{sid}/sync")
    both = {"server_id": [sid, bobs["id"]]}
    return {
        f"POST {servers}": {"base_url": [url], "api_key": [MEDIA_KEY], "kind": ["jellyfin"]},
        f"GET {servers}/{{server_id}}": both,
        f"DELETE {servers}/{{server_id}}": {"server_id": doomed},
        f"PUT {servers}/{{server_id}}/schedule": both,
        f"PUT {servers}/{{server_id}}/libraries/{{library_id}}": {
            "server_id": [sid],
            "library_id": [club["libraries"][0]["id"]],
        },
        f"GET {servers}/{{server_id}}/users": {"server_id": [sid]},
        f"PUT {servers}/{{server_id}}/credentials": {"server_id": [sid], "api_key": [MEDIA_KEY]},
        f"PUT {servers}/{{server_id}}/mappings/{{handle}}": {
            "server_id": [sid],
            "handle": [me.handle, bob.handle],
            "user": ["jess", "milly"],
        },
        f"DELETE {servers}/{{server_id}}/mappings/{{handle}}": {
            "server_id": [sid],
            "handle": [m.handle for m in mapped],
        },
        f"POST {servers}/{{server_id}}/sync": {"server_id": [sid]},
    }


def build_world(tmp_path: Path, database_url: str | None = None) -> World:
    started = time.process_time()
    media = ExitStack()
    jellyfin = media.enter_context(loopback_jellyfin())
    app = trained_app(tmp_path, database_url, jellyfin.url)
    tag = next(_n)
    me = Member(app, f"fuzzme{tag}")
    assert me.get("/api/me").json()["role"] == "operator"
    bob, cat, dan = (Member(app, f"fuzz{who}{tag}") for who in ("bob", "cat", "dan"))
    gone = [Member(app, f"fuzzgone{tag}x{i}") for i in range(3)]  # friends to remove
    for friend in (bob, cat, dan, *gone):
        befriend(me, friend)
    strangers = [Member(app, f"fuzzstr{tag}x{i}") for i in range(4)]
    token = me.call("POST", "/api/tokens", 201, json={"name": "fuzz"})["token"]

    films = [f["id"] for f in me.get("/api/films", params={"q": "the"}).json()][:30]
    assert len(films) >= 10, films
    for stars, film in zip((4.5, 3.0, 5.0, 2.0), films, strict=False):
        me.call("POST", f"/api/films/{film}/rating", json={"stars": stars})
        bob.call("POST", f"/api/films/{film}/rating", json={"stars": stars})
    me.call("POST", f"/api/films/{films[5]}/seen")
    me.call("POST", f"/api/films/{films[6]}/watchlist")
    me.call("POST", "/api/me/vetoes/films", json={"film_id": films[7]})
    me.call("POST", "/api/me/vetoes/genres", json={"genre": "Horror"})
    picks = [
        me.call("POST", "/api/together/picks", 201, json={"film_id": f, "with": [bob.handle]})
        for f in films[:6]
    ]

    # Two nights already over (the clock moved back while they were planned and fixed), one to
    # plan, one to cancel.
    now = datetime.now(UTC)
    app.dependency_overrides[night_clock] = lambda: now - timedelta(days=20)
    over = [_night(me, picks[i]["id"], now - timedelta(days=10), fix=True) for i in (0, 1)]
    app.dependency_overrides.pop(night_clock)
    planning = _night(me, picks[2]["id"], now + timedelta(days=30), fix=False)
    doomed = _night(me, picks[3]["id"], now + timedelta(days=30), fix=False)
    # A night only the poll is answered on: fixing its time (another operation, which may come
    # first) would close its poll.
    polled = _night(me, picks[5]["id"], now + timedelta(days=30), fix=False)
    fixed = _night(me, picks[4]["id"], now + timedelta(days=30), fix=True)
    bob_pick = bob.call("POST", "/api/together/picks", 201,
                        json={"film_id": films[8], "with": [me.handle]})  # fmt: skip
    bobs_night = _night(bob, bob_pick["id"], now + timedelta(days=30), fix=False)
    # Films asked of a request service: the planning night's may be, the fixed night's was.
    app.dependency_overrides[get_request_service] = lambda: RequestService("radarr", _Radarr)
    with app.state.engine.begin() as conn:
        for tmdb_id, night in ((900_001, planning), (900_002, fixed)):
            conn.execute(
                text("UPDATE films SET tmdb_id = :t WHERE id = :f"),
                {"t": tmdb_id, "f": night["film"]["id"]},
            )
    me.call("POST", f"/api/nights/{fixed['id']}/request")

    # A room with a match to accept; a room of Bob's to join; rooms to join as a guest.
    matched = _room(me, bob)
    card = matched["card"]["id"]
    me.call("POST", f"/api/swipe/{matched['id']}/swipes", json={"film_id": card, "liked": True})
    bob.call("POST", f"/api/swipe/{matched['id']}/swipes", json={"film_id": card, "liked": True})
    fresh_room = _room(me, bob)
    bobs_room = _room(bob, me)

    invites_in = [s.friend_invite()["token"] for s in strangers]  # others' invites to me
    my_invites = [me.friend_invite() for _ in range(3)]  # to cancel
    for_guests = [me.friend_invite()["token"] for _ in range(3)]
    coded = strangers[0].friend_invite()
    me.call("POST", "/api/calendar/feed", 201)
    onboarding = me.get("/api/onboarding/next").json()

    media_pools = _media(me, bob, (cat, dan), jellyfin.url)
    # The accepted room's match, asked of the request service (no one can watch it: the call
    # checks so); asking again answers with that request.
    with app.state.engine.begin() as conn:
        conn.execute(
            text("UPDATE films SET tmdb_id = COALESCE(tmdb_id, :t) WHERE id = :f"),
            {"t": 900_003, "f": card},
        )
    me.call("POST", f"/api/swipe/{matched['id']}/matches/{card}/request")

    world = World(app=app, me=me.handle, token=token, stops=[media.close])
    world.seconds = time.process_time() - started
    world.common = {
        "film_id": films,
        "handle": [bob.handle, cat.handle],
        "with": [[bob.handle], [bob.handle, cat.handle]],
        "night_id": [planning["id"]],
        "room_id": [fresh_room["id"]],
        "genre": ["Horror", "Comedy", "Drama"],
        "file": ["ratings.csv", "watched.csv", "watchlist.csv"],
        "time_zone": ["Europe/London", "America/New_York"],
        "stars": [0.5, 3.5, 5.0],
    }
    planning_times = [t["id"] for t in planning["times"]]
    world.pools = {
        "POST /api/me/vetoes/films": {"film_id": films[10:]},
        "DELETE /api/me/vetoes/films/{film_id}": {"film_id": [films[7]]},
        "DELETE /api/me/vetoes/genres/{genre}": {"genre": ["Horror"]},
        "DELETE /api/friends/{handle}": {"handle": [g.handle for g in gone]},
        "DELETE /api/friends/invites/{invite_id}": {"invite_id": [i["id"] for i in my_invites]},
        "POST /api/friends/accept": {"token": invites_in[1:3]},
        "POST /api/friends/decline": {"token": invites_in[3:]},
        # A wrong code counts a try (a few burn it): the handle is always the code's.
        "POST /api/friends/accept-code": {"handle": [strangers[0].handle], "code": [coded["code"]]},
        "POST /api/together/picks": {"film_id": films[:10]},
        "POST /api/nights": {
            "pick_id": [p["id"] for p in picks],
            "times": [_times(now + timedelta(days=40))],
        },
        "GET /api/nights/{night_id}": {"night_id": [planning["id"], bobs_night["id"]]},
        # One night and its own times: a time of another night is a 422, so a pool mixing two
        # nights' times made a 2xx hang on a lucky draw per answer.
        "PUT /api/nights/{night_id}/poll": {
            "night_id": [polled["id"]],
            "time_id": [t["id"] for t in polled["times"]],
        },
        "POST /api/nights/{night_id}/time": {"time_id": planning_times},
        "POST /api/nights/{night_id}/cancel": {"night_id": [doomed["id"]]},
        "PUT /api/nights/{night_id}/rsvp": {"night_id": [fixed["id"]]},
        "POST /api/nights/{night_id}/rating": {"night_id": [over[0]["id"]]},
        "POST /api/nights/{night_id}/rating/skip": {"night_id": [over[1]["id"]]},
        "POST /api/nights/{night_id}/request/check": {"night_id": [fixed["id"]]},
        "POST /api/swipe/join": {"token": [bobs_room["token"]]},
        "POST /api/swipe/join-as-guest": {"token": [fresh_room["token"]]},
        "POST /api/friends/join-as-guest": {"token": for_guests},
        "POST /api/swipe/{room_id}/swipes": {"film_id": [fresh_room["card"]["id"]]},
        "POST /api/swipe/{room_id}/accept": {"room_id": [matched["id"]], "film_id": [card]},
        "POST /api/swipe/{room_id}/matches/{film_id}/request": {
            "room_id": [matched["id"]],
            "film_id": [card],
        },
        "POST /api/onboarding/answers": {"film_id": [onboarding["film"]["id"]]}
        if onboarding.get("film")
        else {},
        "POST /api/admin/accounts/{handle}/disable": {"handle": [strangers[1].handle]},
        "POST /api/admin/accounts/{handle}/enable": {"handle": [strangers[1].handle]},
        "POST /api/admin/accounts/{handle}/reset-password": {"handle": [strangers[2].handle]},
        "POST /api/login": {"handle": [me.handle], "password": [PASSWORD]},
        "POST /api/signup": {
            "handle": [f"newcomer{tag}x{i}" for i in range(40)],
            "password": [PASSWORD],
            "invite": [None],
        },
    }
    world.pools |= media_pools
    for member in (me, bob, cat, dan, *gone, *strangers):
        member.client.close()
    return world
