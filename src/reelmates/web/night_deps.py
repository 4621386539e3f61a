"""Dependencies of the routes about one night (``/nights/{night_id}/...``, ``/api/nights/...``):
the one authorization check, "is the caller one of this night's members?", made here and
nowhere else (``services.nights.night_for``: anyone else, or a night that does not exist, is the
same 404); and, built on it, "is the caller its organiser?" for the organiser's actions (403).

Also what the routes share: the operator's rules for nights, the link to a night's page (for
calendars and e-mail), and sending a change's e-mail once the response is out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request

from reelmates.services import night_calendars, nights
from reelmates.services.accounts import Identity
from reelmates.services.night_mail import Mailer
from reelmates.services.nights import Link, NightRules
from reelmates.store.friends import FriendSummary
from reelmates.store.nights import NightRecord
from reelmates.web.deps import CurrentUser, SessionDep
from reelmates.web.ids import RowId
from reelmates.web.night_clock import NightRulesDep as NightRulesDep
from reelmates.web.night_clock import NowDep as NowDep
from reelmates.web.night_clock import night_clock as night_clock
from reelmates.web.night_clock import night_rules as night_rules
from reelmates.web.together_deps import me_of


@dataclass(frozen=True)
class NightAccess:
    """A night the caller is a member of (checked), and the caller."""

    night: NightRecord
    me: Identity

    @property
    def person(self) -> FriendSummary:
        return me_of(self.me)

    @property
    def person_id(self) -> int:
        return self.me.person_id


def night_of_caller(night_id: RowId, session: SessionDep, me: CurrentUser) -> NightAccess:
    return NightAccess(nights.night_for(session, me.person_id, night_id), me)


NightDep = Annotated[NightAccess, Depends(night_of_caller)]


def organised_by_caller(access: NightDep) -> NightAccess:
    nights.require_organiser(access.night, access.person_id)
    return access


OrganiserNightDep = Annotated[NightAccess, Depends(organised_by_caller)]


def night_link(request: Request) -> Link:
    """A night's page as a full address (a calendar entry or an e-mail links to it)."""

    def link(night_id: int) -> str:
        return str(request.url_for("night_page", night_id=night_id))

    return link


LinkDep = Annotated[Link, Depends(night_link)]


def get_mailer(request: Request) -> Mailer | None:
    mailer: Mailer | None = request.app.state.mailer
    return mailer


MailerDep = Annotated[Mailer | None, Depends(get_mailer)]


def announce(
    background: BackgroundTasks,
    mailer: Mailer | None,
    session: SessionDep,
    rules: NightRules,
    link: Link,
    before: NightRecord,
    after: NightRecord,
) -> None:
    """E-mail the members about a change the calendar hears of (its sequence grew), once the
    response is sent (so after the change is committed). Nothing when e-mail is off."""
    if mailer is None or after.sequence == before.sequence:
        return
    if after.status == "cancelled":
        change = "cancelled"
    elif before.starts_at is None:
        change = "fixed"
    elif before.starts_at != after.starts_at:
        change = "moved"
    else:
        change = "place"
    found = night_calendars.invitations(session, after, change, rules, now_of(after), link)
    if found:
        background.add_task(mailer.send, found)


def now_of(night: NightRecord) -> datetime:
    """The change's own time (the night's ``updated_at``) as the calendar's DTSTAMP."""
    return night.updated_at
