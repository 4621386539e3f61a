"""Use case: a new member rates their first films, one card at a time ("taste in a minute").

Each next card is chosen by :mod:`reelmates.taste.onboarding` from the member's answers so far:
the cards they answered here (rated, or "haven't seen it") count against the budget; ratings they
made elsewhere (a film page, a Letterboxd upload) inform the choice and are never asked again. A
rating is stored as a rating, so the member's picks change at once (fold-in); a skip is stored as
a skipped card, so it is not shown again, on any device.

The deck (the candidate films and what the chooser knows of them) is built once per model.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from reelmates.errors import ConflictError
from reelmates.services import films_page
from reelmates.services.accounts import Identity
from reelmates.services.films_page import FilmCard
from reelmates.services.taste import TasteContext
from reelmates.services.threads import one_blas_thread
from reelmates.store.onboarding import OnboardingRepository
from reelmates.store.ratings import RatingRepository
from reelmates.taste.base import Scorer
from reelmates.taste.onboarding import Answer, OnboardingConfig, OnboardingDeck, deck_for

CONFIG = OnboardingConfig()
BUDGET = CONFIG.budget
OFFER_BELOW = 5  # ratings: fewer, and the home page offers onboarding

_decks: weakref.WeakKeyDictionary[Scorer, OnboardingDeck] = weakref.WeakKeyDictionary()
_decks_lock = threading.Lock()


@dataclass(frozen=True)
class OnboardingStep:
    """Where the member is: the card to show next (None when there is none) and the count."""

    card: FilmCard | None
    answered: int  # cards answered here, "haven't seen it" included
    rated: int  # of those, films the member has a rating for now
    skipped: int
    budget: int = BUDGET
    note: str | None = None  # why there is no card while cards are left (no model, say)

    @property
    def number(self) -> int:
        """The card's number as the member sees it ("7 of 20")."""
        return self.answered + 1

    @property
    def finished(self) -> bool:
        return self.answered >= self.budget or (self.card is None and self.note is None)


def deck_of(scorer: Scorer) -> OnboardingDeck:
    """The model's deck, built on first use and kept while the model is served."""
    with _decks_lock:
        deck = _decks.get(scorer)
    if deck is None:
        with one_blas_thread():
            deck = deck_for(scorer, CONFIG)
        with _decks_lock:
            _decks[scorer] = deck
    return deck


def current_step(
    session: Session, context: TasteContext | None, me: Identity, *, no_model: str | None = None
) -> OnboardingStep:
    """The member's progress and the next card, chosen from their answers so far."""
    cards = OnboardingRepository(session).cards(me.person_id)
    ratings = dict(RatingRepository(session).for_person(me.person_id))
    answered = len(cards)
    rated = sum(1 for c in cards if c.film_id in ratings)

    def step(card: FilmCard | None, note: str | None = None) -> OnboardingStep:
        return OnboardingStep(card, answered, rated, answered - rated, note=note)

    if answered >= BUDGET:
        return step(None)
    if context is None:
        return step(None, no_model or "there is no taste model yet")
    item_of = context.catalog.item_of
    on_cards = {c.film_id for c in cards}
    # A card's answer is the member's rating now: a skipped film rated later counts as seen, a
    # rated card whose rating was cleared as not seen.
    answers = [
        Answer(item_of[c.film_id], ratings.get(c.film_id)) for c in cards if c.film_id in item_of
    ]
    known = [
        Answer(item_of[f], stars)
        for f, stars in ratings.items()
        if f in item_of and f not in on_cards
    ]
    deck = deck_of(context.scorer)
    with one_blas_thread():
        item = deck.next_card(answers, known=known, spent=answered)
    if item is None:
        return step(None)
    return step(films_page.film_card(session, int(context.catalog.film_ids[item])))


def answer_card(
    session: Session,
    context: TasteContext | None,
    me: Identity,
    film_id: int,
    stars: float | None,
    now: datetime,
    *,
    no_model: str | None = None,
) -> OnboardingStep:
    """Record one card's answer (``stars``, or None for "haven't seen it") and return the next
    step. Answering a card again changes its answer; a new card past the budget is refused."""
    if stars is not None:
        films_page.check_stars(stars)
    film = films_page.film_card(session, film_id)  # a 404 for a film not in the catalog
    cards = OnboardingRepository(session)
    already = any(c.film_id == film.film_id for c in cards.cards(me.person_id))
    if not already and cards.count(me.person_id) >= BUDGET:
        raise ConflictError(
            f"you have answered all {BUDGET} cards",
            hint="Rate more films from the catalog search, or see your picks.",
        )
    if stars is not None:
        films_page.rate(session, me.holder.handle, film.film_id, stars)
    cards.answer(me.person_id, film.film_id, skipped=stars is None, now=now)
    return current_step(session, context, me, no_model=no_model)


def should_offer(session: Session, me: Identity) -> bool:
    """True when the member has rated too few films for good picks and has cards left."""
    if len(RatingRepository(session).for_person(me.person_id)) >= OFFER_BELOW:
        return False
    return OnboardingRepository(session).count(me.person_id) < BUDGET
