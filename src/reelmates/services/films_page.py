"""Use cases of one member and one film: search the catalog, a film's page, and the member's own
marks on it (rating, seen, watchlist).

A rating counts in the member's picks at once: picks fold the member in from their stored
ratings on every request, so there is nothing to do but store it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy.orm import Session

from reelmates.catalog.identity import normalise_title
from reelmates.errors import ConflictError, InvalidValueError, NotFoundError, ReelmatesError
from reelmates.services.companions import companions_for_film
from reelmates.services.personal import PersonalOptions, PersonalPick, recommend_for_person
from reelmates.services.taste import ModelHolder, TasteContext
from reelmates.services.threads import one_blas_thread
from reelmates.services.together import GroupOptions, load_member
from reelmates.store.films import SEARCH_LIMIT, FilmRepository
from reelmates.store.friends import FriendshipRepository
from reelmates.store.models import Film, Person
from reelmates.store.people import PersonRepository
from reelmates.store.ratings import MarkRepository, RatingRepository
from reelmates.together.explain import Explainer
from reelmates.together.fold import histories
from reelmates.together.reasons import Reason, SeenNote

MIN_STARS, MAX_STARS = 0.5, 5.0
QUERY_MAX = 200  # characters of a search


@dataclass(frozen=True)
class FilmCard:
    """What a list entry or a poster shows of a film."""

    film_id: int
    title: str
    year: int | None
    genres: tuple[str, ...]


@dataclass(frozen=True)
class Prediction:
    """The member's predicted stars for a film, or why there are none (``note``)."""

    stars: float | None
    reason: Reason | None = None  # cites model items (``context.catalog.film_ids[item]``)
    note: str | None = None
    model: str | None = None  # the model that predicted


@dataclass(frozen=True)
class FilmDetails:
    film_id: int
    title: str
    year: int | None
    runtime_minutes: int | None
    genres: tuple[str, ...]
    director: str | None
    cast: tuple[str, ...]
    premise: str | None
    my_stars: float | None  # the member's own rating
    marked_seen: bool  # a seen mark (a rating means seen too: see ``seen``)
    on_watchlist: bool
    prediction: Prediction

    @property
    def seen(self) -> bool:
        return self.my_stars is not None or self.marked_seen


@dataclass(frozen=True)
class Marks:
    """A member's marks on one film after a change."""

    film_id: int
    stars: float | None
    seen: bool  # rated or marked seen
    on_watchlist: bool


# --- reading ---------------------------------------------------------------------------------


def search_films(session: Session, text: str, limit: int = SEARCH_LIMIT) -> list[FilmCard]:
    """Films by title, in any case and with or without a leading article ("dark knight")."""
    key = normalise_title(text[:QUERY_MAX])
    return [_card(f) for f in FilmRepository(session).search(key, limit)]


def film_card(session: Session, film_id: int) -> FilmCard:
    return _card(_require_film(session, film_id))


def taste_or_none(holder: ModelHolder) -> tuple[TasteContext | None, str | None]:
    """The model being served, or None and why (no model yet, none that loads): a page that
    can do without predictions says so instead of failing."""
    try:
        return holder.get(), None
    except ReelmatesError as exc:
        return None, exc.message


def film_details(
    session: Session,
    context: TasteContext | None,
    person: str,
    film_id: int,
    *,
    no_model: str | None = None,
) -> FilmDetails:
    """Everything the film page shows ``person``: facts, their marks, their predicted stars."""
    film = _require_film(session, film_id)
    member = _member(session, person)
    seen, watch = MarkRepository(session).film_marks(member.id, film_id)
    return FilmDetails(
        film_id=film.id,
        title=film.title,
        year=film.year,
        runtime_minutes=film.runtime_minutes,
        genres=film.genre_names,
        director=film.director,
        cast=tuple(film.leading_cast.split("|")) if film.leading_cast else (),
        premise=film.premise,
        my_stars=RatingRepository(session).stars_of(member.id, film_id),
        marked_seen=seen,
        on_watchlist=watch,
        prediction=_predict(session, context, member.handle, film_id, no_model),
    )


def _predict(
    session: Session,
    context: TasteContext | None,
    handle: str,
    film_id: int,
    no_model: str | None,
) -> Prediction:
    if context is None:
        return Prediction(None, note=no_model or "there is no taste model yet")
    model = context.scorer.describe()
    item = context.catalog.item_of.get(film_id)
    if item is None:
        return Prediction(
            None, note="this film is newer than the taste model: no prediction yet", model=model
        )
    if context.scorer.stars_model is None:
        return Prediction(None, note="this model predicts no stars", model=model)
    # Their own page: their films are cited even when their taste is private to others.
    member = replace(
        load_member(session, context.catalog, handle, GroupOptions(viewer=handle)), private=False
    )
    picks = np.array([item], dtype=np.intp)
    with one_blas_thread():
        hist = histories([member], context.catalog.facts.n_items)
        stars = float(context.scorer.predict_stars_matrix(hist, columns=picks)[0, 0])
        reason = Explainer(context.scorer.item_similarity, context.catalog.facts).reasons(
            member, picks
        )[0]
    if not math.isfinite(stars):
        return Prediction(None, note="the model cannot predict this film", model=model)
    return Prediction(stars=stars, reason=reason, model=model)


@dataclass(frozen=True)
class CompanionFit:
    """A friend as "who should I see this with?" shows them (their privacy kept)."""

    handle: str
    display_name: str
    stars: float  # their own rating when they have seen and rated it, else predicted
    seen: bool  # never set for a private friend
    seen_stars: float | None  # their rating, when they have seen and rated it
    reason: Reason | None  # why it would suit them (None when they have seen it)


@dataclass(frozen=True)
class FilmCompanions:
    friends: list[CompanionFit]  # the member's friends, who would enjoy it most first
    note: str | None = None  # why there are none


def film_companions(
    session: Session,
    context: TasteContext | None,
    person: str,
    film_id: int,
    *,
    no_model: str | None = None,
) -> FilmCompanions:
    """Who should ``person`` see this film with? Their friends ranked by how much each would
    enjoy it (``companions_for_film``), each with stars and a reason; a private friend's ratings
    and seen films never show."""
    film = _require_film(session, film_id)
    member = _member(session, person)
    mates = {f.handle: f for f in FriendshipRepository(session).friends_of(member.id)}
    if not mates:
        return FilmCompanions([], "add a friend to see who would enjoy it with you")
    if context is None:
        return FilmCompanions([], no_model or "there is no taste model yet")
    if film.id not in context.catalog.item_of:
        return FilmCompanions([], "this film is newer than the taste model")
    if context.scorer.stars_model is None:
        return FilmCompanions([], "this model predicts no stars")
    ranked = companions_for_film(session, context, member.handle, film.id, among=list(mates))
    fits = []
    for c in ranked:
        note = c.reason if isinstance(c.reason, SeenNote) else None
        fits.append(
            CompanionFit(
                handle=c.name,
                display_name=mates[c.name].display_name,
                stars=c.stars,
                seen=c.seen,
                seen_stars=note.stars if note else None,
                reason=c.reason if isinstance(c.reason, Reason) else None,
            )
        )
    return FilmCompanions(fits)


@dataclass(frozen=True)
class ForYou:
    picks: list[PersonalPick]  # empty when there is no model
    genres: list[str]  # the catalog's genres, for the filters


def for_you(
    session: Session,
    context: TasteContext | None,
    person: str,
    k: int,
    options: PersonalOptions,
    *,
    no_model: str | None = None,
    required: bool = False,
) -> ForYou:
    """The member's own top ``k`` unseen films and the genres to filter by. No model yet: no
    picks, or (``required``) a 404 saying why (``no_model``)."""
    member = _member(session, person)
    if context is None and required:
        raise NotFoundError(
            f"no picks yet: {no_model or 'there is no taste model'}",
            hint="The server's operator runs `reelmates train`; then try again.",
        )
    picks = (
        recommend_for_person(session, context, member.handle, k, options)
        if context is not None
        else []
    )
    return ForYou(picks=picks, genres=PersonRepository(session).catalog_genres())


def genres_of(context: TasteContext, film_id: int) -> tuple[str, ...]:
    """A film's genres as the model's catalog index knows them."""
    item = context.catalog.item_of.get(film_id)
    facts = context.catalog.facts
    if item is None or facts.genres is None:
        return ()
    return tuple(g for g, on in zip(facts.genre_names, facts.genres[item], strict=True) if on)


# --- the member's marks ----------------------------------------------------------------------


def check_stars(stars: float) -> float:
    """``stars`` when it is a rating (0.5 to 5 in half stars), else a 422 saying so."""
    if not math.isfinite(stars) or not MIN_STARS <= stars <= MAX_STARS or (stars * 2) % 1:
        raise InvalidValueError(
            f"{stars:g} is not a rating: ratings are 0.5 to 5 stars in half stars",
            hint="Choose one of 0.5, 1, 1.5 ... 4.5, 5.",
        )
    return stars


def rate(
    session: Session, person: str, film_id: int, stars: float, *, now: datetime | None = None
) -> Marks:
    """Rate (or re-rate) a film; counts in the member's picks at once. ``now``: when (UTC;
    default the clock's)."""
    check_stars(stars)
    member, film = _member(session, person), _require_film(session, film_id)
    rated_at = int((now or datetime.now(UTC)).timestamp())
    RatingRepository(session).set_rating(member.id, film.id, stars, rated_at=rated_at)
    session.flush()
    return _marks(session, member.id, film.id)


def unrate(session: Session, person: str, film_id: int) -> Marks:
    """Clear the member's rating (a seen mark, if any, stays)."""
    member, film = _member(session, person), _require_film(session, film_id)
    RatingRepository(session).delete_rating(member.id, film.id)
    return _marks(session, member.id, film.id)


def mark_seen(session: Session, person: str, film_id: int) -> Marks:
    member, film = _member(session, person), _require_film(session, film_id)
    MarkRepository(session).mark_seen(member.id, film.id, date.today())
    session.flush()
    return _marks(session, member.id, film.id)


def unmark_seen(session: Session, person: str, film_id: int) -> Marks:
    """Take the seen mark off; a rated film stays seen (its rating says so), which is refused."""
    member, film = _member(session, person), _require_film(session, film_id)
    if RatingRepository(session).stars_of(member.id, film.id) is not None:
        raise ConflictError(
            f"you rated {film.title}, so it counts as seen",
            hint="Clear your rating first if you have not seen it.",
        )
    MarkRepository(session).unmark_seen(member.id, film.id)
    return _marks(session, member.id, film.id)


def add_to_watchlist(session: Session, person: str, film_id: int) -> Marks:
    member, film = _member(session, person), _require_film(session, film_id)
    MarkRepository(session).add_to_watchlist(member.id, film.id, date.today())
    session.flush()
    return _marks(session, member.id, film.id)


def remove_from_watchlist(session: Session, person: str, film_id: int) -> Marks:
    member, film = _member(session, person), _require_film(session, film_id)
    MarkRepository(session).remove_from_watchlist(member.id, film.id)
    return _marks(session, member.id, film.id)


# --- helpers ---------------------------------------------------------------------------------


def _card(film: Film) -> FilmCard:
    return FilmCard(film_id=film.id, title=film.title, year=film.year, genres=film.genre_names)


def _require_film(session: Session, film_id: int) -> Film:
    film = FilmRepository(session).get(film_id)
    if film is None:
        raise NotFoundError(
            f"no film with id {film_id} in the catalog", hint="Search the catalog for it."
        )
    return film


def _member(session: Session, handle: str) -> Person:
    person = PersonRepository(session).by_handle(handle)
    if person is None or person.kind != "member":
        raise NotFoundError(f"no member called {handle!r}")
    return person


def _marks(session: Session, person_id: int, film_id: int) -> Marks:
    seen, watch = MarkRepository(session).film_marks(person_id, film_id)
    stars = RatingRepository(session).stars_of(person_id, film_id)
    return Marks(film_id, stars, seen or stars is not None, watch)
