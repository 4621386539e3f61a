"""Watch together: tick the friends who are there, get the group's films (each member's stars and
reason, seen badges, watchlist marks), filter them, and record the one you will watch."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from reelmates.services import friends, nights, together_page
from reelmates.services.together_page import MemberFit, TogetherResult, TogetherRow
from reelmates.together.inputs import SeenPolicy
from reelmates.together.strategies import Strategy
from reelmates.together.wording import turn_parts
from reelmates.web.deps import CurrentUser, SessionDep, now_utc
from reelmates.web.film_deps import TasteDep
from reelmates.web.media_deps import linkable_for
from reelmates.web.reasons import PartView, reason_view
from reelmates.web.templating import render
from reelmates.web.together_deps import TogetherQueryDep, me_of

router = APIRouter(prefix="/together")

SEEN_LABELS = {
    SeenPolicy.PREFER_UNSEEN: "Films nobody has seen (a loved rewatch may stay)",
    SeenPolicy.UNLESS_ALL: "Hide only films everyone has seen",
    SeenPolicy.HIDE_IF_ANY: "Hide every film anyone has seen",
    SeenPolicy.SHOW_ALL: "Show seen films too",
}
STRATEGY_LABELS = {
    Strategy.FAIR: "Fair: everyone gets films they like",
    Strategy.LEAST_MISERY: "Least misery: nobody sits through a film they dislike",
    Strategy.BORDA: "Borda: each member's ranking counts alike",
    Strategy.AVERAGE: "Average predicted score",
    Strategy.NORMALISED_AVERAGE: "Average of each member's standardised score",
}
SAVED = "saved"  # the query parameter naming the pick just recorded


def _query_without_saved(request: Request) -> str:
    return urlencode([(k, v) for k, v in parse_qsl(request.url.query) if k != SAVED])


def _show_all(request: Request) -> str:
    """This page with "only what we can watch" off."""
    kept = [(k, v) for k, v in parse_qsl(request.url.query) if k not in (SAVED, "available")]
    kept.append(("available", "off"))
    return str(request.url_for("together_page").path) + "?" + urlencode(kept)


def _rows(
    result: TogetherResult | None, taste: TasteDep, viewer: str
) -> list[tuple[TogetherRow, list[tuple[MemberFit, list[PartView]]]]]:
    """Each row with each member's reason: the viewer's to them ("which you loved"), a friend's
    about the friend ("which Milly loved")."""
    if result is None or taste.context is None:
        return []
    catalog = taste.context.catalog
    return [
        (
            row,
            [
                (
                    m,
                    reason_view(m.reason, catalog, viewers=m.handle == viewer)
                    if m.reason is not None
                    else [],
                )
                for m in row.members
            ],
        )
        for row in result.rows
    ]


@router.get("", name="together_page")
def page(
    request: Request,
    session: SessionDep,
    me: CurrentUser,
    taste: TasteDep,
    query: TogetherQueryDep,
    saved: int | None = None,
) -> Response:
    result = None
    listed = friends.list_friends(session, me.person_id)
    if query.friends and taste.context is not None:
        result = together_page.watch_together(
            session, taste.context, me_of(me), query.friends, query.options, query.available
        )
    if result is not None:
        library = together_page.LibraryChoice(result.library, result.available_only)
    else:  # no group yet: offered when the member or any friend of theirs has a library
        everyone = [me.person_id, *(f.person_id for f in listed)]
        library = together_page.library_choice(session, everyone, query.available)
    here = _query_without_saved(request)
    recent = together_page.recent_picks(session, me.person_id)
    action = str(request.url_for("record_group_pick").path)
    swipe = str(request.url_for("start_swipe").path)
    context = {
        "title": "Watch together",
        "friends": listed,
        "chosen": {f.person_id for f in query.friends},
        "result": result,
        "rows": _rows(result, taste, me.holder.handle),
        "note": taste.note,
        "stale": taste.context.stale_reason if taste.context else None,
        "genres": taste.context.catalog.facts.genre_names if taste.context else (),
        "options": query.options,
        "filters": query.options.filters,
        "seen_labels": SEEN_LABELS,
        "strategy_labels": STRATEGY_LABELS,
        "pick_action": f"{action}?{here}" if here else action,
        "recent": recent,
        "night_of": nights.nights_of_picks(session, me.person_id, [p.id for p in recent]),
        "swipe_action": f"{swipe}?{here}" if here else swipe,
        "saved": together_page.saved_pick(session, me.person_id, saved) if saved else None,
        "turn": _turn_text(result),
        "library": library,
        "show_all": _show_all(request),
        "linkable": linkable_for(request, session),
    }
    return render(request, "together.html", context)


def _turn_text(result: TogetherResult | None) -> str | None:
    """ "Milly's turn: the last three picks suited Jess better", when the nudge leans."""
    if result is None or result.turn is None:
        return None
    return "".join(part.text for part in turn_parts(result.turn))


@router.post("/picks", name="record_group_pick")
def record_pick(
    request: Request,
    session: SessionDep,
    me: CurrentUser,
    query: TogetherQueryDep,
    film_id: Annotated[int, Form()],
) -> Response:
    saved = together_page.record_pick(
        session, me_of(me), query.friends, film_id, query.options.strategy, now_utc()
    )
    back = [(k, v) for k, v in parse_qsl(request.url.query) if k != SAVED]
    back.append((SAVED, str(saved.id)))
    target = str(request.url_for("together_page").path) + "?" + urlencode(back)
    return RedirectResponse(target, status_code=303)
