"""A 1,000-film Jellyfin library of recorded shape over the bundled starter catalog, and what
its sync must find, worked out from how it is built:

- the catalog is the starter catalog (772 real titles and years) less 100 films held out;
- 300 catalog films are given provider ids here, in the test's own setup (the starter catalog
  has none, and these ids are made up: tt95xxxxx / 95xxxx), 150 an IMDb id and 150 a TMDB id;
  the server lists them under other titles, so only the ids can match them;
- 350 other catalog films, by title alone, spelt the ways servers spell them: as is, in capitals,
  the article moved to the end ("Godfather, The"), dots for spaces (a file's name), or a year
  off by one;
- the 100 held-out films: the catalog lacks them, so the sync adds them (50 with made-up ids);
- 20 catalog films listed twice in the catalog (same title and year): ambiguous, and 10 films
  with no usable title: 30 unmatched;
- a second library ("4K") holds 220 copies of films above (110 by id, 110 by title).

1,000 films: 410 matched by id, 460 by title, 100 added, 30 unmatched (97% placed).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from library_fake import FakeLibraryClient
from sqlalchemy.orm import Session

from reelmates.catalog.identity import normalise_title, title_keys
from reelmates.importers.starter import load_starter_films
from reelmates.media.base import ServerFilm
from reelmates.services.films import FilmUpserter
from reelmates.store.models import Film

RECORDED_AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # when the server last changed them
SERVER = "http://jellyfin.lan:8096"
NO_TITLES = ("", "   ", "???", "…", "-", "()", "[]", "!!", "__", "—")


def item_id(n: int) -> str:
    """A Jellyfin item id: 32 hex digits."""
    return hashlib.md5(f"item-{n}".encode()).hexdigest()


def web_url(item: str) -> str:
    return f"{SERVER}/web/index.html#!/details?id={item}&serverId=4f1a0c"


def spelt(title: str, n: int) -> tuple[str, int]:
    """One of the spellings a server gives a title (n picks), and the year shift."""
    how = n % 5
    if how == 1:
        return title.upper(), 0
    if how == 2 and title.startswith("The "):
        return f"{title[4:]}, The", 0
    if how == 2:
        return title.lower(), 0
    if how == 3:
        return title.replace(" ", "."), 0
    if how == 4:
        return title, 1
    return title, 0


@dataclass
class Library1000:
    client: FakeLibraryClient
    by_id: list[ServerFilm] = field(default_factory=list)  # library "films"
    by_title: list[ServerFilm] = field(default_factory=list)
    new: list[ServerFilm] = field(default_factory=list)
    unmatched: list[ServerFilm] = field(default_factory=list)
    copies: list[ServerFilm] = field(default_factory=list)  # library "4k"
    film_of: dict[str, int] = field(default_factory=dict)  # item id → catalog film (matched)

    @property
    def all(self) -> list[ServerFilm]:
        return self.by_id + self.by_title + self.new + self.unmatched + self.copies


def build_library(session: Session) -> Library1000:
    """Write the catalog (see the module's notes) and return the server that lists the films."""
    starter = load_starter_films()
    keys: dict[str, int] = {}
    for record in starter:
        for key in title_keys(record.title):
            keys[key] = keys.get(key, 0) + 1
    unique = [r for r in starter if all(keys[k] == 1 for k in title_keys(r.title))]
    shared = [r for r in starter if r not in unique]
    held_out, by_title, twins = unique[:100], unique[100:450], unique[450:470]
    by_id = (shared + unique[470:])[:300]
    assert len(by_id) == 300 and len(twins) == 20

    mapping = FilmUpserter(session, id_space=None).upsert([r for r in starter if r not in held_out])
    film_id = {r.source_id: mapping.ids[r.source_id] for r in starter if r not in held_out}
    for n, record in enumerate(by_id):  # the made-up provider ids (see the module's notes)
        film = session.get(Film, film_id[record.source_id])
        assert film is not None
        if n < 150:
            film.imdb_id = f"tt95{n:05d}"
        else:
            film.tmdb_id = 950_000 + n
    for record in twins:  # a second catalog entry of the same title and year
        session.add(
            Film(title=record.title, title_key=normalise_title(record.title), year=record.year)
        )
    session.flush()

    client = FakeLibraryClient()
    client.add_library("f137a2dd21bbc1b99aa5c0f6bf02a805", "Films")
    client.add_library("0c5d2f0e8a4e4b1f9d3c6a7b8e9f0a1b", "4K")
    films, fourk = (lib.external_id for lib in client.libs)
    lib = Library1000(client)
    counter = iter(range(10_000))

    def film(library: str, title: str, year: int | None, **ids: object) -> ServerFilm:
        item = item_id(next(counter))
        made = ServerFilm(
            external_id=item,
            library_id=library,
            title=title,
            year=year,
            updated_at=RECORDED_AT,
            web_url=web_url(item),
            **ids,  # type: ignore[arg-type]
        )
        client.put(made)
        return made

    for n, record in enumerate(by_id):
        ids: dict[str, object] = (
            {"imdb_id": f"tt95{n:05d}"} if n < 150 else {"tmdb_id": 950_000 + n}
        )
        made = film(films, f"Film {n} (version originale)", record.year, **ids)
        lib.by_id.append(made)
        lib.film_of[made.external_id] = film_id[record.source_id]
    for n, record in enumerate(by_title):
        title, shift = spelt(record.title, n)
        made = film(films, title, None if record.year is None else record.year + shift)
        lib.by_title.append(made)
        lib.film_of[made.external_id] = film_id[record.source_id]
    for n, record in enumerate(held_out):
        ids = {"imdb_id": f"tt96{n:05d}", "tmdb_id": 960_000 + n} if n < 50 else {}
        lib.new.append(film(films, record.title, record.year, **ids))
    for record in twins:
        lib.unmatched.append(film(films, record.title, record.year))
    for title in NO_TITLES:
        lib.unmatched.append(film(films, title, 2001))
    for original in lib.by_id[:110] + lib.by_title[:110]:
        ids = {"imdb_id": original.imdb_id, "tmdb_id": original.tmdb_id}
        copy = film(fourk, original.title, original.year, **ids)
        lib.copies.append(copy)
        lib.film_of[copy.external_id] = lib.film_of[original.external_id]
    assert len(lib.all) == 1_000
    return lib
