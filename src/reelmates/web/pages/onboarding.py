"""Onboarding pages: rate your first films one card at a time, a tap per star value or
"haven't seen it"; plain forms, so it works without JavaScript."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from reelmates.errors import InvalidValueError
from reelmates.services import onboarding
from reelmates.web.deps import CurrentUser, SessionDep, now_utc
from reelmates.web.film_deps import TasteDep
from reelmates.web.pages.films import STAR_VALUES
from reelmates.web.templating import render

router = APIRouter(prefix="/onboarding")

UNSEEN = "unseen"


def answer_stars(answer: str) -> float | None:
    """A card's form answer: a star value, or "unseen" (haven't seen it)."""
    if answer == UNSEEN:
        return None
    try:
        return float(answer)
    except ValueError:
        raise InvalidValueError(
            f"{answer[:20]!r} is not an answer: choose a star value or “haven't seen it”"
        ) from None


@router.get("", name="onboarding_page")
def onboarding_page(
    request: Request, session: SessionDep, me: CurrentUser, taste: TasteDep
) -> Response:
    step = onboarding.current_step(session, taste.context, me, no_model=taste.note)
    context = {
        "title": "Rate your first films",
        "step": step,
        "star_values": STAR_VALUES,
        "unseen": UNSEEN,
    }
    return render(request, "onboarding.html", context)


@router.post("/answers", name="answer_onboarding_card")
def answer_card(
    request: Request,
    session: SessionDep,
    me: CurrentUser,
    taste: TasteDep,
    film_id: Annotated[int, Form()],
    answer: Annotated[str, Form(max_length=20)],
) -> Response:
    onboarding.answer_card(
        session, taste.context, me, film_id, answer_stars(answer), now_utc(), no_model=taste.note
    )
    return RedirectResponse(str(request.url_for("onboarding_page").path), status_code=303)
