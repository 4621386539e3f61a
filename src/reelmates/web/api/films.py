"""``/api``: catalog search, a film's details, the caller's rating, seen mark and watchlist
entry on it, their own "on disc" / "on a service" marks, and their own picks (the same service
calls as the pages)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from reelmates.services import films_page
from reelmates.services.films_page import FilmCard, Marks
from reelmates.services.media import marks as media_marks
from reelmates.services.media.marks import MarkKind, MyMark
from reelmates.services.taste import TasteContext
from reelmates.together.reasons import Reason
from reelmates.together.wording import plain, reason_parts
from reelmates.web.deps import CurrentUser, SessionDep, now_utc
from reelmates.web.film_deps import PicksQueryDep, TasteDep
from reelmates.web.ids import RowId
from reelmates.web.reasons import reason_view

router = APIRouter(prefix="/api", tags=["films"])


class FilmBase(BaseModel):
    id: int
    title: str
    year: int | None
    genres: list[str]


class FilmPublic(FilmBase):
    pass


class ReasonPartPublic(BaseModel):
    text: str
    title: bool = Field(description="This part is a film title (plain text, never markup).")
    film_id: int | None = Field(description="The film a title part names.")


class ReasonPublic(BaseModel):
    kind: str
    text: str = Field(description="The reason as one plain line.")
    parts: list[ReasonPartPublic]


class PredictionPublic(BaseModel):
    stars: float | None
    reason: ReasonPublic | None
    note: str | None = Field(description="Why there is no prediction, when there is none.")
    model: str | None


class CompanionPublic(BaseModel):
    handle: str
    display_name: str
    stars: float = Field(description="Their own rating when they have seen and rated it.")
    seen: bool = Field(description="They have seen it (never shown of a private friend).")
    seen_stars: float | None
    reason: ReasonPublic | None = Field(description="Why it would suit them (unless seen).")


class FilmDetailsPublic(FilmBase):
    runtime_minutes: int | None
    director: str | None
    cast: list[str]
    premise: str | None
    my_stars: float | None
    seen: bool
    on_watchlist: bool
    prediction: PredictionPublic
    companions: list[CompanionPublic] = Field(
        description="Who should I see this with? Your friends, who would enjoy it most first."
    )
    companions_note: str | None = Field(description="Why there are no companions, if none.")


class RatingCreate(BaseModel):
    stars: float = Field(description="0.5 to 5 in half stars.")


class MarksPublic(BaseModel):
    film_id: int
    stars: float | None
    seen: bool
    on_watchlist: bool


class PickPublic(FilmBase):
    stars: float | None = Field(description="Predicted stars.")
    runtime_unknown: bool
    reason: ReasonPublic


def _film(card: FilmCard) -> FilmPublic:
    return FilmPublic(id=card.film_id, title=card.title, year=card.year, genres=list(card.genres))


def reason_public(reason: Reason, context: TasteContext, *, viewers: bool = True) -> ReasonPublic:
    """``viewers`` False: another member's reason, worded about them (see ``reason_view``)."""
    parts = reason_view(reason, context.catalog, viewers=viewers)
    return ReasonPublic(
        kind=str(reason.kind),
        text=plain(reason_parts(reason, with_name=False, to_member=viewers)),
        parts=[ReasonPartPublic(text=p.text, title=p.title, film_id=p.film_id) for p in parts],
    )


def _marks(marks: Marks) -> MarksPublic:
    return MarksPublic(
        film_id=marks.film_id, stars=marks.stars, seen=marks.seen, on_watchlist=marks.on_watchlist
    )


@router.get("/films", response_model=list[FilmPublic])
def search(session: SessionDep, me: CurrentUser, q: str = "") -> list[FilmPublic]:
    return [_film(c) for c in films_page.search_films(session, q)] if q.strip() else []


@router.get("/films/{film_id}", response_model=FilmDetailsPublic)
def film(
    session: SessionDep, me: CurrentUser, taste: TasteDep, film_id: RowId
) -> FilmDetailsPublic:
    d = films_page.film_details(
        session, taste.context, me.holder.handle, film_id, no_model=taste.note
    )
    p = d.prediction
    reason = reason_public(p.reason, taste.context) if p.reason and taste.context else None
    mates = films_page.film_companions(
        session, taste.context, me.holder.handle, film_id, no_model=taste.note
    )
    companions = [
        CompanionPublic(
            handle=c.handle,
            display_name=c.display_name,
            stars=c.stars,
            seen=c.seen,
            seen_stars=c.seen_stars,
            reason=(
                reason_public(c.reason, taste.context, viewers=False)
                if c.reason and taste.context
                else None
            ),
        )
        for c in mates.friends
    ]
    return FilmDetailsPublic(
        id=d.film_id,
        title=d.title,
        year=d.year,
        genres=list(d.genres),
        runtime_minutes=d.runtime_minutes,
        director=d.director,
        cast=list(d.cast),
        premise=d.premise,
        my_stars=d.my_stars,
        seen=d.seen,
        on_watchlist=d.on_watchlist,
        prediction=PredictionPublic(stars=p.stars, reason=reason, note=p.note, model=p.model),
        companions=companions,
        companions_note=mates.note,
    )


@router.post("/films/{film_id}/rating", response_model=MarksPublic)
def rate(body: RatingCreate, session: SessionDep, me: CurrentUser, film_id: RowId) -> MarksPublic:
    return _marks(films_page.rate(session, me.holder.handle, film_id, body.stars))


@router.delete("/films/{film_id}/rating", response_model=MarksPublic)
def unrate(session: SessionDep, me: CurrentUser, film_id: RowId) -> MarksPublic:
    return _marks(films_page.unrate(session, me.holder.handle, film_id))


@router.post("/films/{film_id}/seen", response_model=MarksPublic)
def seen(session: SessionDep, me: CurrentUser, film_id: RowId) -> MarksPublic:
    return _marks(films_page.mark_seen(session, me.holder.handle, film_id))


@router.delete("/films/{film_id}/seen", response_model=MarksPublic)
def unseen(session: SessionDep, me: CurrentUser, film_id: RowId) -> MarksPublic:
    return _marks(films_page.unmark_seen(session, me.holder.handle, film_id))


@router.post("/films/{film_id}/watchlist", response_model=MarksPublic)
def watch(session: SessionDep, me: CurrentUser, film_id: RowId) -> MarksPublic:
    return _marks(films_page.add_to_watchlist(session, me.holder.handle, film_id))


@router.delete("/films/{film_id}/watchlist", response_model=MarksPublic)
def unwatch(session: SessionDep, me: CurrentUser, film_id: RowId) -> MarksPublic:
    return _marks(films_page.remove_from_watchlist(session, me.holder.handle, film_id))


@router.get("/picks", response_model=list[PickPublic])
def picks(
    session: SessionDep, me: CurrentUser, taste: TasteDep, query: PicksQueryDep
) -> list[PickPublic]:
    """The caller's own top unseen films (404 while there is no model)."""
    found = films_page.for_you(
        session,
        taste.context,
        me.holder.handle,
        query.k,
        query.options,
        no_model=taste.note,
        required=True,
    )
    context = taste.context
    assert context is not None  # for_you refused otherwise
    return [
        PickPublic(
            id=p.film_id,
            title=p.title,
            year=p.year,
            genres=list(films_page.genres_of(context, p.film_id)),
            stars=p.stars if p.stars == p.stars else None,
            runtime_unknown=p.runtime_unknown,
            reason=reason_public(p.reason, context),
        )
        for p in found.picks
    ]


# --- "we own it on disc", "it's on a service I have" -------------------------------------------


class MediaMarkCreate(BaseModel):
    note: str = Field(
        default="",
        max_length=500,
        description=f'Where, in a few words (e.g. "Netflix"); at most '
        f"{media_marks.NOTE_LIMIT} characters once spaces are tidied.",
    )


class MediaMarkPublic(BaseModel):
    film: FilmBase
    kind: MarkKind = Field(description="disc: we own it on disc; service: it's on a service.")
    note: str
    text: str = Field(description='As pages say it: "It\'s on a service I have: Netflix".')


def _media_mark(mark: MyMark, context: TasteContext | None) -> MediaMarkPublic:
    genres = list(films_page.genres_of(context, mark.film_id)) if context else []
    return MediaMarkPublic(
        film=FilmBase(id=mark.film_id, title=mark.title, year=mark.year, genres=genres),
        kind=mark.kind,
        note=mark.note,
        text=mark.text,
    )


@router.get("/me/marks", response_model=list[MediaMarkPublic])
def my_media_marks(session: SessionDep, me: CurrentUser, taste: TasteDep) -> list[MediaMarkPublic]:
    """Your own marks of films you can watch without a media server, by film. They count toward
    what a group you are in can watch ("only what we can watch"), named by your display name."""
    return [_media_mark(m, taste.context) for m in media_marks.my_marks(session, me.person_id)]


@router.put("/films/{film_id}/marks/{kind}", response_model=MediaMarkPublic)
def set_media_mark(
    session: SessionDep,
    me: CurrentUser,
    taste: TasteDep,
    film_id: RowId,
    kind: MarkKind,
    body: MediaMarkCreate | None = None,
) -> MediaMarkPublic:
    """Mark the film as one you own on disc (`disc`) or have on a service (`service`), with an
    optional note; setting it again changes the note. 404 for a film not in the catalog."""
    note = body.note if body else ""
    mark = media_marks.set_mark(session, me.person_id, film_id, kind, note, now_utc())
    return _media_mark(mark, taste.context)


@router.delete("/films/{film_id}/marks/{kind}", status_code=204)
def remove_media_mark(session: SessionDep, me: CurrentUser, film_id: RowId, kind: MarkKind) -> None:
    """Take your mark off the film (nothing changes when there was none)."""
    media_marks.remove_mark(session, me.person_id, film_id, kind)
