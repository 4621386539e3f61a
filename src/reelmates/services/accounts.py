"""Accounts: sign-up (by the operator's policy), log-in (argon2id, rate limited), log-in sessions,
personal API tokens and sign-up invites.

Every token handed out is random (256 bits) and stored only as its sha256. Times are passed in
(UTC), so expiry is testable without waiting. Every function takes a Session: the caller opens
:func:`reelmates.services.uow.unit_of_work`.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from reelmates.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    ReelmatesError,
    TooManyAttemptsError,
)
from reelmates.services import people
from reelmates.settings import Settings
from reelmates.store.accounts import (
    AccountHolder,
    AccountRepository,
    ApiTokenRepository,
    InviteRepository,
    LoginSessionRepository,
    SecretRepository,
    TokenSummary,
)

SignupPolicy = Literal["open", "invite-only", "closed"]

PASSWORD_MIN = 8
PASSWORD_MAX = 1024  # argon2 takes any length; a cap keeps a hostile form from costing much
TOKEN_NAME_MAX = 80
API_TOKEN_PREFIX = "rmt_"  # recognisable in a leaked log or a secret scanner
TOUCH_EVERY = timedelta(minutes=5)  # how often a session's or token's "last seen" is written
LOGIN_FAILED = "the handle or the password is wrong"  # the same for an unknown account
GUESTS_CANNOT_INVITE = "guests cannot invite people"
GUESTS_CANNOT_INVITE_HINT = "Keep your account (choose a handle and a password) first."
DEMO_SECRET_PREFIX = "demo-password:"  # + a demo friend's person id: the password the demo made


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is calling, and by what: a browser's log-in session or a personal API token."""

    holder: AccountHolder
    via: Literal["session", "token"]
    session_token_hash: str | None = None  # binds the CSRF token to this log-in
    session_id: int | None = None
    token_id: int | None = None
    last_seen: datetime | None = None

    @property
    def person_id(self) -> int:
        return self.holder.person_id

    @property
    def is_operator(self) -> bool:
        return self.holder.role == "operator"


def new_token(prefix: str = "") -> str:
    """A random token for a cookie or a link: 256 bits, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# --- passwords -------------------------------------------------------------------------------


class Passwords:
    """argon2id hashing, and a dummy hash to verify against when the account does not exist, so
    an unknown handle costs as much time as a wrong password."""

    def __init__(self, time_cost: int = 3, memory_kib: int = 65_536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        self._dummy = self._hasher.hash(secrets.token_hex(16))

    @classmethod
    def from_settings(cls, settings: Settings) -> Passwords:
        return cls(settings.argon2_time_cost, settings.argon2_memory_kib)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)


def check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise ReelmatesError(
            f"the password is {len(password)} characters long; at least {PASSWORD_MIN} are needed",
            hint="A few words you will remember make a good password.",
        )
    if len(password) > PASSWORD_MAX:
        raise ReelmatesError(f"the password is longer than {PASSWORD_MAX} characters")


# --- log-in rate limit -----------------------------------------------------------------------


class LoginLimiter:
    """Failed log-ins in a sliding window, per account and per address, in this process's memory.

    ``clock`` returns seconds (monotonic); tests pass their own. Thread-safe (sync routes run in a
    thread pool). A success clears the account's failures, not the address's.
    """

    MAX_KEYS = 100_000  # beyond this, keys with no failure in the window are forgotten

    def __init__(
        self,
        per_account: int,
        per_address: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_account = per_account
        self.per_address = per_address
        self.window = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], deque[float]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimiter:
        return cls(
            settings.login_failures_per_account,
            settings.login_failures_per_address,
            settings.login_failure_window_seconds,
        )

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def check(self, account: str, address: str) -> None:
        """Raise :class:`TooManyAttemptsError` when either limit is reached."""
        now = self._clock()
        with self._lock:
            waits = [
                times[0] + self.window - now
                for key, limit in (
                    (("account", account), self.per_account),
                    (("address", address), self.per_address),
                )
                if len(times := self._recent(key, now)) >= limit
            ]
        if waits:
            raise TooManyAttemptsError(retry_after=max(1, int(max(waits) + 0.999)))

    def failed(self, account: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) >= self.MAX_KEYS:
                for key in list(self._failures):
                    self._recent(key, now)
            for key in (("account", account), ("address", address)):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._failures.pop(("account", account), None)


# --- sign-up and log-in ----------------------------------------------------------------------


def _real_accounts(session: Session) -> int:
    """Accounts but guests' and the demo friends' (``reelmates demo`` makes those, as plain
    members, on a server nobody has signed up to yet)."""
    return AccountRepository(session).count(but_secret_prefix=DEMO_SECRET_PREFIX)


def is_first_account(session: Session) -> bool:
    """No account exists yet (a guest's or a demo friend's counts for nothing): the next
    sign-up makes the operator."""
    return _real_accounts(session) == 0


def may_sign_up(session: Session, policy: SignupPolicy) -> tuple[bool, bool]:
    """(anyone may sign up now, an invite is needed). The first account may always."""
    if is_first_account(session):
        return True, False
    return policy != "closed", policy == "invite-only"


def sign_up(
    session: Session,
    passwords: Passwords,
    *,
    policy: SignupPolicy,
    handle: str,
    display_name: str | None,
    password: str,
    invite: str | None,
    now: datetime,
) -> AccountHolder:
    """A new member with an account: the first one is the operator. All or nothing (a
    savepoint), so a caller that shows the error on the form commits nothing of it."""
    allowed, invite_needed = may_sign_up(session, policy)
    if not allowed:
        raise PermissionDeniedError(
            "sign-up is closed on this server", hint="Ask its operator to make you an account."
        )
    if invite_needed and not invite:
        raise PermissionDeniedError(
            "sign-up on this server is by invitation",
            hint="Ask a member for an invite link, then open it to sign up.",
        )
    people.check_account_handle(handle)
    check_password(password)
    first = is_first_account(session)
    with session.begin_nested():
        member = people.add_member(session, handle, display_name)
        AccountRepository(session).add(
            member.id, passwords.hash(password), "operator" if first else "member", now
        )
        if invite_needed and not InviteRepository(session).claim(
            token_hash(invite or ""), member.id, now
        ):
            raise PermissionDeniedError(
                "this invite link has been used already or has expired",
                hint="Ask the member who sent it for a new one.",
            )
    holder = AccountRepository(session).holder(member.id)
    assert holder is not None
    return holder


def log_in(
    session: Session,
    passwords: Passwords,
    limiter: LoginLimiter,
    *,
    handle: str,
    password: str,
    address: str,
    now: datetime,
) -> AccountHolder:
    """The account whose password this is; the same error for a wrong password and an unknown
    handle (which is checked against a dummy hash, so it takes as long)."""
    key = handle.strip().casefold()
    limiter.check(key, address)
    accounts = AccountRepository(session)
    found = accounts.credentials(key) if key else None
    if not passwords.verify(found.password_hash if found else None, password[:PASSWORD_MAX]):
        limiter.failed(key, address)
        raise AuthenticationError(LOGIN_FAILED, hint="Check both and try again.")
    assert found is not None and found.password_hash is not None
    if found.disabled:
        raise PermissionDeniedError(
            "this account is disabled", hint="Ask the server's operator about it."
        )
    limiter.succeeded(key)
    if passwords.needs_rehash(found.password_hash):  # the operator raised the cost
        accounts.set_password_hash(found.person_id, passwords.hash(password), now)
    holder = accounts.holder(found.person_id)
    assert holder is not None
    return holder


def change_password(
    session: Session,
    passwords: Passwords,
    identity: Identity,
    *,
    current: str,
    new: str,
    now: datetime,
) -> int:
    """Set a new password (the current one proves it is you); every other session ends (this
    one stays; called with an API token, every session ends). Returns how many ended."""
    if identity.holder.role == "guest":
        raise PermissionDeniedError(
            "a guest has no password to change yet",
            hint="Keep your account first: choose a handle and a password on your settings page.",
        )
    accounts = AccountRepository(session)
    found = accounts.credentials(identity.holder.handle.casefold())
    if found is None or not passwords.verify(found.password_hash, current[:PASSWORD_MAX]):
        raise AuthenticationError("the current password is wrong")
    check_password(new)
    accounts.set_password_hash(identity.person_id, passwords.hash(new), now)
    return LoginSessionRepository(session).revoke_all(
        identity.person_id, now, keep_id=identity.session_id
    )


def check_repeated(new: str, again: str) -> None:
    """A form asks for a new password twice: both must be the same."""
    if new != again:
        raise ReelmatesError(
            "the two new passwords are not the same", hint="Type the new password twice alike."
        )


# --- log-in sessions -------------------------------------------------------------------------


def start_session(session: Session, person_id: int, now: datetime, lifetime: timedelta) -> str:
    """A new log-in session; returns the raw token for the cookie (never stored)."""
    raw = new_token()
    LoginSessionRepository(session).add(token_hash(raw), person_id, now, now + lifetime)
    return raw


def session_identity(session: Session, raw: str, now: datetime, idle: timedelta) -> Identity | None:
    hashed = token_hash(raw)
    found = LoginSessionRepository(session).active(hashed, now, now - idle)
    if found is None:
        return None
    session_id, last_seen, holder = found
    return Identity(
        holder, "session", session_token_hash=hashed, session_id=session_id, last_seen=last_seen
    )


def touch(session: Session, identity: Identity, now: datetime) -> None:
    """Record that the session or token was used (written at most every few minutes)."""
    if identity.session_id is not None:
        LoginSessionRepository(session).touch(identity.session_id, now, now - TOUCH_EVERY)
    if identity.token_id is not None:
        ApiTokenRepository(session).touch(identity.token_id, now, now - TOUCH_EVERY)


def end_session(session: Session, raw: str, now: datetime) -> bool:
    return LoginSessionRepository(session).revoke(token_hash(raw), now)


def end_all_sessions(session: Session, person_id: int, now: datetime) -> int:
    """Log out everywhere: every session of this person, this one included (API tokens stay:
    they are revoked one by one)."""
    return LoginSessionRepository(session).revoke_all(person_id, now)


# --- personal API tokens ---------------------------------------------------------------------


def create_api_token(
    session: Session, identity: Identity, name: str, now: datetime
) -> tuple[int, str]:
    """(id, raw token): the raw token is shown once and never stored. Not for guests."""
    if identity.holder.role == "guest":
        raise PermissionDeniedError(
            "guests cannot make API tokens", hint="Keep your account (set a password) first."
        )
    cleaned = name.strip()
    if not cleaned:
        raise ReelmatesError("a token needs a name", hint='e.g. "my script"')
    if len(cleaned) > TOKEN_NAME_MAX:
        raise ReelmatesError(f"a token name has at most {TOKEN_NAME_MAX} characters")
    raw = new_token(API_TOKEN_PREFIX)
    return ApiTokenRepository(session).add(token_hash(raw), identity.person_id, cleaned, now), raw


def token_identity(session: Session, raw: str) -> Identity | None:
    found = ApiTokenRepository(session).active(token_hash(raw))
    if found is None:
        return None
    token_id, last_used, holder = found
    return Identity(holder, "token", token_id=token_id, last_seen=last_used)


def list_api_tokens(session: Session, identity: Identity) -> list[TokenSummary]:
    return ApiTokenRepository(session).of_person(identity.person_id)


def revoke_api_token(session: Session, identity: Identity, token_id: int, now: datetime) -> None:
    if not ApiTokenRepository(session).revoke(token_id, identity.person_id, now):
        raise NotFoundError(f"you have no API token with id {token_id}")


# --- invites and secrets ---------------------------------------------------------------------


def create_invite(
    session: Session,
    identity: Identity,
    *,
    policy: SignupPolicy,
    now: datetime,
    lifetime: timedelta,
) -> str:
    """A single-use sign-up invite; returns the raw token for the link."""
    if policy == "closed":
        raise PermissionDeniedError(
            "sign-up is closed on this server, so an invite cannot be used",
            hint="The operator can open sign-up (REELMATES_SIGNUP_POLICY).",
        )
    if identity.holder.role == "guest":
        raise PermissionDeniedError(GUESTS_CANNOT_INVITE, hint=GUESTS_CANNOT_INVITE_HINT)
    raw = new_token()
    InviteRepository(session).add(token_hash(raw), identity.person_id, now, now + lifetime)
    return raw


def let_sign_up_with(
    session: Session,
    identity: Identity,
    raw: str,
    *,
    policy: SignupPolicy,
    now: datetime,
    expires_at: datetime,
) -> bool:
    """Let the link token ``raw`` (a friend invite's) also serve, once, as a sign-up invite, so a
    friend without an account can make one with it. Returns whether someone new can sign up
    with it: always when sign-up is open, never when it is closed or the inviter is a guest."""
    if policy == "open":
        return True
    if policy == "closed" or identity.holder.role == "guest":
        return False
    InviteRepository(session).add(token_hash(raw), identity.person_id, now, expires_at)
    return True


def withdraw_link_invite(session: Session, hashed: str, now: datetime) -> None:
    """The sign-up invite riding on a link token (by its sha256), if any and unused, is over:
    the link it rode on ended (accepted by a member, declined, cancelled)."""
    InviteRepository(session).withdraw(hashed, now)


def invite_usable(session: Session, raw: str, now: datetime) -> bool:
    return InviteRepository(session).usable(token_hash(raw), now)


def csrf_key(session: Session) -> bytes:
    """This database's CSRF signing key (the same for every server process)."""
    return bytes.fromhex(SecretRepository(session).get("csrf"))
