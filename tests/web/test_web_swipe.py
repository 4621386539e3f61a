"""Swipe together in the web app, through TestClient: started from watch together, joined by the
room's link (a friend with their account, anyone else as a guest), swiped by plain forms (PRG)
and over the API, matches accepted as the group's pick; only members may see a room.

On the starter catalog with the demo's model (trained once for the module). With two members the
rule is "everyone likes it", so when both like every card they are dealt, the first card both
have liked is a match (each is dealt the other's liked cards first: a like makes a card likelier).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread
import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web_browsers import Browser

from processes import free_port
from reelmates.services.uow import unit_of_work
from reelmates.store.swipes import SwipeRepository
from reelmates.web.app import create_app
from reelmates.web.live import InProcessBroadcaster

_n = itertools.count()
_CARD = re.compile(r'name="film_id" value="(\d+)"')
_ROOM = re.compile(r"^/swipe/(\d+)$")
MAX_CARDS = 40


@pytest.fixture
def browsers(trained_app: FastAPI) -> Iterator[Callable[[], Browser]]:
    clients: list[TestClient] = []

    def make() -> Browser:
        client = TestClient(trained_app)
        clients.append(client)
        return Browser(client)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def people(browsers: Callable[[], Browser]) -> Callable[[str], Browser]:
    def make(name: str) -> Browser:
        browser = browsers()
        assert browser.sign_up(f"{name}{next(_n)}").status_code == 303
        return browser

    return make


def handle(browser: Browser) -> str:
    me: str = browser.get("/api/me").json()["handle"]
    return me


def befriend(a: Browser, b: Browser) -> None:
    url = a.api_post("/api/friends/invites").json()["url"]
    assert b.api_post("/api/friends/accept", {"token": url.rsplit("/", 1)[1]}).status_code == 200


def start_from_together(ann: Browser, *friends: Browser) -> int:
    """Ann ticks the friends on watch together and presses "Swipe together"."""
    query = "&".join(f"with={handle(f)}" for f in friends)
    page = ann.get(f"/together?{query}")
    assert page.status_code == 200
    assert f'action="/together/swipe?{query}"' in page.text
    started = ann.submit(f"/together?{query}", f"/together/swipe?{query}", {})
    assert started.status_code == 303, started.text
    found = _ROOM.match(started.headers["location"])
    assert found, started.headers["location"]
    return int(found.group(1))


def join_link(browser: Browser, room: int) -> str:
    return str(urlsplit(browser.get(f"/api/swipe/{room}").json()["join_url"]).path)


def card(browser: Browser, room: int) -> int | None:
    found = _CARD.search(browser.get(f"/swipe/{room}").text.split('id="matches"')[0])
    return int(found.group(1)) if found else None


def swipe(browser: Browser, room: int, film: int, choice: str) -> str:
    """By the page's form; returns where the browser is sent."""
    sent = browser.submit(
        f"/swipe/{room}", f"/swipe/{room}/swipes", {"film_id": str(film), "choice": choice}
    )
    assert sent.status_code == 303, sent.text
    return str(sent.headers["location"])


def like_until_a_match(a: Browser, b: Browser, room: int) -> int:
    """Both like each card they are dealt, in turns, until one is a match; its film id."""
    for _ in range(MAX_CARDS):
        for who in (a, b):
            film = card(who, room)
            assert film is not None
            where = swipe(who, room, film, "like")
            if "?matched=" in where:
                assert where == f"/swipe/{room}?matched={film}"
                return film
    raise AssertionError("no match")


@pytest.fixture
def pair(people: Callable[[str], Browser]) -> tuple[Browser, Browser]:
    ann, bob = people("ann"), people("bob")
    befriend(ann, bob)
    return ann, bob


def test_started_from_watch_together_the_rule_comes_before_the_first_card(
    pair: tuple[Browser, Browser],
) -> None:
    ann, bob = pair
    room = start_from_together(ann, bob)
    page = ann.get(f"/swipe/{room}").text
    rule = page.index("A film is a match when <strong>everyone likes it</strong>")
    first = page.index('id="swipe-card"')
    assert rule < first
    assert "One of the likeliest matches for your group" in page
    assert "0</span> swiped" in page and "(you)" in page
    assert 'src="/static/swipe.js"' in page and "<script>" not in page
    # Bob is in it from the start: the same room, his own card.
    assert bob.get(f"/swipe/{room}").status_code == 200 and card(bob, room) is not None


def test_strangers_get_404_and_the_logged_out_are_sent_to_log_in(
    pair: tuple[Browser, Browser], people: Callable[[str], Browser], browsers: Callable[[], Browser]
) -> None:
    ann, bob = pair
    room = start_from_together(ann, bob)
    film = card(ann, room)
    eve = people("eve")
    for path in (
        f"/swipe/{room}",
        f"/swipe/{room}/qr.svg",
        f"/api/swipe/{room}",
        f"/api/swipe/{room}/events",
    ):
        here, nowhere = eve.get(path), eve.get(path.replace(str(room), str(room + 1000)))
        assert here.status_code == nowhere.status_code == 404, path
    assert eve.api_post(f"/api/swipe/{room}/swipes", {"film_id": film, "liked": True}).json() == {
        "error": f"no swipe session {room}",
        "detail": "Join it by the link its members share.",
    }
    assert eve.submit("/", f"/swipe/{room}/accept", {"film_id": str(film)}).status_code == 404
    nobody = browsers()
    away = nobody.get(f"/swipe/{room}", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"] == f"/login?next=/swipe/{room}"
    assert nobody.get(f"/api/swipe/{room}/events").status_code == 401
    assert ann.get(f"/api/swipe/{room}").json()["members"][0]["swiped"] == 0  # nothing counted


def test_a_guest_joins_by_the_link_with_a_display_name(
    pair: tuple[Browser, Browser], browsers: Callable[[], Browser]
) -> None:
    ann, bob = pair
    room = start_from_together(ann, bob)
    link = join_link(ann, room)
    sam = browsers()
    landing = sam.get(link)
    assert landing.status_code == 200 and "Join as a guest" in landing.text
    assert "started it; 2 people are in it" in landing.text
    joined = sam.submit(link, link + "/guest", {"display_name": "Sam <b>"})
    assert joined.status_code == 303 and joined.headers["location"] == f"/swipe/{room}"
    page = sam.follow(joined).text
    assert "Sam &lt;b&gt; (you)" in page and "<b>" not in page.split("<main")[1]
    assert sam.get("/api/me").json()["role"] == "guest"
    names = [m["display_name"] for m in bob.get(f"/api/swipe/{room}").json()["members"]]
    assert names[2] == "Sam <b>" and len(names) == 3
    assert sam.get(link, follow_redirects=False).headers["location"] == f"/swipe/{room}"
    refused = browsers().submit(link, link + "/guest", {"display_name": "  "})
    assert refused.status_code == 400 and "A guest needs a display name." in refused.text
    gone = browsers().get(link + "x")
    assert gone.status_code == 404 and "link does not work" in gone.text


def test_anyone_with_an_account_joins_as_themselves(
    pair: tuple[Browser, Browser], people: Callable[[str], Browser]
) -> None:
    ann, bob = pair
    room = start_from_together(ann, bob)
    cat = people("cat")  # not Ann's friend: the link is what lets her in
    link = join_link(ann, room)
    assert f"Join as {handle(cat)}" in cat.get(link).text
    joined = cat.submit(link, link, {})
    assert joined.status_code == 303 and joined.headers["location"] == f"/swipe/{room}"
    assert cat.get(f"/swipe/{room}").status_code == 200
    assert cat.submit(link, link, {}).headers["location"] == f"/swipe/{room}"  # once is enough
    rule = ann.get(f"/api/swipe/{room}").json()["rule"]
    assert rule == "everyone likes it" and len(ann.get(f"/api/swipe/{room}").json()["members"]) == 3


def test_every_form_needs_its_csrf_token(
    pair: tuple[Browser, Browser], browsers: Callable[[], Browser]
) -> None:
    ann, bob = pair
    room = start_from_together(ann, bob)
    film = card(ann, room)
    link = join_link(ann, room)
    for path, data in (
        (f"/swipe/{room}/swipes", {"film_id": str(film), "choice": "like"}),
        (f"/swipe/{room}/accept", {"film_id": str(film)}),
        (f"/together/swipe?with={handle(bob)}", {}),
        (link, {}),
    ):
        refused = ann.client.post(path, data=data, follow_redirects=False)
        assert refused.status_code == 403 and "CSRF" in refused.text, path
    stranger = browsers()
    stranger.get(link)
    refused = stranger.client.post(link + "/guest", data={"display_name": "Sam"})
    assert refused.status_code == 403
    state = ann.get(f"/api/swipe/{room}").json()
    assert state["last_swipe_id"] == 0 and len(state["members"]) == 2


def test_swiping_by_forms_until_a_match_then_accepting_it(pair: tuple[Browser, Browser]) -> None:
    ann, bob = pair
    room = start_from_together(ann, bob)
    passed = card(ann, room)
    assert passed is not None
    assert swipe(ann, room, passed, "pass") == f"/swipe/{room}"
    assert swipe(ann, room, passed, "pass") == f"/swipe/{room}"  # sent twice: counted once
    assert card(ann, room) != passed
    # Bob sees how far Ann has got, never what she swiped.
    state = bob.get(f"/api/swipe/{room}").json()
    assert [m["swiped"] for m in state["members"]] == [1, 0] and state["matches"] == []
    assert "liked by" not in bob.get(f"/swipe/{room}").text
    match = like_until_a_match(ann, bob, room)
    page = ann.get(f"/swipe/{room}?matched={match}").text
    assert "It's a match" in page and "liked by" in page
    state = bob.get(f"/api/swipe/{room}").json()
    assert [m["film_id"] for m in state["matches"]] == [match]
    assert state["matches"][0]["swipe_id"] == state["last_swipe_id"]
    accepted = bob.submit(f"/swipe/{room}", f"/swipe/{room}/accept", {"film_id": str(match)})
    assert accepted.status_code == 303 and accepted.headers["location"] == f"/swipe/{room}"
    page = ann.get(f"/swipe/{room}").text
    assert "You'll watch" in page and "accepted the match" in page
    assert "We'll watch this" not in page.split('id="matches"')[1].split("</section>")[0]
    picks = ann.get("/api/together/picks").json()
    assert picks[0]["film"]["id"] == match and picks[0]["strategy"] == "swipe"
    plan = f'href="/together/picks/{picks[0]["id"]}/night">Plan the night</a>'
    assert plan in page  # the accepted match leads on to planning the night
    assert "Plan the night" in ann.get(f"/together/picks/{picks[0]['id']}/night").text
    assert [m["handle"] for m in picks[0]["members"]] == [handle(bob), handle(ann)]
    again = ann.api_post(f"/api/swipe/{room}/accept", {"film_id": match})
    assert again.status_code == 409 and "chosen already" in again.json()["error"]


def test_the_qr_code_is_an_svg_from_our_origin(pair: tuple[Browser, Browser]) -> None:
    ann, bob = pair
    room = start_from_together(ann, bob)
    qr = ann.get(f"/swipe/{room}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml"
    assert qr.text.startswith("<svg") and "<script" not in qr.text
    assert "default-src 'self'" in qr.headers["content-security-policy"]
    assert f'src="/swipe/{room}/qr.svg"' in ann.get(f"/swipe/{room}").text


def test_the_api_starts_joins_swipes_and_accepts(
    pair: tuple[Browser, Browser], browsers: Callable[[], Browser]
) -> None:
    ann, bob = pair
    started = ann.client.post(
        "/api/swipe",
        params={"with": handle(bob), "seen": "show-all"},
        headers={"X-CSRF-Token": ann.api_csrf()},
    )
    assert started.status_code == 201, started.text
    room = started.json()
    assert room["rule"] == "everyone likes it" and room["card"]["reason"] == "likeliest"
    assert room["card"]["poster_url"].endswith(f"/films/{room['card']['id']}/poster")
    token = room["join_url"].rsplit("/", 1)[1]
    guest = browsers()
    guest.get("/api/csrf")
    joined = guest.api_post("/api/swipe/join-as-guest", {"token": token, "display_name": "Sam"})
    assert joined.status_code == 201 and joined.json()["room_id"] == room["id"]
    assert joined.json()["role"] == "guest"
    assert guest.get(f"/api/swipe/{room['id']}").status_code == 200
    again = bob.api_post("/api/swipe/join", {"token": token})  # a member already
    assert again.status_code == 200 and len(again.json()["members"]) == 3
    film = room["card"]["id"]
    done = ann.api_post(f"/api/swipe/{room['id']}/swipes", {"film_id": film, "liked": True})
    assert done.status_code == 200 and not done.json()["matched"]
    assert done.json()["room"]["card"]["id"] != film
    twice = ann.api_post(f"/api/swipe/{room['id']}/swipes", {"film_id": film, "liked": True})
    assert twice.status_code == 409
    for who in (bob, guest):
        answer = who.api_post(f"/api/swipe/{room['id']}/swipes", {"film_id": film, "liked": True})
        assert answer.status_code == 200
    assert answer.json()["matched"]  # the third like: everyone
    after = answer.json()["room"]
    assert after["matches"][0]["liked_by"] == [m["display_name"] for m in after["members"]]
    pick = guest.api_post(f"/api/swipe/{room['id']}/accept", {"film_id": film})
    assert pick.status_code == 201 and pick.json()["chooser"]["display_name"] == "Sam"
    schema = ann.get("/api/openapi.json").json()
    for path in ("/api/swipe", "/api/swipe/{room_id}/swipes", "/api/swipe/{room_id}/events"):
        assert path in schema["paths"]
    assert "text/event-stream" in str(schema["paths"]["/api/swipe/{room_id}/events"])


# --- the event stream, from a real server ------------------------------------------------------


@contextlib.contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` on uvicorn in a thread, on a free port (its lifespan is the module's)."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
        timeout_graceful_shutdown=1,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def events(lines: Iterator[str]) -> Iterator[tuple[int, dict[str, object]]]:
    """The ``room`` events of a server-sent event stream: (id, data)."""
    fields: dict[str, str] = {}
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            if name:  # a line starting with ":" is a comment (the heartbeat)
                fields[name] = value.removeprefix(" ")
            continue
        if fields.get("event") == "room":
            yield int(fields["id"]), json.loads(fields["data"])
        fields = {}


def _a_match_is_pushed_and_a_reconnection_catches_up_once(ann_base: str, bob_base: str) -> None:
    """Ann listens on the server at ``ann_base``; Bob swipes on the one at ``bob_base``."""
    clients = [httpx.Client(base_url=base, timeout=10) for base in (ann_base, bob_base)]
    ann, bob = (Browser(c) for c in clients)  # type: ignore[arg-type]
    try:
        for who, name in ((ann, "ann"), (bob, "bob")):
            assert who.sign_up(f"{name}{next(_n)}").status_code == 303
        befriend(ann, bob)
        started = ann.client.post(
            "/api/swipe", params={"with": handle(bob)}, headers={"X-CSRF-Token": ann.api_csrf()}
        )
        room = started.json()
        film = room["card"]["id"]
        first = ann.api_post(f"/api/swipe/{room['id']}/swipes", {"film_id": film, "liked": True})
        before = first.json()["room"]["last_swipe_id"]
        url = f"/api/swipe/{room['id']}/events"
        with ann.client.stream("GET", url) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            got = events(stream.iter_lines())
            event_id, state = next(got)  # the state first
            assert event_id == before and state["new_matches"] == []
            assert [m["swiped"] for m in state["members"]] == [1, 0]  # type: ignore[index]
            # Bob likes the same film (in another request, on his own connection).
            done = bob.api_post(f"/api/swipe/{room['id']}/swipes", {"film_id": film, "liked": True})
            assert done.json()["matched"]
            # Ann's own swipe is announced after its answer, so its news may reach her stream
            # after the state did (the same swipe id, nothing new): skip to what came later.
            event_id, news = next((i, e) for i, e in got if i > before)
            matched = done.json()["room"]["last_swipe_id"]
            assert event_id == matched and news["new_matches"] == [film]
            assert [m["swiped"] for m in news["members"]] == [1, 1]  # type: ignore[index]
            # The next news does not tell of the match again.
            other = done.json()["room"]["card"]["id"]
            bob.api_post(f"/api/swipe/{room['id']}/swipes", {"film_id": other, "liked": False})
            event_id, later = next(got)
            assert event_id > matched and later["new_matches"] == []
            assert [m["film_id"] for m in later["matches"]] == [film]  # type: ignore[union-attr]
        # Back after missing the match: told of it once; up to date: told of nothing.
        for last, told in ((before, [film]), (event_id, [])):
            with ann.client.stream("GET", url, headers={"Last-Event-ID": str(last)}) as again:
                back_id, back = next(events(again.iter_lines()))
            assert back_id == event_id and back["new_matches"] == told
    finally:
        for c in clients:
            c.close()


def test_a_match_is_pushed_to_a_member_and_a_reconnection_catches_up_once(
    trained_app: FastAPI,
) -> None:
    with served(trained_app) as base:
        _a_match_is_pushed_and_a_reconnection_catches_up_once(base, base)


def test_through_redis_a_swipe_on_one_server_reaches_a_stream_on_another(
    trained_app: FastAPI, redis_url: str
) -> None:
    """Two apps on one database and the real Redis: what two server processes do."""
    settings = trained_app.state.settings.model_copy(update={"redis_url": redis_url})
    apps = [create_app(settings), create_app(settings)]
    try:
        assert type(apps[0].state.broadcaster).__name__ == "RedisBroadcaster"
        with served(apps[0]) as one, served(apps[1]) as two:
            _a_match_is_pushed_and_a_reconnection_catches_up_once(one, two)
    finally:
        for app in apps:
            app.state.engine.dispose()


class _CommittedFirst(InProcessBroadcaster):
    """A hub that notes, at each publish, the room's last swipe as another connection sees it:
    only what is committed."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.told: list[tuple[int, int]] = []  # (the event's last swipe, the committed last one)

    async def publish(self, room: int, event: dict[str, Any]) -> None:
        def committed() -> int:
            with unit_of_work(self.engine, read_only=True) as session:
                return SwipeRepository(session).last_swipe_id(room)

        self.told.append((event["last_swipe_id"], await anyio.to_thread.run_sync(committed)))
        await super().publish(room, event)


def test_a_swipe_is_committed_before_it_is_pushed(
    trained_app: FastAPI, pair: tuple[Browser, Browser]
) -> None:
    ann, bob = pair
    room = start_from_together(ann, bob)
    kept = trained_app.state.broadcaster
    hub = trained_app.state.broadcaster = _CommittedFirst(trained_app.state.engine)
    try:
        film = card(ann, room)
        assert film is not None
        swipe(ann, room, film, "like")  # by the form
        done = bob.api_post(f"/api/swipe/{room}/swipes", {"film_id": film, "liked": True})
        assert done.json()["matched"]
    finally:
        trained_app.state.broadcaster = kept
    last = done.json()["room"]["last_swipe_id"]
    assert len(hub.told) == 2 and hub.told[1] == (last, last)
    assert hub.told[0][0] == hub.told[0][1] < last


def test_the_room_and_its_join_page_have_no_inline_script_or_style(
    pair: tuple[Browser, Browser], browsers: Callable[[], Browser]
) -> None:
    from test_web_security import _Page

    ann, bob = pair
    room = start_from_together(ann, bob)
    link = join_link(ann, room)
    for who, path in ((ann, f"/swipe/{room}"), (browsers(), link)):
        html = who.get(path).text
        page = _Page()
        page.feed(html)
        assert (page.inline_scripts, page.style_attrs, page.style_blocks) == (0, 0, 0), path
        assert all(i is not None and i in page.labels for i, _ in page.inputs), page.inputs
        assert not re.search(r"(src|href|action)=\"(https?:)?//", html)


def test_the_openapi_document_names_only_schemas_it_has(trained_app: FastAPI) -> None:
    schema = trained_app.openapi()
    names = set(schema["components"]["schemas"])
    refs = set(re.findall(r"#/components/schemas/([A-Za-z0-9_]+)", json.dumps(schema)))
    assert {"RoomStatePublic", "MemberProgressPublic", "SwipeCardPublic"} <= names
    assert refs <= names, refs - names
    events_doc = schema["paths"]["/api/swipe/{room_id}/events"]["get"]["responses"]["200"]
    event = events_doc["content"]["text/event-stream"]["schema"]
    assert set(event["properties"]) == {"event", "id", "retry", "data"}
    data = event["properties"]["data"]["contentSchema"]
    assert {"new_matches", "matches", "members", "last_swipe_id"} <= set(data["properties"])


def test_the_deck_keeps_the_filters_of_watch_together(pair: tuple[Browser, Browser]) -> None:
    """Braveheart, GoldenEye and Heat are the starter catalog's only Action films of 1995."""
    ann, bob = pair
    query = f"with={handle(bob)}&genre=Action&year_min=1995&year_max=1995&seen=show-all"
    started = ann.submit(f"/together?{query}", f"/together/swipe?{query}", {})
    room = int(started.headers["location"].rsplit("/", 1)[1])
    assert ann.get(f"/api/swipe/{room}").json()["deck_size"] == 3
    dealt = []
    while (film := card(ann, room)) is not None:
        dealt.append(ann.get(f"/api/swipe/{room}").json()["card"]["title"])
        swipe(ann, room, film, "pass")
    assert sorted(dealt) == ["Braveheart", "GoldenEye", "Heat"]
    assert "You have swiped every film in the deck (3)" in ann.get(f"/swipe/{room}").text
