"""A member's media server as a sync leaves it, written straight to the store: one Jellyfin
library holding the films given (each with its web-client link or none), for the tests of what
a group can watch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import Engine

from reelmates.services.media.available import default_server_name
from reelmates.services.uow import unit_of_work
from reelmates.store.credentials import CredentialCipher
from reelmates.store.media import ItemWrite, MediaServerRepository

NOW = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
CIPHER = CredentialCipher(SecretStr(Fernet.generate_key().decode()))


def own_library(
    engine: Engine,
    owner_id: int,
    owner_name: str,
    films: Sequence[tuple[int, str | None]],
    *,
    base_url: str = "http://jellyfin.lan:8096",
) -> int:
    """The id of a new Jellyfin server of the owner's whose one library holds ``films``."""
    with unit_of_work(engine) as session:
        servers = MediaServerRepository(session)
        sid = servers.add(
            kind="jellyfin",
            name=default_server_name("jellyfin", owner_name),
            base_url=base_url,
            credentials=SecretStr("key"),
            cipher=CIPHER,
            owner_id=owner_id,
            sync_minutes=None,
            now=NOW,
        )
        servers.replace_libraries(sid, [("lib", "Films")])
        (lib,) = servers.libraries(sid)
        rows = [
            ItemWrite(lib.id, f"item{n}", film, "t", None, url, None)
            for n, (film, url) in enumerate(films)
        ]
        servers.write_items(sid, rows, {})
    return sid
