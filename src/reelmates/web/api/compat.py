"""``/api/friends/{handle}/compatibility``: the friend page's figures as JSON."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from reelmates.services.compat import friend_compatibility
from reelmates.together.compat import Agreement
from reelmates.web.api.friends import FriendPublic
from reelmates.web.deps import CurrentUser, SessionDep
from reelmates.web.film_deps import TasteDep
from reelmates.web.friend_deps import FriendDep

router = APIRouter(prefix="/api/friends", tags=["friends"])


class AgreementPublic(BaseModel):
    label: str = Field(description='A genre ("Comedy") or a decade ("1990s").')
    films: int
    my_stars: float = Field(description="Your mean predicted stars over those films.")
    their_stars: float = Field(description="Your friend's mean predicted stars.")
    difference: float = Field(description="Mean absolute difference of your stars, film by film.")
    agreement: float = Field(description="0–100: 100 · (1 − difference / 4.5).")


class SharedPublic(BaseModel):
    films: int = Field(description="Films you both rated.")
    difference: float
    agreement: float


class ModelPublic(BaseModel):
    trained_at: datetime
    ratings: int


class CompatibilityPublic(BaseModel):
    friend: FriendPublic
    overall: float | None = Field(
        description="0–100: 50 · (1 + r), r the correlation of your predicted stars' departures "
        "from a newcomer's; None when there is too little to say (or no model: see note)."
    )
    films: int = Field(description="Films compared for the overall figure.")
    private: bool = Field(
        description="Your friend's taste is private: the overall figure only, no breakdown."
    )
    genres: list[AgreementPublic]
    decades: list[AgreementPublic]
    most_different: str | None = Field(description="The genre where you agree least.")
    shared: SharedPublic | None
    note: str | None = Field(description="Why there are no figures (no taste model yet).")
    model: ModelPublic | None


def _agreement(a: Agreement) -> AgreementPublic:
    return AgreementPublic(
        label=a.label,
        films=a.films,
        my_stars=a.stars[0],
        their_stars=a.stars[1],
        difference=a.difference,
        agreement=a.agreement,
    )


@router.get("/{handle}/compatibility", response_model=CompatibilityPublic)
def compatibility(
    session: SessionDep, me: CurrentUser, friend: FriendDep, taste: TasteDep
) -> CompatibilityPublic:
    seen = friend_compatibility(
        session, taste.context, me.holder.handle, friend, no_model=taste.note
    )
    result, shared, meta = seen.result, seen.shared, seen.meta
    worst = result.most_different if result else None
    return CompatibilityPublic(
        friend=FriendPublic(
            person_id=friend.person_id, handle=friend.handle, display_name=friend.display_name
        ),
        overall=seen.overall,
        films=result.films if result else 0,
        private=seen.private,
        genres=[_agreement(g) for g in result.genres] if result else [],
        decades=[_agreement(d) for d in result.decades] if result else [],
        most_different=worst.label if worst else None,
        shared=SharedPublic(
            films=shared.films, difference=shared.difference, agreement=shared.agreement
        )
        if shared
        else None,
        note=seen.note,
        model=ModelPublic(trained_at=datetime.fromisoformat(meta.trained_at), ratings=meta.ratings)
        if meta
        else None,
    )
