"""Pages: catalog search, a film's page (with its poster) and the member's buttons on it, and
"For you", the member's own picks."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from reelmates.services import films_page, posters
from reelmates.services.media import marks as media_marks
from reelmates.web.deps import CurrentUser, PostersDep, SessionDep, now_utc
from reelmates.web.film_deps import PicksQueryDep, TasteDep
from reelmates.web.ids import RowId
from reelmates.web.model_line import context_line
from reelmates.web.posters import poster_svg
from reelmates.web.reasons import reason_view
from reelmates.web.templating import render

router = APIRouter()

STAR_VALUES = tuple(n / 2 for n in range(1, 11))


def trailer_url(title: str, year: int | None) -> str:
    words = f"{title} {year} trailer" if year else f"{title} trailer"
    return "https://www.youtube.com/results?" + urlencode({"search_query": words})


def where_to_watch_url(title: str, year: int | None) -> str:
    words = f"{title} {year}" if year else title
    return "https://www.justwatch.com/us/search?" + urlencode({"q": words})


def _back_to_film(request: Request, film_id: int) -> RedirectResponse:
    return RedirectResponse(str(request.url_for("film_page", film_id=film_id).path), 303)


@router.get("/films", name="films_search")
def search(
    request: Request, session: SessionDep, me: CurrentUser, q: str | None = None
) -> Response:
    hits = films_page.search_films(session, q) if q and q.strip() else []
    context = {"title": "Find a film", "q": q or "", "hits": hits}
    return render(request, "films.html", context)


@router.get("/films/{film_id}", name="film_page")
def film_page(
    request: Request, session: SessionDep, me: CurrentUser, taste: TasteDep, film_id: RowId
) -> Response:
    film = films_page.film_details(
        session, taste.context, me.holder.handle, film_id, no_model=taste.note
    )
    reason = film.prediction.reason
    companions = films_page.film_companions(
        session, taste.context, me.holder.handle, film_id, no_model=taste.note
    )
    context = {
        "title": film.title,
        "film": film,
        "reason": reason_view(reason, taste.context.catalog) if reason and taste.context else [],
        "stale": taste.context.stale_reason if taste.context else None,
        "star_values": STAR_VALUES,
        "trailer_url": trailer_url(film.title, film.year),
        "watch_url": where_to_watch_url(film.title, film.year),
        "companions": companions,
        "media_marks": media_marks.my_marks(session, me.person_id, film_id),
        "mark_kinds": media_marks.KIND_TEXT,
        "note_limit": media_marks.NOTE_LIMIT,
        "companion_reasons": [
            reason_view(c.reason, taste.context.catalog, viewers=False)
            if c.reason and taste.context
            else []
            for c in companions.friends
        ],
    }
    return render(request, "film.html", context)


# A fetched poster never changes; a drawn card may give way to one (when TMDB is on).
IMAGE_CACHE = "private, max-age=604800"
CARD_CACHE = "private, max-age=86400"
CARD_WHILE_FETCHING = "private, no-cache"


@router.get("/films/{film_id}/poster", name="film_poster")
def poster(session: SessionDep, me: CurrentUser, fetcher: PostersDep, film_id: RowId) -> Response:
    """The poster from TMDB once fetched (served from here: img-src stays 'self'), else the
    card drawn as SVG at once (a fetch, if any, runs in the background)."""
    found = posters.poster_for(session, fetcher, film_id)
    if found.image is not None:
        image = found.image
        return Response(
            image.body, media_type=image.content_type, headers={"Cache-Control": IMAGE_CACHE}
        )
    cache = CARD_WHILE_FETCHING if found.fetching else CARD_CACHE
    return Response(
        poster_svg(found.card), media_type="image/svg+xml", headers={"Cache-Control": cache}
    )


@router.get("/films/{film_id}/poster.svg", name="film_poster_svg")
def poster_card(session: SessionDep, me: CurrentUser, film_id: RowId) -> Response:
    """The drawn card, always (links made before real posters keep working)."""
    svg = poster_svg(films_page.film_card(session, film_id))
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": CARD_CACHE})


@router.post("/films/{film_id}/rating", name="rate_film")
def rate(
    request: Request,
    session: SessionDep,
    me: CurrentUser,
    film_id: RowId,
    stars: Annotated[float, Form()],
) -> Response:
    films_page.rate(session, me.holder.handle, film_id, stars)
    return _back_to_film(request, film_id)


@router.post("/films/{film_id}/rating/clear", name="unrate_film")
def unrate(request: Request, session: SessionDep, me: CurrentUser, film_id: RowId) -> Response:
    films_page.unrate(session, me.holder.handle, film_id)
    return _back_to_film(request, film_id)


@router.post("/films/{film_id}/seen", name="mark_seen")
def seen(request: Request, session: SessionDep, me: CurrentUser, film_id: RowId) -> Response:
    films_page.mark_seen(session, me.holder.handle, film_id)
    return _back_to_film(request, film_id)


@router.post("/films/{film_id}/unseen", name="unmark_seen")
def unseen(request: Request, session: SessionDep, me: CurrentUser, film_id: RowId) -> Response:
    films_page.unmark_seen(session, me.holder.handle, film_id)
    return _back_to_film(request, film_id)


@router.post("/films/{film_id}/watchlist", name="add_to_watchlist")
def watch(request: Request, session: SessionDep, me: CurrentUser, film_id: RowId) -> Response:
    films_page.add_to_watchlist(session, me.holder.handle, film_id)
    return _back_to_film(request, film_id)


@router.post("/films/{film_id}/watchlist/remove", name="remove_from_watchlist")
def unwatch(request: Request, session: SessionDep, me: CurrentUser, film_id: RowId) -> Response:
    films_page.remove_from_watchlist(session, me.holder.handle, film_id)
    return _back_to_film(request, film_id)


@router.post("/films/{film_id}/marks", name="set_media_mark")
def set_mark(
    request: Request,
    session: SessionDep,
    me: CurrentUser,
    film_id: RowId,
    kind: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """ "We own it on disc" / "It's on a service I have" (with a note): the caller's own mark."""
    media_marks.set_mark(session, me.person_id, film_id, kind, note, now_utc())
    return _back_to_film(request, film_id)


@router.post("/films/{film_id}/marks/{kind}/remove", name="remove_media_mark")
def remove_mark(
    request: Request, session: SessionDep, me: CurrentUser, film_id: RowId, kind: str
) -> Response:
    media_marks.remove_mark(session, me.person_id, film_id, kind[:20])
    return _back_to_film(request, film_id)


@router.get("/picks", name="picks_page")
def picks(
    request: Request,
    session: SessionDep,
    me: CurrentUser,
    taste: TasteDep,
    query: PicksQueryDep,
) -> Response:
    found = films_page.for_you(session, taste.context, me.holder.handle, query.k, query.options)
    catalog = taste.context.catalog if taste.context else None
    shown = [(p, reason_view(p.reason, catalog)) for p in found.picks] if catalog else []
    filters = query.options.filters
    context = {
        "title": "For you",
        "picks": shown,
        "note": taste.note,
        "stale": taste.context.stale_reason if taste.context else None,
        "model": taste.context.scorer.describe() if taste.context else None,
        "model_line": context_line(taste.context),
        "genres": found.genres,
        "filters": filters,
        "k": query.k,
    }
    return render(request, "picks.html", context)
