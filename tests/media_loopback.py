"""A Jellyfin server on loopback for the tests of what sits above the clients (the servers'
service, the scheduler, the CLI, the web): media/media_fake.py's server answering
media/media_recorded.py's eight real films, with two users and one film library, that checks
the API key (401 for any other) and can be taken down (503) or made to answer garbage.

It imports from tests/media/, which pytest's rootdir-relative import mode puts on the path only
for the tests there: this module (at tests/, on the path for every test) adds it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_MEDIA = str(Path(__file__).with_name("media"))
if _MEDIA not in sys.path:
    sys.path.insert(0, _MEDIA)

from media_fake import FakeServer, Reply, Route, Seen, fake_server  # noqa: E402
from media_recorded import FILMS, LIBRARY_ID, MACHINE_ID, jellyfin_items, plex_section  # noqa: E402

KEY = "0123456789abcdef0123456789abcdef"
PLEX_TOKEN = "plex-token-abcdefghij"
USERS = [
    {"Name": "milly", "Id": "5c3ef2b4a3d64f8c9a0b1c2d3e4f5a6b"},
    {"Name": "jess", "Id": "8d1f0e9c7b6a45d3a2b1c0d9e8f7a6b5"},
]
FILM_COUNT = len(FILMS)


@dataclass
class LoopbackJellyfin:
    server: FakeServer
    key: str = KEY
    state: str = "up"  # "up" | "down" (503) | "garbage" (HTML where JSON belongs)

    @property
    def url(self) -> str:
        return self.server.url

    def route(self, answer: Route) -> Route:
        def guarded(seen: Seen) -> Reply:
            if self.state == "down":
                return Reply(503, b"Service Unavailable")
            if seen.headers.get("authorization") != f'MediaBrowser Token="{self.key}"':
                return Reply(401, b"")
            if self.state == "garbage":
                return Reply(200, b"<html>not json</html>", {"Content-Type": "text/html"})
            return answer(seen)

        return guarded


@contextmanager
def loopback_jellyfin() -> Iterator[LoopbackJellyfin]:
    with fake_server() as server:
        fake = LoopbackJellyfin(server)
        server.routes["/Users"] = fake.route(lambda _seen: Reply.json(USERS))
        server.routes["/Library/VirtualFolders"] = fake.route(
            lambda _seen: Reply.json(
                [
                    {"Name": "Films", "CollectionType": "movies", "ItemId": LIBRARY_ID},
                    {"Name": "Series", "CollectionType": "tvshows", "ItemId": "a" * 32},
                ]
            )
        )
        server.routes["/Items"] = fake.route(jellyfin_items)
        yield fake


@contextmanager
def loopback_plex() -> Iterator[FakeServer]:
    """A Plex Media Server with one film section ("7", the same eight films), checking the
    X-Plex-Token header (401 for any other)."""
    with fake_server() as server:

        def guarded(answer: Route) -> Route:
            def check(seen: Seen) -> Reply:
                if seen.headers.get("x-plex-token") != PLEX_TOKEN:
                    return Reply(401, b"")
                return answer(seen)

            return check

        def container(data: dict[str, object]) -> Route:
            return guarded(lambda _seen: Reply.json({"MediaContainer": data}))

        server.routes["/"] = container({"myPlexUsername": "milly"})
        server.routes["/identity"] = container({"size": 0, "machineIdentifier": MACHINE_ID})
        server.routes["/library/sections/all"] = container(
            {
                "size": 2,
                "Directory": [
                    {"key": "7", "title": "Films", "type": "movie"},
                    {"key": "8", "title": "TV", "type": "show"},
                ],
            }
        )
        server.routes["/library/sections/7/all"] = guarded(plex_section("7"))
        yield server
