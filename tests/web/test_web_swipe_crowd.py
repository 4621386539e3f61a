"""Eight people swipe in one live session at once, 200 cards each, as fast as the server answers:
Jess and Milly (the demo friends) and six guests who joined by the room's link, each on a
connection of their own, each following the card the server deals them and liking most of them
(a seeded coin per member). Each keeps one event stream open the whole time.

Afterwards, from the database itself: exactly 8 × 200 = 1,600 swipes in the room, 200 each, no
(member, film) twice. The matches the room shows are exactly the films all eight liked (worked out
here from the stored swipes), each made by the swipe that brought its eighth like, and exactly one
swipe's answer said it made each one. Every member's stream told of every match exactly once
(``new_matches``), heard the last swipe, and never had to reconnect. Every answer was a 200 but
for 503s (busy: SQLite's write lock under contention), which the client retries and counts.

Run by a real server (real concurrency: uvicorn, its thread pool and the database's locks): one
``reelmates demo`` process (the in-process broadcaster) on SQLite, and two processes (``demo`` and
``serve``) on one PostgreSQL database sharing Redis, the members split 4/4 between them.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from off_loop import run_off_loop
from sqlalchemy import create_engine, select
from sse_events import room_events

from processes import _LOG_IN_LINE, Served, ServedDemo, served_app, served_demo
from reelmates.store.models import Swipe

pytestmark = pytest.mark.slow

MEMBERS = 8
CARDS = 200  # each member swipes this many
LIKE = 0.9  # each member's chance of liking a card: matches come often (0.9 ** 8 ≈ 0.43)
WAIT = 60.0  # seconds any one request, or hearing the last swipe, may take (a busy machine)
QUIET = 1.0  # seconds of listening after the last swipe was heard, to catch a duplicate
STREAM_SECONDS = "600"  # each stream's life: longer than the run (a reconnection would show)
RETRY_PAUSE = 0.05  # seconds before retrying a 503 (the client's choice; Retry-After says 5)


@dataclass
class Stream:
    """One member's event stream: every ``room`` event's id and news, and how it went."""

    who: str
    ids: list[int] = field(default_factory=list)
    told: list[int] = field(default_factory=list)  # every film id in ``new_matches``
    connections: int = 0
    retries: int = 0  # ``retry:`` lines: one per connection
    ended: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Member:
    name: str
    client: httpx.AsyncClient
    csrf: str = ""
    busy: int = 0  # 503 answers retried
    swipes: list[tuple[int, bool, int]] = field(default_factory=list)  # (film, liked, swipe id)
    made: list[int] = field(default_factory=list)  # films their swipe made a match
    seconds: float = 0.0

    async def post(self, path: str, body: object = None, **params: str) -> Any:
        answer = await self.client.post(
            path, json=body, params=params, headers={"X-CSRF-Token": self.csrf}
        )
        assert answer.is_success, (self.name, path, answer.status_code, answer.text)
        return answer.json()

    async def get(self, path: str) -> Any:
        answer = await self.client.get(path)
        assert answer.status_code == 200, (self.name, path, answer.status_code, answer.text)
        return answer.json()


def _client(base_url: str) -> httpx.AsyncClient:
    # One connection pool per member: keep-alive, the stream on a connection of its own.
    return httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(WAIT))


async def _log_in(name: str, base_url: str, password: str) -> Member:
    member = Member(name, _client(base_url))
    member.csrf = (await member.get("/api/csrf"))["csrf_token"]
    logged_in = await member.post("/api/login", {"handle": name, "password": password})
    member.csrf = logged_in["csrf_token"]
    return member


async def _guest(name: str, base_url: str, token: str, room: int) -> Member:
    member = Member(name, _client(base_url))
    member.csrf = (await member.get("/api/csrf"))["csrf_token"]
    joined = await member.post("/api/swipe/join-as-guest", {"token": token, "display_name": name})
    assert joined["room_id"] == room
    member.csrf = joined["csrf_token"]
    return member


async def _listen(member: Member, room: int, stream: Stream) -> None:
    async with member.client.stream("GET", f"/api/swipe/{room}/events") as answer:
        assert answer.status_code == 200, (member.name, answer.status_code)
        stream.connections += 1
        pending: list[str] = []
        async for line in answer.aiter_lines():
            if line.startswith("retry:"):
                stream.retries += 1
            pending.append(line)
            if line == "":
                for event_id, event in room_events(pending):
                    stream.ids.append(event_id)
                    stream.told.extend(event["new_matches"])
                pending = []
                stream.changed.set()
    stream.ended = True
    stream.changed.set()


async def _until(stream: Stream, swipe: int) -> None:
    """Until the stream has heard of swipe ``swipe`` (or a later one)."""

    async def wait() -> None:
        while not (stream.ids and stream.ids[-1] >= swipe):
            assert not stream.ended, f"{stream.who}'s stream ended"
            stream.changed.clear()
            await stream.changed.wait()

    try:
        await asyncio.wait_for(wait(), WAIT)
    except TimeoutError:
        raise AssertionError(f"{stream.who} never heard of swipe {swipe}") from None


async def _swipe_cards(
    member: Member, room: int, ready: asyncio.Queue[str], start: asyncio.Event, seed: int
) -> None:
    """``CARDS`` swipes, each of the card the server dealt, as fast as it answers."""
    coin = random.Random(seed)
    card: int | None = (await member.get(f"/api/swipe/{room}"))["card"]["id"]
    ready.put_nowait(member.name)
    await start.wait()
    began = time.monotonic()
    for n in range(CARDS):
        assert card is not None, f"{member.name}'s deck ran out after {n} cards"
        liked = coin.random() < LIKE
        while True:
            answer = await member.client.post(
                f"/api/swipe/{room}/swipes",
                json={"film_id": card, "liked": liked},
                headers={"X-CSRF-Token": member.csrf},
            )
            if answer.status_code != 503:
                break
            assert answer.headers.get("retry-after"), answer.headers
            member.busy += 1
            await asyncio.sleep(RETRY_PAUSE)
        assert answer.status_code == 200, (member.name, n, answer.status_code, answer.text)
        done = answer.json()
        member.swipes.append((card, liked, done["room"]["last_swipe_id"]))
        if done["matched"]:
            member.made.append(card)
        dealt = done["room"]["card"]
        card = None if dealt is None else dealt["id"]
    member.seconds = time.monotonic() - began


@dataclass(frozen=True)
class Crowd:
    """What the run saw, for the checks and the report."""

    room: int
    members: list[Member]
    streams: list[Stream]
    state: dict[str, Any]  # the room as the first member sees it at the end
    seconds: float


async def _crowd(servers: list[Served], log_ins: dict[str, str], seed: int) -> Crowd:
    """Jess starts a room on the first server with Milly (on the last); six guests join by its
    link, spread so that the members are split evenly between the servers."""
    per_server = MEMBERS // len(servers)
    home = [servers[min(i // per_server, len(servers) - 1)].base_url for i in range(MEMBERS)]
    jess = await _log_in("Jess", home[0], log_ins["Jess"])
    milly = await _log_in("Milly", home[-1], log_ins["Milly"])
    members = [jess]
    listeners: list[asyncio.Task[None]] = []
    try:
        started = await jess.post("/api/swipe", **{"with": "Milly", "seen": "show-all"})
        room, token = started["id"], started["join_url"].rsplit("/", 1)[1]
        assert started["deck_size"] >= CARDS, started["deck_size"]
        for i in range(1, MEMBERS - 1):
            members.append(await _guest(f"Guest {i}", home[i], token, room))
        members.append(milly)
        streams = [Stream(m.name) for m in members]
        listeners = [
            asyncio.create_task(_listen(m, room, s)) for m, s in zip(members, streams, strict=True)
        ]
        for stream in streams:
            await _until(stream, 0)  # the room's state comes first
        state = await jess.get(f"/api/swipe/{room}")
        assert len(state["members"]) == MEMBERS and state["rule"] == "everyone likes it"

        ready: asyncio.Queue[str] = asyncio.Queue()
        start = asyncio.Event()
        swiping = [
            asyncio.create_task(_swipe_cards(m, room, ready, start, seed + i))
            for i, m in enumerate(members)
        ]
        for _ in members:  # every member has their first card: they start at once
            await asyncio.wait_for(ready.get(), WAIT)
        began = time.monotonic()
        start.set()
        await asyncio.gather(*swiping)
        seconds = time.monotonic() - began

        last = max(s for m in members for _, _, s in m.swipes)
        for stream in streams:
            await _until(stream, last)
        await asyncio.sleep(QUIET)  # a duplicate would arrive by now
        state = await jess.get(f"/api/swipe/{room}")
        for other in members[1:]:  # every member (both servers) sees the same room
            seen = await other.get(f"/api/swipe/{room}")
            assert seen["matches"] == state["matches"] and seen["members"] == state["members"]
        return Crowd(room, members, streams, state, seconds)
    finally:
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        for m in members:
            await m.client.aclose()


def _check(crowd: Crowd, database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Swipe.id, Swipe.person_id, Swipe.film_id, Swipe.liked)
                .where(Swipe.session_id == crowd.room)
                .order_by(Swipe.id)
            ).all()
    finally:
        engine.dispose()
    # Exactly 1,600 swipes, 200 each, none twice; they are the ones the members were answered.
    assert len(rows) == MEMBERS * CARDS
    assert sorted(Counter(r.person_id for r in rows).values()) == [CARDS] * MEMBERS
    assert len({(r.person_id, r.film_id) for r in rows}) == len(rows)
    answered = sorted((s, f, liked) for m in crowd.members for f, liked, s in m.swipes)
    assert [(r.id, r.film_id, r.liked) for r in rows] == answered
    assert [p["swiped"] for p in crowd.state["members"]] == [CARDS] * MEMBERS
    assert crowd.state["last_swipe_id"] == rows[-1].id

    # The matches: the films all eight liked, each made by its eighth like, in that order.
    likes: dict[int, list[int]] = {}
    for r in rows:
        if r.liked:
            likes.setdefault(r.film_id, []).append(r.id)
    expected = sorted(((max(ids), film) for film, ids in likes.items() if len(ids) == MEMBERS))
    shown = [(m["swipe_id"], m["film_id"]) for m in crowd.state["matches"]]
    assert shown == expected
    assert len(expected) > 0
    made = [film for m in crowd.members for film in m.made]
    assert sorted(made) == sorted(film for _, film in expected)  # each made exactly once

    # Each match told exactly once to every member; nobody reconnected.
    films = sorted(film for _, film in expected)
    for stream in crowd.streams:
        assert stream.connections == 1 and stream.retries == 1 and not stream.ended, stream.who
        assert sorted(stream.told) == films, stream.who
        assert stream.ids == sorted(stream.ids), stream.who  # a late, older push is dropped


def _report(crowd: Crowd, where: str) -> None:
    busy = {m.name: m.busy for m in crowd.members if m.busy}
    events = sum(len(s.ids) for s in crowd.streams)
    print(
        f"\n{where}: {sum(len(m.swipes) for m in crowd.members)} swipes in "
        f"{crowd.seconds:.1f} s ({MEMBERS * CARDS / crowd.seconds:.0f}/s), "
        f"{len(crowd.state['matches'])} matches, {events} events heard, "
        f"503s retried: {sum(busy.values())} {busy}"
    )


def _run(servers: list[Served], log_ins: dict[str, str], database_url: str, where: str) -> None:
    crowd = run_off_loop(_crowd(servers, log_ins, seed=11))
    _report(crowd, where)
    _check(crowd, database_url)


def _log_ins(demo: ServedDemo) -> dict[str, str]:
    """Jess's and Milly's log-ins as the demo printed them (its output is read by a thread: on a
    busy machine the lines may come a moment after it answers)."""
    deadline = time.monotonic() + WAIT
    while True:
        found = dict(m.groups() for line in list(demo.lines) if (m := _LOG_IN_LINE.match(line)))
        if {"Jess", "Milly"} <= set(found) or time.monotonic() > deadline:
            assert set(found) == {"Jess", "Milly"}, demo.output()
            return found
        time.sleep(0.1)


@contextlib.contextmanager
def _printing_output(*servers: Served) -> Iterator[None]:
    """On a failure, what each server process printed (its tail)."""
    try:
        yield
    except BaseException:
        for n, served in enumerate(servers, 1):
            quiet = [line for line in served.lines if '" 200 OK' not in line]  # not the 1,600
            print(f"--- process {n} ---", *quiet[-200:], sep="\n")
        raise


# Each variant costs about a minute: SQLite (one writer at a time: the hardest case for one
# process) on one server, PostgreSQL across two; together they cover both databases, the
# in-process broadcaster and Redis.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_eight_members_swipe_200_cards_each_at_once_on_one_server(
    tmp_path: Path, db_url: str
) -> None:
    env = {"REELMATES_DATABASE_URL": db_url, "REELMATES_LIVE_STREAM_SECONDS": STREAM_SECONDS}
    with served_demo(tmp_path, **env) as one, _printing_output(one):
        _run([one], _log_ins(one), db_url, f"one process, {db_url.split(':')[0]}")


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_eight_members_swipe_at_once_split_over_two_servers_sharing_redis(
    tmp_path: Path, db_url: str, redis_url: str
) -> None:
    env = {
        "REELMATES_REDIS_URL": redis_url,
        "REELMATES_DATABASE_URL": db_url,
        "REELMATES_LIVE_STREAM_SECONDS": STREAM_SECONDS,
    }
    with (
        served_demo(tmp_path, **env) as one,
        served_app(tmp_path, **env) as two,
        _printing_output(one, two),
    ):
        _run([one, two], _log_ins(one), db_url, f"two processes, {db_url.split(':')[0]}")
