"""What the server's operator does: make an operator account (``reelmates admin create``), list
the accounts, disable and enable one, reset a member's password.

Who may call these is decided at the edges (the web's ``OperatorUser`` dependency; the CLI is
run by whoever holds the database): nothing here checks the caller's role again. What is checked
here is what would hurt even an operator: disabling or resetting one's own account (that is the
password page's job, and an operator locked out of their own server helps nobody).

- Disabling ends the account's log-in sessions, revokes its API tokens and deletes its calendar
  feed at once (a log-in is refused while it is disabled; a feed of a disabled account is never
  served); enabling lets it log in again, and brings none of them back.
- Resetting sets a new random password, returned to be shown once, and ends the member's
  sessions (their API tokens stay: they are revoked one by one, or by disabling the account).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from reelmates.errors import ConflictError, NotFoundError, PermissionDeniedError
from reelmates.services import accounts, people
from reelmates.services.accounts import Identity, Passwords
from reelmates.store.accounts import (
    AccountHolder,
    AccountRepository,
    AccountSummary,
    ApiTokenRepository,
    LoginSessionRepository,
)
from reelmates.store.nights import CalendarRepository
from reelmates.store.people import PersonRepository

# Lower-case letters and digits a reader will not confuse (no l, o, 0, 1): 5 bits a symbol.
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
RESET_PASSWORD_GROUPS = 4  # "k7mq-x3vp-9dtr-a2bc": 16 symbols, 80 bits, read out or typed


@dataclass(frozen=True, slots=True)
class PasswordReset:
    """The new password (shown once, never stored but as its hash) and what it ended."""

    account: AccountSummary
    password: str
    sessions_ended: int


def reset_password_text() -> str:
    return "-".join(
        "".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(RESET_PASSWORD_GROUPS)
    )


def create_operator(
    session: Session,
    passwords: Passwords,
    *,
    handle: str,
    display_name: str | None,
    password: str,
    now: datetime,
) -> AccountHolder:
    """A new member with an operator's account, whatever the sign-up policy."""
    people.check_account_handle(handle)
    accounts.check_password(password)
    member = people.add_member(session, handle, display_name)
    AccountRepository(session).add(member.id, passwords.hash(password), "operator", now)
    holder = AccountRepository(session).holder(member.id)
    assert holder is not None
    return holder


def list_accounts(session: Session) -> list[AccountSummary]:
    return AccountRepository(session).list_all()


def _account(session: Session, handle: str) -> AccountSummary:
    person = PersonRepository(session).by_handle(handle.strip())
    found = AccountRepository(session).list_all(person.id) if person is not None else []
    if not found:
        raise NotFoundError(
            f"no account has the handle {handle.strip()!r}",
            hint="The accounts page lists every one.",
        )
    return found[0]


def _not_yourself(operator: Identity, target: AccountSummary, what: str, hint: str) -> None:
    if target.person_id == operator.person_id:
        raise PermissionDeniedError(f"you cannot {what} your own account", hint=hint)


def set_disabled(
    session: Session, operator: Identity, handle: str, disabled: bool, now: datetime
) -> AccountSummary:
    """Disable (every session, API token and calendar feed of theirs ends at once) or enable
    an account."""
    target = _account(session, handle)
    if disabled:
        _not_yourself(operator, target, "disable", "Another operator can, if it must be done.")
    AccountRepository(session).set_disabled(target.person_id, disabled)
    if disabled:
        LoginSessionRepository(session).revoke_all(target.person_id, now)
        ApiTokenRepository(session).revoke_all(target.person_id, now)
        CalendarRepository(session).drop_feed(target.person_id)
    return _account(session, target.handle)


def reset_password(
    session: Session, passwords: Passwords, operator: Identity, handle: str, now: datetime
) -> PasswordReset:
    """A new random password for the member ``handle``; every session of theirs ends."""
    target = _account(session, handle)
    _not_yourself(
        operator, target, "reset the password of", "Change yours on the password page instead."
    )
    if target.is_guest:
        raise ConflictError(
            f"{target.display_name} is a guest: a guest has no password to reset",
            hint="A guest sets one to keep their account; or disable the account.",
        )
    password = reset_password_text()
    AccountRepository(session).set_password_hash(target.person_id, passwords.hash(password), now)
    ended = LoginSessionRepository(session).revoke_all(target.person_id, now)
    return PasswordReset(target, password, ended)
