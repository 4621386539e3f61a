"""Two real ``reelmates`` server processes on one database (the SQLite file, or PostgreSQL) and
the local Redis, as an operator runs them behind a load balancer: ``reelmates demo`` seeds and
serves, ``reelmates serve`` serves the same data directory. Jess swipes on the first process,
Milly and a guest who joined by the room's link on the second; each keeps one event stream open
on the process they use.

Every swipe's news reaches every stream exactly once, whichever process it was made on; each
match is told (``new_matches``) once to each member: one made on each process, and one whose last
two likes came at once on both (exactly one of them makes it). Both processes then show the same
room, and Milly's accepting a match reaches Jess's stream too; no stream had to reconnect. The
Redis channel is the database's own (its identity names it), so parallel runs never cross.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from off_loop import run_off_loop
from sqlalchemy import create_engine
from sse_events import room_events

from processes import Served, served_app, served_demo
from reelmates.services.uow import unit_of_work
from reelmates.store.films import InstallationRepository

pytestmark = pytest.mark.slow

WAIT = 20.0  # seconds any one step may take (a busy machine is slow)
QUIET = 1.0  # seconds of listening after the last swipe, to catch a duplicate


@dataclass
class Stream:
    """One member's event stream: every ``room`` event it got, and how it went."""

    who: str
    events: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    connections: int = 0
    retries: int = 0  # ``retry:`` lines: one per connection
    ended: bool = False  # the server closed it
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def ids(self) -> list[int]:
        return [i for i, _ in self.events]

    def told(self) -> list[int]:
        """Every film id in ``new_matches``, over all events."""
        return [film for _, event in self.events for film in event["new_matches"]]


@dataclass
class Member:
    name: str
    client: httpx.AsyncClient
    csrf: str = ""

    async def post(self, path: str, body: object = None, **params: str) -> Any:
        answer = await self.client.post(
            path, json=body, params=params, headers={"X-CSRF-Token": self.csrf}
        )
        assert answer.is_success, (self.name, path, answer.status_code, answer.text)
        return answer.json()

    async def get(self, path: str) -> Any:
        answer = await self.client.get(path)
        assert answer.status_code == 200, (self.name, path, answer.text)
        return answer.json()


async def _listen(member: Member, room: int, stream: Stream) -> None:
    async with member.client.stream("GET", f"/api/swipe/{room}/events") as answer:
        assert answer.status_code == 200, (member.name, answer.status_code)
        assert answer.headers["content-type"].startswith("text/event-stream")
        stream.connections += 1
        pending: list[str] = []
        async for line in answer.aiter_lines():
            if line.startswith("retry:"):
                stream.retries += 1
            pending.append(line)
            if line == "":
                stream.events.extend(room_events(pending))
                pending = []
                stream.changed.set()
    stream.ended = True
    stream.changed.set()


async def _until(stream: Stream, seen: int) -> None:
    """Until the stream has an event with id ``seen`` (or later)."""
    await _until_event(stream, lambda i, _: i >= seen, f"swipe {seen}")


async def _until_event(
    stream: Stream, wanted: Callable[[int, dict[str, Any]], bool], what: str
) -> None:
    """Until the stream's last event is ``wanted`` (id, data)."""

    async def wait() -> None:
        while not (stream.events and wanted(*stream.events[-1])):
            assert not stream.ended, f"{stream.who}'s stream ended"
            stream.changed.clear()
            await stream.changed.wait()

    try:
        await asyncio.wait_for(wait(), WAIT)
    except TimeoutError:
        raise AssertionError(f"{stream.who} never heard of {what}: {stream.ids()}") from None


async def _log_in(name: str, base_url: str, password: str) -> Member:
    member = Member(name, _client(base_url))
    member.csrf = (await member.get("/api/csrf"))["csrf_token"]  # and its nonce cookie
    logged_in = await member.post("/api/login", {"handle": name, "password": password})
    member.csrf = logged_in["csrf_token"]  # now tied to the session
    return member


def _client(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(WAIT, read=30.0))


def _database_id(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        with unit_of_work(engine, read_only=True) as session:
            return InstallationRepository(session).database_id()
    finally:
        engine.dispose()


@dataclass
class Room:
    """The swipe session, its members' streams, and every swipe made in it."""

    id: int
    members: list[Member]
    streams: dict[str, Stream]
    swipes: list[int] = field(default_factory=list)  # each swipe's id, in the order answered
    swiped: dict[str, set[int]] = field(default_factory=dict)  # name → films they swiped

    async def swipe(self, member: Member, film: int, liked: bool, wait: bool = True) -> bool:
        """Whether it made a match; ``wait``: until every stream (both processes) heard it."""
        done = await member.post(f"/api/swipe/{self.id}/swipes", {"film_id": film, "liked": liked})
        self.swiped.setdefault(member.name, set()).add(film)
        self.swipes.append(done["room"]["last_swipe_id"])
        if wait:
            await self.heard(self.swipes[-1])
        matched: bool = done["matched"]
        return matched

    async def heard(self, swipe: int) -> None:
        for stream in self.streams.values():
            await _until(stream, swipe)

    async def card_nobody_swiped(self, member: Member) -> int:
        """``member``'s next card that nobody else has swiped (they pass the others)."""
        film: int = (await member.get(f"/api/swipe/{self.id}"))["card"]["id"]
        others = set().union(*(f for name, f in self.swiped.items() if name != member.name))
        while film in others:
            await self.swipe(member, film, False)
            film = (await member.get(f"/api/swipe/{self.id}"))["card"]["id"]
        return film


async def _open_room(jess: Member, milly: Member, guest: Member) -> Room:
    """Jess starts a room (process 1) with Milly; the guest joins by its link (process 2); each
    opens their stream and gets the room's state first."""
    started = await jess.post("/api/swipe", **{"with": "Milly", "seen": "show-all"})
    token = started["join_url"].rsplit("/", 1)[1]
    guest.csrf = (await guest.get("/api/csrf"))["csrf_token"]
    joined = await guest.post("/api/swipe/join-as-guest", {"token": token, "display_name": "Sam"})
    assert joined["room_id"] == started["id"]
    guest.csrf = joined["csrf_token"]
    members = [jess, milly, guest]
    return Room(started["id"], members, {m.name: Stream(m.name) for m in members})


async def _swipe_together(
    one: Served, two: Served, log_ins: dict[str, str], redis_url: str, database_id: str
) -> None:
    jess = await _log_in("Jess", one.base_url, log_ins["Jess"])
    milly = await _log_in("Milly", two.base_url, log_ins["Milly"])
    guest = Member("Sam", _client(two.base_url))
    listeners: list[asyncio.Task[None]] = []
    try:
        room = await _open_room(jess, milly, guest)
        listeners = [
            asyncio.create_task(_listen(m, room.id, room.streams[m.name])) for m in room.members
        ]
        await room.heard(0)  # the room's state comes first
        # All three streams listen on one channel: this database's, across both processes.
        channel = f"reelmates:{database_id}:swipe:{room.id}"
        with redis.Redis.from_url(redis_url, socket_timeout=WAIT) as r:
            assert r.pubsub_numsub(channel) == [(channel.encode(), 3)]

        # A round of passes, alternating processes: no pass is a match.
        for member in (jess, milly, guest):
            card = (await member.get(f"/api/swipe/{room.id}"))["card"]["id"]
            assert not await room.swipe(member, card, False)
        # Milly and Sam (process 2) like a card of Jess's; her like (process 1) makes a match.
        first = await room.card_nobody_swiped(jess)
        assert not await room.swipe(milly, first, True)
        assert not await room.swipe(guest, first, True)
        assert await room.swipe(jess, first, True)
        made = [room.swipes[-1]]  # the swipes that made matches
        # And one made on process 2: Jess and Sam like another card, then Milly does.
        second = await room.card_nobody_swiped(jess)
        assert not await room.swipe(jess, second, True)
        assert not await room.swipe(guest, second, True)
        assert await room.swipe(milly, second, True)
        made.append(room.swipes[-1])
        # Sam likes a third card; Jess (process 1) and Milly (process 2) like it at once:
        # exactly one of them makes the match (the later swipe).
        third = await room.card_nobody_swiped(guest)
        assert not await room.swipe(guest, third, True)
        in_turn = list(room.swipes)
        both = await asyncio.gather(
            room.swipe(jess, third, True, wait=False), room.swipe(milly, third, True, wait=False)
        )
        assert sorted(both) == [False, True]
        at_once = sorted(room.swipes[len(in_turn) :])
        made.append(at_once[1])
        await room.heard(at_once[1])

        await asyncio.sleep(QUIET)  # a duplicate would arrive by now
        for stream in room.streams.values():
            assert stream.connections == 1 and stream.retries == 1 and not stream.ended
            ids = [i for i in stream.ids() if i > 0]  # (a late join's news may repeat the 0)
            assert ids[: len(in_turn)] == in_turn, (stream.who, stream.ids())
            # Of two pushes made at once, the older may come second: it is dropped as stale.
            assert ids[len(in_turn) :] in (at_once, at_once[1:]), (stream.who, stream.ids())
            assert stream.told() == [first, second, third], stream.who  # each match once
            matches = stream.events[-1][1]["matches"]
            assert [m["swipe_id"] for m in matches] == made

        # Both processes show the same room.
        views = [await m.get(f"/api/swipe/{room.id}") for m in room.members]
        for view in views:
            counts = [(p["display_name"], p["swiped"]) for p in view["members"]]
            assert counts == [(m.name, len(room.swiped[m.name])) for m in room.members]
            assert [m["film_id"] for m in view["matches"]] == [first, second, third]
            assert view["last_swipe_id"] == at_once[1]
        assert {json.dumps(v["matches"]) for v in views} == {json.dumps(views[0]["matches"])}

        # Milly (process 2) accepts the first match: Jess's page (process 1) hears it too.
        picked = await milly.post(f"/api/swipe/{room.id}/accept", {"film_id": first})
        assert picked["film"]["id"] == first
        for stream in room.streams.values():
            await _until_event(stream, lambda _, e: e["accepted"] is not None, "the accept")
            last_id, last = stream.events[-1]
            assert last_id == at_once[1] and last["new_matches"] == []
            assert last["accepted"]["film"]["id"] == first
            assert last["accepted"]["chooser"]["display_name"] == "Milly"
    finally:
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        for m in (jess, milly, guest):
            await m.client.aclose()


def test_members_on_two_processes_each_hear_every_swipe_and_each_match_once(
    tmp_path: Path, db_url: str, redis_url: str
) -> None:
    """Process 1 is ``reelmates demo`` (it seeds the database first), process 2 ``reelmates
    serve``: one data directory, one database (a fresh SQLite file or PostgreSQL schema)."""
    with (
        served_demo(tmp_path, REELMATES_REDIS_URL=redis_url, REELMATES_DATABASE_URL=db_url) as one,
        served_app(tmp_path, REELMATES_REDIS_URL=redis_url, REELMATES_DATABASE_URL=db_url) as two,
    ):
        try:
            assert set(one.log_ins) == {"Jess", "Milly"}
            run_off_loop(_swipe_together(one, two, one.log_ins, redis_url, _database_id(db_url)))
        except BaseException:
            print("--- process 1 (reelmates demo) ---", one.output(), sep="\n")
            print("--- process 2 (reelmates serve) ---", two.output(), sep="\n")
            raise
