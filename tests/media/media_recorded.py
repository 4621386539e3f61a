"""Recorded-shape answers of Jellyfin and Plex about a handful of real films, with their real
IMDb and TMDB ids, written to match the published documents (field names, envelopes, paging),
and routes for :mod:`media_fake` that page through them as the servers do."""

from __future__ import annotations

from dataclasses import dataclass

from media_fake import Reply, Route, Seen


@dataclass(frozen=True)
class Film:
    title: str
    year: int
    imdb: str
    tmdb: int


FILMS = [
    Film("City Lights", 1931, "tt0021749", 901),
    Film("Casablanca", 1942, "tt0034583", 289),
    Film("The Godfather", 1972, "tt0068646", 238),
    Film("Pulp Fiction", 1994, "tt0110912", 680),
    Film("The Shawshank Redemption", 1994, "tt0111161", 278),
    Film("Fight Club", 1999, "tt0137523", 550),
    Film("The Matrix", 1999, "tt0133093", 603),
    Film("Spirited Away", 2001, "tt0245429", 129),
]

SERVER_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
LIBRARY_ID = "f137a2dd21bbc1b99aa5c0f6bf02a805"
MACHINE_ID = "3dff4c4da3b1229a649aa574a9e2b419a684a20e"


def jellyfin_id(index: int) -> str:
    return f"{index + 1:032x}"  # Jellyfin writes ids as 32 hex digits, no dashes


def jellyfin_item(index: int, film: Film) -> dict[str, object]:
    ids: dict[str, str | None] = {"Imdb": film.imdb, "Tmdb": str(film.tmdb)}
    if film.title == "Casablanca":
        ids = {"Tmdb": str(film.tmdb), "Imdb": None}  # a film the server has no IMDb id for
    if film.title == "Spirited Away":
        ids = {}  # ... and one it has no ids for at all
    return {
        "Name": film.title,
        "ServerId": SERVER_ID,
        "Id": jellyfin_id(index),
        "DateLastSaved": f"2026-11-{index + 1:02d}T20:15:00.1234567Z",
        "ProductionYear": film.year,
        "ProviderIds": ids,
        "Type": "Movie",
        "UserData": {
            "PlaybackPositionTicks": 0,
            "PlayCount": 1 if index % 2 == 0 else 0,
            "IsFavorite": False,
            "Played": index % 2 == 0,  # City Lights, The Godfather, Shawshank, The Matrix
            "Rating": 8.0 if index == 0 else (1.0 if index == 3 else None),  # like / dislike
            "LastPlayedDate": "2026-10-31T21:00:00Z" if index % 2 == 0 else None,
            "Key": str(film.tmdb),
        },
    }


def jellyfin_items(seen: Seen) -> Reply:
    """``GET /Items`` as Jellyfin pages it: ``startIndex``/``limit`` over the library, in the
    order asked, with the total count."""
    start = int(seen.param("startIndex") or 0)
    limit = int(seen.param("limit") or 100)
    items = [jellyfin_item(i, film) for i, film in enumerate(FILMS)]
    return Reply.json(
        {"Items": items[start : start + limit], "TotalRecordCount": len(items), "StartIndex": start}
    )


def plex_film(index: int, film: Film) -> dict[str, object]:
    guids: list[dict[str, str]] = [
        {"id": f"imdb://{film.imdb}"},
        {"id": f"tmdb://{film.tmdb}"},
        {"id": "tvdb://12345"},
    ]
    guid = f"plex://movie/5d7768{index:018x}"
    if film.title == "Casablanca":  # the legacy agent: one id, in the film's own guid
        guids, guid = [], f"com.plexapp.agents.imdb://{film.imdb}?lang=en"
    found: dict[str, object] = {
        "ratingKey": str(1000 + index),
        "key": f"/library/metadata/{1000 + index}",
        "guid": guid,
        "type": "movie",
        "title": film.title,
        "year": film.year,
        "addedAt": 1_700_000_000 + index,
        "updatedAt": 1_760_000_000 + index * 86_400,
        "Guid": guids,
    }
    if index % 2 == 0:
        found |= {"viewCount": 2, "lastViewedAt": 1_761_955_200}  # 2025-11-01 00:00 UTC
    if index == 1:
        found["userRating"] = 9.0  # rated, not watched: 4.5 stars
    return found


def plex_section(key: str) -> Route:
    def answer(seen: Seen) -> Reply:
        start = int(seen.param("X-Plex-Container-Start") or 0)
        size = int(seen.param("X-Plex-Container-Size") or 50)
        films = [plex_film(i, film) for i, film in enumerate(FILMS)]
        if seen.param("sort") == "updatedAt:desc":
            films.reverse()
        page = films[start : start + size]
        return Reply.json(
            {
                "MediaContainer": {
                    "size": len(page),
                    "totalSize": len(films),
                    "offset": start,
                    "librarySectionID": key,
                    "Metadata": page,
                }
            }
        )

    return answer
