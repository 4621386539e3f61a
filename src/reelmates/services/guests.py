"""Guests: someone a friend invited joins by the friend's link with just a display name (no
password), is that friend's friend at once, rates films and is in picks like any friend; later
they may keep the account by choosing a handle and a password.

- A guest is a member person whose account has the role ``guest`` and no password hash: nobody
  can log in as them, only their browser's session cookie (``guest_days`` long) is them.
- The friend's link is single use whichever way it is used: joining as a guest uses it up (and
  the sign-up invite that rides on the same token, where there is one).
- Sign-up policy: a friend's link lets a guest in even when sign-up is invite-only (the link is
  the invite); when sign-up is closed, guests are refused too. A guest never makes the server's
  first account (the operator's), cannot invite anyone and cannot make API tokens.

Every function takes a Session (the caller's unit of work) and ``now``.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from reelmates.errors import ConflictError, PermissionDeniedError, ReelmatesError
from reelmates.services import accounts, friends, people, swipes
from reelmates.services.accounts import Identity, Passwords, SignupPolicy
from reelmates.services.swipes import SwipeRooms
from reelmates.store.accounts import AccountHolder, AccountRepository, InviteRepository
from reelmates.store.models import DISPLAY_NAME_MAX
from reelmates.store.people import MemberSummary, PersonRepository

GUEST_HANDLE_PREFIX = "guest-"
_HANDLE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no l, o, 0, 1
_HANDLE_SYMBOLS = 8  # 40 bits: a handle is not a secret, it only has to be free
CLOSED = "sign-up is closed on this server, to guests too"
CLOSED_HINT = "Ask its operator to make you an account."


def guests_may_join(policy: SignupPolicy) -> bool:
    """Whether a friend's link lets someone join as a guest under this sign-up policy."""
    return policy != "closed"


def _guest_handle(session: Session) -> str:
    persons = PersonRepository(session)
    while True:
        symbols = "".join(secrets.choice(_HANDLE_ALPHABET) for _ in range(_HANDLE_SYMBOLS))
        handle = GUEST_HANDLE_PREFIX + symbols
        if persons.by_handle(handle) is None:
            return handle


def _display_name(typed: str) -> str:
    name = typed.strip()
    if not name:
        raise ReelmatesError(
            "a guest needs a display name", hint="It is how your friends see you: e.g. Sam."
        )
    if len(name) > DISPLAY_NAME_MAX:
        raise ReelmatesError(
            f"the display name is {len(name)} characters long; at most {DISPLAY_NAME_MAX} fit"
        )
    return name


def _new_guest(session: Session, name: str, now: datetime) -> MemberSummary:
    guest = people.add_member(session, _guest_handle(session), name)
    AccountRepository(session).add(guest.id, None, "guest", now)
    return guest


def join_room_as_guest(
    session: Session,
    rooms: SwipeRooms,
    *,
    token: str,
    display_name: str,
    policy: SignupPolicy,
    now: datetime,
) -> tuple[AccountHolder, int]:
    """A new guest in the swipe session of the join link ``token`` (the session's link, not a
    friend's: they befriend nobody); returns them and the room's id. All or nothing (a
    savepoint), so a caller that shows the error on the form commits nothing of it."""
    if not guests_may_join(policy):
        raise PermissionDeniedError(CLOSED, hint=CLOSED_HINT)
    name = _display_name(display_name)
    swipes.preview_link(session, token)  # 404 when the link does not work
    with session.begin_nested():
        guest = _new_guest(session, name, now)
        room_id = rooms.join(session, token, guest.handle)
    holder = AccountRepository(session).holder(guest.id)
    assert holder is not None
    return holder, room_id


def join_as_guest(
    session: Session, *, token: str, display_name: str, policy: SignupPolicy, now: datetime
) -> AccountHolder:
    """A new guest, friends with the inviter of the link ``token``; the link is used up. All or
    nothing (a savepoint), so a caller that shows the error on the form commits nothing of it."""
    if not guests_may_join(policy):
        raise PermissionDeniedError(CLOSED, hint=CLOSED_HINT)
    name = _display_name(display_name)
    preview = friends.preview_link(session, None, token, now)  # 404 when the link is gone
    inviter = AccountRepository(session).holder(preview.inviter.person_id)
    if inviter is None or inviter.role == "guest":  # pragma: no cover - guests cannot invite
        raise PermissionDeniedError(accounts.GUESTS_CANNOT_INVITE)
    with session.begin_nested():
        guest = _new_guest(session, name, now)
        # The sign-up invite on the same token (invite-only servers) is used up by the guest
        # (before the link: ending the link would withdraw it, naming nobody).
        InviteRepository(session).claim(accounts.token_hash(token), guest.id, now)
        friends.accept_link(session, guest.id, token, now)
    holder = AccountRepository(session).holder(guest.id)
    assert holder is not None
    return holder


def keep_account(
    session: Session,
    passwords: Passwords,
    identity: Identity,
    *,
    handle: str,
    password: str,
    now: datetime,
) -> AccountHolder:
    """Turn the calling guest into a full member with this handle and password: their ratings,
    friends and everything else stay. Returns the account as it now is."""
    if identity.holder.role != "guest":
        raise ConflictError(
            "your account is kept already: it has a password",
            hint="To change it, use the password page in your settings.",
        )
    cleaned = people.check_account_handle(handle)
    accounts.check_password(password)
    persons = PersonRepository(session)
    taken = persons.by_handle(cleaned)
    if taken is not None and taken.id != identity.person_id:
        raise ConflictError(
            f"the handle {cleaned!r} is taken",
            hint="Handles are the same in any case; choose another.",
        )
    persons.set_handle(identity.person_id, cleaned)
    found = AccountRepository(session)
    found.set_password_hash(identity.person_id, passwords.hash(password), now)
    found.set_role(identity.person_id, "member")
    holder = found.holder(identity.person_id)
    assert holder is not None
    return holder
