"""A friend's page: how well your tastes go together, the figure and a chart drawn by us (SVG),
with the same numbers in tables. Only for friends (``FriendDep``: anyone else is a 404)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from reelmates.errors import NotFoundError
from reelmates.services.compat import friend_compatibility
from reelmates.web.compat_chart import chart_svg
from reelmates.web.deps import CurrentUser, SessionDep
from reelmates.web.film_deps import TasteDep
from reelmates.web.friend_deps import FriendDep
from reelmates.web.model_line import context_line
from reelmates.web.templating import render

router = APIRouter(prefix="/friends")


@router.get("/{handle}", name="friend_page")
def friend_page(
    request: Request, session: SessionDep, me: CurrentUser, friend: FriendDep, taste: TasteDep
) -> Response:
    seen = friend_compatibility(
        session, taste.context, me.holder.handle, friend, no_model=taste.note
    )
    context = {
        "title": f"You and {friend.display_name}",
        "friend": friend,
        "seen": seen,
        "result": seen.result,
        "stale": taste.context.stale_reason if taste.context else None,
        "model_line": context_line(taste.context),
    }
    return render(request, "friend.html", context)


@router.get("/{handle}/chart.svg", name="friend_chart")
def friend_chart(
    session: SessionDep, me: CurrentUser, friend: FriendDep, taste: TasteDep
) -> Response:
    seen = friend_compatibility(
        session, taste.context, me.holder.handle, friend, no_model=taste.note
    )
    if seen.result is None:
        raise NotFoundError(f"no chart yet: {seen.note}")
    if seen.private:
        raise NotFoundError(
            f"{friend.display_name} keeps their taste private: there is no chart of it"
        )
    svg = chart_svg(("You", friend.display_name), seen.result)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, no-cache"})
