"""Repository of the onboarding cards a member answered (rated or skipped; see 0006)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reelmates.store.models import OnboardingCard


@dataclass(frozen=True, slots=True)
class AnsweredCard:
    film_id: int
    skipped: bool


class OnboardingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def cards(self, person_id: int) -> list[AnsweredCard]:
        """The member's answered cards, oldest first."""
        rows = self.session.execute(
            select(OnboardingCard.film_id, OnboardingCard.skipped)
            .where(OnboardingCard.person_id == person_id)
            .order_by(OnboardingCard.answered_at, OnboardingCard.film_id)
        )
        return [AnsweredCard(int(f), bool(s)) for f, s in rows]

    def count(self, person_id: int) -> int:
        found = self.session.scalar(
            select(func.count())
            .select_from(OnboardingCard)
            .where(OnboardingCard.person_id == person_id)
        )
        return int(found or 0)

    def answer(self, person_id: int, film_id: int, *, skipped: bool, now: datetime) -> bool:
        """Record a card's answer; a card answered again keeps its place and takes the new
        answer. True when the card is new."""
        card = self.session.get(OnboardingCard, (person_id, film_id))
        if card is not None:
            card.skipped = skipped
            self.session.flush()
            return False
        self.session.add(
            OnboardingCard(person_id=person_id, film_id=film_id, skipped=skipped, answered_at=now)
        )
        self.session.flush()
        return True
