"""``/api/onboarding``: the next card to rate and answering it (the same calls as the page)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from reelmates.services import onboarding
from reelmates.services.onboarding import OnboardingStep
from reelmates.web.deps import CurrentUser, SessionDep, now_utc
from reelmates.web.film_deps import TasteDep
from reelmates.web.ids import RowId

router = APIRouter(prefix="/api/onboarding", tags=["onboarding"])


class CardPublic(BaseModel):
    id: int
    title: str
    year: int | None
    genres: list[str]
    poster_url: str


class StepPublic(BaseModel):
    card: CardPublic | None = Field(description="The film to rate next; null when there is none.")
    number: int | None = Field(description="The card's number (7 in “7 of 20”).")
    answered: int = Field(description="Cards answered so far, “haven't seen it” included.")
    rated: int
    skipped: int
    budget: int
    finished: bool
    note: str | None = Field(description="Why there is no card while cards are left.")


class AnswerCreate(BaseModel):
    film_id: RowId
    stars: float | None = Field(description="0.5 to 5 in half stars; null: haven't seen it.")


def _step(request: Request, step: OnboardingStep) -> StepPublic:
    card = step.card
    return StepPublic(
        card=CardPublic(
            id=card.film_id,
            title=card.title,
            year=card.year,
            genres=list(card.genres),
            poster_url=str(request.url_for("film_poster", film_id=card.film_id).path),
        )
        if card
        else None,
        number=step.number if card else None,
        answered=step.answered,
        rated=step.rated,
        skipped=step.skipped,
        budget=step.budget,
        finished=step.finished,
        note=step.note,
    )


@router.get("/next", response_model=StepPublic)
def next_card(
    request: Request, session: SessionDep, me: CurrentUser, taste: TasteDep
) -> StepPublic:
    """The caller's progress and the next card, chosen from their answers so far."""
    return _step(request, onboarding.current_step(session, taste.context, me, no_model=taste.note))


@router.post("/answers", response_model=StepPublic)
def answer(
    request: Request, body: AnswerCreate, session: SessionDep, me: CurrentUser, taste: TasteDep
) -> StepPublic:
    """Answer a card (a rating is stored as a rating) and get the next one."""
    step = onboarding.answer_card(
        session, taste.context, me, body.film_id, body.stars, now_utc(), no_model=taste.note
    )
    return _step(request, step)
