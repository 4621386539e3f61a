"""Friends: invites (a link, or a short code typed by hand), accept, decline, cancel, remove,
and the one authorization rule the rest of the app asks: are these people my friends?

- A link token is random (256 bits); a code is 10 Crockford base32 characters (50 bits). Both
  are stored only as their sha256, both expire (the code much sooner), and the invite is single
  use: accepted, declined or cancelled, it is over (and so is the sign-up invite on its link's
  token, where there is one). A code names its inviter (their handle is typed with it), and each
  wrong code typed for an inviter counts against their live codes: after ``tries`` wrong ones a
  code is dead, so guessing gets a few tries in 2**50 per invite.
- :func:`require_friends` answers 404 (:class:`NotFoundError`), not 403, for a person who is not
  your friend: the same answer as for a person who does not exist, so a stranger cannot find out
  who has an account here by asking about them.

Every function takes a Session (the caller's unit of work) and, where time matters, ``now``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from reelmates.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ReelmatesError,
    WrongCodeError,
)
from reelmates.services import accounts
from reelmates.services.accounts import Identity, SignupPolicy
from reelmates.settings import Settings
from reelmates.store.friends import (
    FriendInviteRepository,
    FriendshipRepository,
    FriendSummary,
    InviteSummary,
    member_accounts,
    member_accounts_by_id,
)

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_LENGTH = 10  # 50 bits
_CODE_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})
LINK_GONE = "this friend invite has been used, declined or cancelled, or has expired"
LINK_GONE_HINT = "Ask your friend for a new one."


class LinkGoneError(NotFoundError):
    """A friend invite link that has been used, declined or cancelled, or has expired."""

    def __init__(self) -> None:
        super().__init__(LINK_GONE, hint=LINK_GONE_HINT)


@dataclass(frozen=True, slots=True)
class FriendRules:
    link_lifetime: timedelta = timedelta(days=7)
    code_lifetime: timedelta = timedelta(hours=1)
    tries: int = 5  # wrong codes typed for an inviter before their codes die

    @classmethod
    def from_settings(cls, settings: Settings) -> FriendRules:
        return cls(
            timedelta(days=settings.friend_invite_days),
            timedelta(minutes=settings.friend_code_minutes),
            settings.friend_code_tries,
        )


@dataclass(frozen=True, slots=True)
class NewInvite:
    """What the inviter is shown once: the raw token (for the link) and the code."""

    id: int
    token: str
    code: str  # formatted, e.g. "7K3QD-M9XAT"
    expires_at: datetime
    code_expires_at: datetime
    signup_allowed: bool  # a friend without an account can sign up with the link


@dataclass(frozen=True, slots=True)
class LinkPreview:
    """A live invite as the person opening its link sees it."""

    invite: InviteSummary
    own: bool  # the viewer made it
    already_friends: bool

    @property
    def inviter(self) -> FriendSummary:
        return self.invite.inviter


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def normalize_code(typed: str) -> str | None:
    """The code as generated, from what someone typed (any case, blanks and dashes, O for 0,
    I or L for 1), or None when it cannot be one."""
    cleaned = "".join(c for c in typed.upper() if c not in " -\t").translate(_CODE_FIXES)
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned


# --- invites ---------------------------------------------------------------------------------


def create_invite(
    session: Session, me: Identity, rules: FriendRules, *, policy: SignupPolicy, now: datetime
) -> NewInvite:
    """A new invite with a link and a code; the link also lets a friend with no account sign up
    (when the sign-up policy allows it). Guests cannot invite."""
    if me.holder.role == "guest":
        raise PermissionDeniedError(
            accounts.GUESTS_CANNOT_INVITE, hint=accounts.GUESTS_CANNOT_INVITE_HINT
        )
    token, code = accounts.new_token(), new_code()
    expires, code_expires = (
        now + rules.link_lifetime,
        now + min(rules.code_lifetime, rules.link_lifetime),
    )
    invite_id = FriendInviteRepository(session).add(
        me.person_id,
        accounts.token_hash(token),
        accounts.token_hash(code),
        now,
        expires,
        code_expires,
    )
    signup = accounts.let_sign_up_with(
        session, me, token, policy=policy, now=now, expires_at=expires
    )
    return NewInvite(invite_id, token, format_code(code), expires, code_expires, signup)


def pending_invites(session: Session, me: int, now: datetime) -> list[InviteSummary]:
    """The invites ``me`` made that nobody has used yet and that have not expired."""
    return FriendInviteRepository(session).pending_of(me, now)


def _end_invite(
    session: Session,
    invite_id: int,
    outcome: str,
    now: datetime,
    *,
    used_by: int | None = None,
    inviter_id: int | None = None,
) -> bool:
    """End a live invite, and the sign-up invite on its link's token with it (else a stranger
    could still sign up with a used, declined or cancelled link); False when it was not live."""
    invites = FriendInviteRepository(session)
    if not invites.end(invite_id, outcome, now, used_by=used_by, inviter_id=inviter_id):
        return False
    hashed = invites.token_hash_of(invite_id)
    assert hashed is not None
    accounts.withdraw_link_invite(session, hashed, now)
    return True


def cancel_invite(session: Session, me: int, invite_id: int, now: datetime) -> None:
    if not _end_invite(session, invite_id, "cancelled", now, inviter_id=me):
        raise NotFoundError(
            f"you have no pending invite with id {invite_id}",
            hint="It may have been used or have expired already.",
        )


def preview_link(session: Session, me: int | None, token: str, now: datetime) -> LinkPreview:
    """The live invite behind a link (``me``: the viewer, None when logged out)."""
    invite = FriendInviteRepository(session).live_by_token(accounts.token_hash(token), now)
    if invite is None:
        raise LinkGoneError()
    own = me == invite.inviter.person_id
    already = (
        me is not None
        and not own
        and FriendshipRepository(session).exists(me, invite.inviter.person_id)
    )
    return LinkPreview(invite, own, already)


def _check_acceptable(session: Session, me: int, inviter: FriendSummary) -> None:
    if inviter.person_id == me:
        raise PermissionDeniedError(
            "this is your own invite: you cannot be your own friend",
            hint="Send the link or the code to a friend; they open or type it.",
        )
    if FriendshipRepository(session).exists(me, inviter.person_id):
        raise ConflictError(
            f"you and {inviter.display_name} are friends already",
            hint="Nothing changed; your friends are on your friends page.",
        )


def _befriend(session: Session, me: int, invite: InviteSummary, now: datetime) -> FriendSummary:
    if not _end_invite(session, invite.id, "accepted", now, used_by=me):
        raise LinkGoneError()  # another request used it first
    FriendshipRepository(session).add(me, invite.inviter.person_id, now)
    return invite.inviter


def accept_link(session: Session, me: int, token: str, now: datetime) -> FriendSummary:
    """Become friends with the link's inviter; returns them."""
    preview = preview_link(session, me, token, now)
    _check_acceptable(session, me, preview.inviter)
    return _befriend(session, me, preview.invite, now)


def decline_link(session: Session, me: int, token: str, now: datetime) -> FriendSummary:
    """Say no: the invite is over (its link and code stop working). Returns the inviter."""
    preview = preview_link(session, me, token, now)
    if preview.own:
        raise PermissionDeniedError(
            "this is your own invite", hint="Cancel it from your friends page instead."
        )
    if not _end_invite(session, preview.invite.id, "declined", now, used_by=me):
        raise LinkGoneError()
    return preview.inviter


def accept_code(
    session: Session, me: int, handle: str, code: str, rules: FriendRules, now: datetime
) -> FriendSummary | WrongCodeError:
    """Become friends with ``handle`` by the code they gave you.

    A code that does not work is *returned* as a :class:`WrongCodeError`, not raised: the wrong
    try it counted is a write the caller's unit of work must commit (a raised error rolls it
    back, and the limit on tries would not hold). Other refusals are raised as usual.
    """
    inviter = member_accounts(session, [handle.strip().casefold()]).get(handle.strip().casefold())
    normalized = normalize_code(code)
    if normalized is None:
        raise ReelmatesError(
            f"a code has {CODE_LENGTH} letters and digits (like {format_code('7K3QDM9XAT')})",
            hint="Type the code your friend's friends page shows.",
        )
    if inviter is None:
        return WrongCodeError()  # the same answer as a wrong code: no one learns who exists
    _check_acceptable(session, me, inviter)
    invites = FriendInviteRepository(session)
    live = invites.live_code_ids(
        inviter.person_id, accounts.token_hash(normalized), now, rules.tries
    )
    if not live:
        invites.count_wrong_code(inviter.person_id, now, rules.tries)
        return WrongCodeError()
    pending = {i.id: i for i in invites.pending_of(inviter.person_id, now)}
    return _befriend(session, me, pending[live[0]], now)


# --- friends ---------------------------------------------------------------------------------


def list_friends(session: Session, me: int) -> list[FriendSummary]:
    return FriendshipRepository(session).friends_of(me)


def remove_friend(session: Session, me: int, handle: str) -> FriendSummary:
    """End a friendship (for both); returns the former friend."""
    (friend,) = require_friends(session, me, [handle], allow_self=False)
    FriendshipRepository(session).remove(me, friend.person_id)
    return friend


def are_friends(session: Session, a: int, b: int) -> bool:
    """Whether persons ``a`` and ``b`` are friends (a person is not their own friend)."""
    return a != b and FriendshipRepository(session).exists(a, b)


def require_friends(
    session: Session, me: int, others: Iterable[int | str], *, allow_self: bool = True
) -> list[FriendSummary]:
    """The authorization rule for anything shared between friends: every one of ``others``
    (person ids, or handles in any case) must be a friend of ``me`` (or ``me``, unless
    ``allow_self`` is off). Returns them, in the order given.

    Raises :class:`NotFoundError` (404) naming the first one who is not, with the same message
    whether they are a stranger or nobody at all: a stranger's existence is not revealed.
    """
    wanted: Sequence[int | str] = list(others)
    keys = [o.strip().casefold() for o in wanted if isinstance(o, str)]
    by_key = member_accounts(session, keys)
    by_id = member_accounts_by_id(session, [o for o in wanted if isinstance(o, int)])
    friends = FriendshipRepository(session).friend_ids(me)
    allowed = friends | ({me} if allow_self else set())
    found: list[FriendSummary] = []
    for other in wanted:
        person = (
            by_key.get(other.strip().casefold()) if isinstance(other, str) else by_id.get(other)
        )
        if person is None or person.person_id not in allowed:
            named = f"called {other.strip()!r}" if isinstance(other, str) else f"with id {other}"
            raise NotFoundError(
                f"no friend of yours is {named}",
                hint="Only friends can be chosen; add one with an invite on your friends page.",
            )
        found.append(person)
    return found
