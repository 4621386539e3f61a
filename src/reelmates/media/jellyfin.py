"""A Jellyfin (or Emby) server's users, film libraries, films and watch history.

Checked against Jellyfin's published OpenAPI document (12.0.0): the calls are

- ``GET /Users`` (the accounts, ``isDisabled=false``),
- ``GET /Library/VirtualFolders`` (the libraries; those of ``CollectionType`` ``movies``),
- ``GET /Items`` with ``parentId`` (the library), ``includeItemTypes=Movie``, ``recursive``,
  ``fields=ProviderIds`` and ``DateLastSaved``, paged with ``startIndex``/``limit`` in a stable
  order (date added, then sort name), and ``minDateLastSaved`` for "changed since";
- the same with ``userId`` and ``enableUserData`` for what one user watched and rated.

It authenticates with the ``Authorization: MediaBrowser Token="…"`` header the document's
security scheme names (an API key made in the server's dashboard). Emby, Jellyfin's ancestor,
has the same ``/Items`` API and ``ProviderIds`` but no published document: ``kind="emby"`` uses
this client, adds Emby's ``X-Emby-Token`` header and links to Emby's web client; it is untested
against a real Emby server.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import quote

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_pascal

from reelmates.errors import SourceUnavailableError
from reelmates.media.base import ServerFilm, ServerKind, ServerLibrary, ServerUser, UserFilmState
from reelmates.media.fetch import (
    DEFAULT_LIMITS,
    AllowList,
    Answer,
    GuardedClient,
    Limits,
    Params,
    parse,
)

PAGE_SIZE = 500
MAX_ITEMS = 1_000_000  # a library larger than this is taken for a server answering nonsense
IMDB_ID = re.compile(r"tt\d{7,10}")


class _Jellyfin(Answer):
    model_config = ConfigDict(alias_generator=to_pascal)


class _User(_Jellyfin):
    id: str
    name: str | None = None


class _Folder(_Jellyfin):
    name: str | None = None
    collection_type: str | None = None
    item_id: str | None = None


class _UserData(_Jellyfin):
    played: bool = False
    rating: float | None = None
    last_played_date: datetime | None = None


class _Item(_Jellyfin):
    id: str
    name: str | None = None
    production_year: int | None = None
    provider_ids: dict[str, str | None] | None = None
    date_last_saved: datetime | None = None
    server_id: str | None = None
    user_data: _UserData | None = None


class _Page(_Jellyfin):
    items: list[_Item] = Field(default_factory=list)
    total_record_count: int | None = None


def stars_of(rating: float | None) -> float | None:
    """A Jellyfin/Emby user rating (0-10) in stars (0.5-5): halved, to the nearest half star,
    at least half a star. Their like/dislike buttons store 10 and 1 (5 and 0.5 stars)."""
    if rating is None or rating != rating or rating < 0:  # none, NaN or nonsense
        return None
    return min(5.0, max(0.5, math.floor(rating + 0.5) / 2))


def imdb_of(ids: dict[str, str | None] | None) -> str | None:
    value = _provider(ids, "imdb")
    return value if value is not None and IMDB_ID.fullmatch(value) else None


def tmdb_of(ids: dict[str, str | None] | None) -> int | None:
    value = _provider(ids, "tmdb")
    return int(value) if value is not None and value.isdecimal() and int(value) > 0 else None


def _provider(ids: dict[str, str | None] | None, name: str) -> str | None:
    for key, value in (ids or {}).items():
        if key.lower() == name and value:
            return value.strip()
    return None


def as_uuid(item_id: str) -> str:
    """An item id as the document's ``format: uuid`` writes it (Jellyfin answers ids without
    dashes and accepts both forms)."""
    try:
        return str(uuid.UUID(item_id))
    except ValueError:
        return item_id  # not a uuid (Emby's numeric ids): sent as given


def _utc(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class JellyfinClient:
    """One Jellyfin or Emby server (a :class:`reelmates.media.base.LibraryClient`)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        allowed: AllowList,
        kind: Literal["jellyfin", "emby"] = "jellyfin",
        limits: Limits = DEFAULT_LIMITS,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.kind: ServerKind = kind
        self.page_size = page_size
        headers = {
            "Authorization": f'MediaBrowser Token="{api_key}"',
            "Accept": "application/json",
        }
        if kind == "emby":
            headers["X-Emby-Token"] = api_key
        self.service = "Emby" if kind == "emby" else "Jellyfin"
        self.http = GuardedClient(
            base_url,
            service=self.service,
            allowed=allowed,
            headers=headers,
            secrets=[api_key],
            limits=limits,
        )

    def close(self) -> None:
        self.http.close()

    def users(self) -> list[ServerUser]:
        found = self.http.get("/Users", [("isDisabled", "false")], what="the users")
        users = parse(list[_User], found, service=self.service, what="the users")
        return [ServerUser(user.id, user.name or user.id) for user in users]

    def libraries(self) -> list[ServerLibrary]:
        found = self.http.get("/Library/VirtualFolders", what="the libraries")
        folders = parse(list[_Folder], found, service=self.service, what="the libraries")
        return [
            ServerLibrary(folder.item_id, folder.name or folder.item_id)
            for folder in folders
            if folder.item_id and (folder.collection_type or "").lower() == "movies"
        ]

    def films(self, library_id: str, *, since: datetime | None = None) -> Iterator[ServerFilm]:
        fields = [("fields", "ProviderIds"), ("fields", "DateLastSaved")]
        changed = [("minDateLastSaved", _utc(since))] if since is not None else []
        for item in self._items(library_id, [*fields, *changed], "the films"):
            yield ServerFilm(
                external_id=item.id,
                library_id=library_id,
                title=(item.name or "").strip(),
                year=item.production_year,
                imdb_id=imdb_of(item.provider_ids),
                tmdb_id=tmdb_of(item.provider_ids),
                updated_at=item.date_last_saved,
                web_url=self.web_url(item.id, item.server_id),
            )

    def film_ids(self, library_id: str) -> frozenset[str]:
        return frozenset(item.id for item in self._items(library_id, [], "the film ids"))

    def user_states(self, user_id: str, library_id: str) -> Iterator[UserFilmState]:
        extra = [("userId", as_uuid(user_id))]
        for item in self._items(library_id, extra, "what a user watched", user_data=True):
            data = item.user_data
            if data is None:
                continue
            stars = stars_of(data.rating)
            if data.played or stars is not None:
                yield UserFilmState(item.id, data.played, stars, data.last_played_date)

    def web_url(self, item_id: str, server_id: str | None) -> str:
        """Where the film opens in the server's own web client."""
        query = f"id={quote(item_id, safe='')}"
        if server_id:
            query += f"&serverId={quote(server_id, safe='')}"
        if self.kind == "emby":
            return f"{self.http.base_url}/web/index.html#!/item?{query}"
        return f"{self.http.base_url}/web/#/details?{query}"

    def _items(
        self, library_id: str, extra: Params, what: str, *, user_data: bool = False
    ) -> Iterator[_Item]:
        start = 0
        while True:
            params: Params = [
                ("parentId", as_uuid(library_id)),
                ("recursive", "true"),
                ("includeItemTypes", "Movie"),
                ("sortBy", "DateCreated"),
                ("sortBy", "SortName"),
                ("sortOrder", "Ascending"),
                ("enableImages", "false"),
                ("enableTotalRecordCount", "true"),
                ("enableUserData", "true" if user_data else "false"),
                *extra,
                ("startIndex", str(start)),
                ("limit", str(self.page_size)),
            ]
            found = self.http.get("/Items", params, what=what)
            page = parse(_Page, found, service=self.service, what=what)
            yield from page.items
            start += len(page.items)
            total = page.total_record_count
            if not page.items or len(page.items) < self.page_size:
                return
            if total is not None and start >= total:
                return
            if start > MAX_ITEMS:
                raise SourceUnavailableError(
                    f"{self.service} keeps sending films past {MAX_ITEMS:,}: stopped",
                    hint="Check that the address points at a Jellyfin or Emby server.",
                )
