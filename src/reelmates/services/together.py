"""Use case: rank films for a group of people from their current ratings, marks and watchlists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from sqlalchemy.orm import Session

from reelmates.catalog.identity import normalise_title, split_title_year
from reelmates.errors import NotFoundError, ReelmatesError
from reelmates.services.catalog_index import CatalogIndex
from reelmates.services.taste import TasteContext
from reelmates.services.threads import one_blas_thread
from reelmates.store.films import FilmRepository
from reelmates.store.people import PersonRepository
from reelmates.store.ratings import MarkRepository, RatingRepository
from reelmates.together.inputs import BoolArray, Filters, Member, SeenPolicy
from reelmates.together.masks import runtime_unknown
from reelmates.together.ranker import GroupRanker, GroupRanking
from reelmates.together.strategies import DEFAULT_STRATEGY, Strategy
from reelmates.together.turns import PastNight

MIN_GROUP, MAX_GROUP = 2, 8


@dataclass(frozen=True)
class NightRecord:
    """One past night of the group, as the fairness nudge reads it (``together.turns``).

    ``film_id``: the catalog id of the film watched. ``stars``: each person who was there, by
    handle (any case) → their stars for the film afterwards, 0.5–5, or None while they have not
    rated it (the model's prediction stands in). Someone not listed was not there; a handle not
    in tonight's group is ignored (they are not here to be nudged toward). A private member's
    stars are never read: only the prediction counts for them (``reelmates.privacy``).
    """

    film_id: int
    stars: Mapping[str, float | None]


@dataclass(frozen=True)
class GroupOptions:
    k: int = 10
    strategy: Strategy = DEFAULT_STRATEGY
    filters: Filters = field(default_factory=Filters)
    seen_policy: SeenPolicy = SeenPolicy.PREFER_UNSEEN
    private: frozenset[str] = frozenset()  # members whose ratings others must not see
    vetoed_films: Mapping[str, frozenset[int]] = field(default_factory=dict)  # handle → film ids
    vetoed_genres: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # The member looking at the result: they see their own details even when their taste is
    # private. None: the view everyone may see (a shared screen, the terminal).
    viewer: str | None = None
    # The group's past nights, oldest first (the caller loads them: the nights this group, or
    # some of it, had). With ``nudge`` on, the ranking leans a little toward the member served
    # least so far and says whose turn it is; the group may turn it off. No history: no nudge.
    history: Sequence[NightRecord] = ()
    nudge: bool = True
    # Catalog ids of the only films the group may be offered (e.g. those it can watch tonight,
    # ``services.media.available``); None: every film. Applied as a candidate mask, like vetoes.
    available_films: frozenset[int] | None = None


@dataclass(frozen=True)
class GroupPick:
    ranking: GroupRanking
    film_ids: tuple[int, ...]  # database ids of ranking.picks, in order
    years: tuple[int | None, ...]
    model: str
    # For each pick: a --max-runtime was asked for and its runtime is unknown (shown, and marked
    # "runtime unknown": a film is never hidden for a fact we lack).
    runtime_unknown: tuple[bool, ...] = ()


def load_member(
    session: Session, catalog: CatalogIndex, handle: str, options: GroupOptions
) -> Member:
    """A person as the group engine needs them, from what the database says right now."""
    return load_members(session, catalog, [handle], options)[0]


def load_members(
    session: Session, catalog: CatalogIndex, handles: Sequence[str], options: GroupOptions
) -> list[Member]:
    """:func:`load_member` of each handle, in a handful of queries for the whole group (a pick
    runs on every watch-together page)."""
    people = PersonRepository(session)
    persons = people.require_many(handles)
    ids = [p.id for p in persons]
    stored = people.preferences_of(persons)  # kept with the person: applies to every group
    ratings = RatingRepository(session).arrays_for_people(ids)
    marks = MarkRepository(session)
    seen, watchlists = marks.seen_of(ids), marks.watchlist_of(ids)
    members = []
    for handle, person in zip(handles, persons, strict=True):
        rated_films, rated_stars = ratings[person.id]
        mine = stored[person.id]
        seen_only = np.array(sorted(seen[person.id] - set(rated_films.tolist())), dtype=np.int64)
        in_rated, rated_items = catalog.item_positions(rated_films)
        in_seen, seen_items = catalog.item_positions(seen_only)
        members.append(
            Member(
                id=str(person.id),
                name=person.handle,
                seen=np.concatenate([rated_items, seen_items]).astype(np.intp),
                seen_stars=np.concatenate([rated_stars[in_rated], np.full(in_seen.sum(), np.nan)]),
                watchlist=catalog.items(sorted(watchlists[person.id])),
                vetoed_items=catalog.items(
                    sorted(mine.vetoed_films | options.vetoed_films.get(handle, frozenset()))
                ),
                vetoed_genres=mine.vetoed_genres | options.vetoed_genres.get(handle, frozenset()),
                private=(mine.private or handle in options.private)
                and not _is_viewer(handle, options),
            )
        )
    return members


def _is_viewer(handle: str, options: GroupOptions) -> bool:
    return options.viewer is not None and options.viewer.casefold() == handle.casefold()


def check_option_names(handles: Sequence[str], options: GroupOptions) -> GroupOptions:
    """``options`` with its per-member names spelt as the group lists them (handles match in any
    case); a name that is not in the group is an error, never silently ignored."""
    by_key = {h.casefold(): h for h in handles}

    def canon(name: str, option: str) -> str:
        found = by_key.get(name.casefold())
        if found is None:
            raise NotFoundError(
                f"{option} names {name!r}, who is not in this group ({', '.join(handles)})",
                hint="Use the names given for the group.",
            )
        return found

    return replace(
        options,
        private=frozenset(canon(n, "--private") for n in options.private),
        vetoed_films={canon(n, "--veto-film"): v for n, v in options.vetoed_films.items()},
        vetoed_genres={canon(n, "--veto-genre"): v for n, v in options.vetoed_genres.items()},
        viewer=None if options.viewer is None else canon(options.viewer, "the viewer"),
        history=tuple(
            NightRecord(
                night.film_id,
                {by_key[h.casefold()]: v for h, v in night.stars.items() if h.casefold() in by_key},
            )
            for night in options.history
        ),
    )


def past_nights(
    catalog: CatalogIndex, history: Sequence[NightRecord], names: Mapping[str, str]
) -> list[PastNight]:
    """The nights as the group engine reads them: films as model items (None for a film newer
    than the model: only the stars given count), members by their name in the engine (``names``:
    the group's handle as listed → ``Member.name``), stars checked to be 0.5–5."""
    nights = []
    for night in history:
        for handle, stars in night.stars.items():
            if stars is not None and not 0.5 <= stars <= 5.0:
                raise ReelmatesError(
                    f"{handle}'s stars for a past night must be 0.5 to 5, not {stars:g}"
                )
        item = catalog.item_of.get(night.film_id)
        there = {names[h]: v for h, v in night.stars.items() if h in names}
        nights.append(PastNight(None if item is None else int(item), there))
    return nights


def pick_together(
    session: Session,
    context: TasteContext,
    members_handles: Sequence[str],
    options: GroupOptions | None = None,
) -> GroupPick:
    """The group's picks, read in the caller's unit of work (``session``) with the model in
    ``context`` (``ModelHolder.get()``)."""
    options = options or GroupOptions()
    handles = list(members_handles)
    if not MIN_GROUP <= len(set(handles)) <= MAX_GROUP or len(set(handles)) != len(handles):
        raise ReelmatesError(
            f"a group is {MIN_GROUP} to {MAX_GROUP} different people; got {', '.join(handles)}"
        )
    options = check_option_names(handles, options)
    members = load_members(session, context.catalog, handles, options)
    with one_blas_thread():
        ranking = GroupRanker(context.scorer, context.catalog.facts).rank(
            members,
            k=options.k,
            strategy=options.strategy,
            filters=options.filters,
            seen_policy=options.seen_policy,
            history=past_nights(
                context.catalog,
                options.history,
                {h: m.name for h, m in zip(handles, members, strict=True)},
            ),
            nudge=options.nudge,
            allowed=allowed_mask(context.catalog, options.available_films),
        )
    items = np.array([p.item for p in ranking.picks], dtype=np.intp)
    film_ids = tuple(int(context.catalog.film_ids[i]) for i in items.tolist())
    return GroupPick(
        ranking=ranking,
        film_ids=film_ids,
        years=tuple(context.catalog.years.get(f) for f in film_ids),
        model=context.scorer.describe(),
        runtime_unknown=tuple(
            runtime_unknown(options.filters, context.catalog.facts, items).tolist()
        ),
    )


def allowed_mask(catalog: CatalogIndex, film_ids: frozenset[int] | None) -> BoolArray | None:
    """One flag per model item: the film is one of ``film_ids`` (None: no restriction)."""
    if film_ids is None:
        return None
    mask = np.zeros(catalog.facts.n_items, dtype=bool)
    mask[catalog.items(sorted(film_ids))] = True
    return mask


def find_films(session: Session, titles: Iterable[str]) -> frozenset[int]:
    """Catalog ids of films named by title, of any year unless it says "Title (1994)"; an
    unknown title is an error."""
    found: set[int] = set()
    films = FilmRepository(session)
    for title in titles:
        name, year = split_title_year(title)
        matches = films.find_by_title(normalise_title(name), year)
        if not matches:
            raise NotFoundError(f"no film called {title!r} in the catalog")
        found.update(f.id for f in matches)
    return frozenset(found)
