"""The one factory of media-server clients: the right client for a server's kind, fetching only
within the operator's allow-list (``REELMATES_MEDIA_ALLOWED_URLS``) and the limits in settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from pydantic import SecretStr
from sqlalchemy.orm import Session

from reelmates.errors import InvalidValueError, SourceUnavailableError
from reelmates.media.base import LibraryClient
from reelmates.media.fetch import AllowList, Limits, origin_of
from reelmates.media.jellyfin import JellyfinClient
from reelmates.media.plex import PlexClient
from reelmates.settings import Settings
from reelmates.store.credentials import CredentialCipher
from reelmates.store.media import MediaServerRepository
from reelmates.store.media_models import MEDIA_KINDS

ALLOW_SETTING = "REELMATES_MEDIA_ALLOWED_URLS"


class ClosingClient(LibraryClient, Protocol):
    def close(self) -> None: ...


def allow_list(settings: Settings) -> AllowList:
    return AllowList(settings.media_allowed_urls)


def limits(settings: Settings) -> Limits:
    return Limits(settings.media_timeout_seconds, settings.media_max_bytes)


def check_address(url: str, settings: Settings) -> str:
    """The address cleaned (no trailing slash) when it is a plain address on the allow-list;
    else an error naming the setting an operator changes."""
    try:
        origin = origin_of(url)
    except SourceUnavailableError as exc:
        raise InvalidValueError(exc.message, hint=exc.hint) from None
    if origin not in allow_list(settings).origins:
        raise InvalidValueError(
            f"{origin} is not on this reelmates's list of allowed media servers: nothing was "
            "fetched",
            hint=f"The operator adds {origin} to {ALLOW_SETTING} (a comma-separated list of "
            "addresses) in the server's environment and restarts it; then connect again.",
        )
    return url.strip().rstrip("/")


def check_kind(kind: str) -> str:
    cleaned = kind.strip().lower()
    if cleaned not in MEDIA_KINDS:
        raise InvalidValueError(
            f"not a kind of media server reelmates reads: {kind!r}",
            hint="Give jellyfin, emby or plex.",
        )
    return cleaned


def client_for(kind: str, base_url: str, secret: SecretStr, settings: Settings) -> ClosingClient:
    """The client of a server of ``kind`` (jellyfin and emby share one; plex its own)."""
    found = check_kind(kind)
    if found == "plex":
        return PlexClient(
            base_url,
            secret.get_secret_value(),
            allowed=allow_list(settings),
            limits=limits(settings),
        )
    return JellyfinClient(
        base_url,
        secret.get_secret_value(),
        allowed=allow_list(settings),
        kind="emby" if found == "emby" else "jellyfin",
        limits=limits(settings),
    )


@contextmanager
def opened(
    kind: str, base_url: str, secret: SecretStr, settings: Settings
) -> Iterator[ClosingClient]:
    client = client_for(kind, base_url, secret, settings)
    try:
        yield client
    finally:
        client.close()


def cipher(settings: Settings) -> CredentialCipher:
    return CredentialCipher(settings.media_secret_key)


def secret_of(session: Session, settings: Settings, server_id: int) -> SecretStr:
    """The server's key or token in clear, for its client only."""
    return MediaServerRepository(session).decrypt_credentials(server_id, cipher(settings))
