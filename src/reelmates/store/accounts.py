"""Repositories for accounts: passwords and roles, log-in sessions, API tokens, invites, secrets.

Tokens arrive here already hashed (sha256 hex): the raw value never reaches the database. Times
are passed in (UTC) and compared in SQL, so SQLite's naive timestamps and PostgreSQL's aware ones
behave alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import String, cast, exists, func, literal, or_, select, update
from sqlalchemy.orm import Session

from reelmates.errors import ConfigurationError
from reelmates.store.models import (
    Account,
    ApiToken,
    AppSecret,
    LoginSession,
    Person,
    SignupInvite,
)


@dataclass(frozen=True, slots=True)
class AccountHolder:
    """Who a log-in session or API token belongs to, as the web edge needs them."""

    person_id: int
    handle: str
    display_name: str
    role: str


@dataclass(frozen=True, slots=True)
class Credentials:
    person_id: int
    password_hash: str | None
    disabled: bool


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """An account as the operator's list shows it."""

    person_id: int
    handle: str
    display_name: str
    role: str
    disabled: bool
    created_at: datetime

    @property
    def is_guest(self) -> bool:
        return self.role == "guest"

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"


@dataclass(frozen=True, slots=True)
class TokenSummary:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without a zone; every one we write is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _holder(person: Person, account: Account) -> AccountHolder:
    return AccountHolder(
        person.id, person.handle, person.display_name or person.handle, account.role
    )


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self, *, but_secret_prefix: str | None = None) -> int:
        """Accounts that are not guests' (a guest never makes a server's first account). With
        ``but_secret_prefix``, not plain members' whose person has a secret named that prefix
        followed by their id either (the demo friends': ``services.demo.demo_log_in``)."""
        query = select(func.count()).select_from(Account).where(Account.role != "guest")
        if but_secret_prefix is not None:
            name = literal(but_secret_prefix, String) + cast(Account.person_id, String)
            marked = exists().where(AppSecret.name == name)
            query = query.where(or_(Account.role != "member", ~marked))
        return self.session.scalar(query) or 0

    def add(self, person_id: int, password_hash: str | None, role: str, now: datetime) -> None:
        self.session.add(
            Account(
                person_id=person_id,
                password_hash=password_hash,
                role=role,
                disabled=False,
                created_at=now,
                password_changed_at=now if password_hash else None,
            )
        )
        self.session.flush()

    def credentials(self, handle_key: str) -> Credentials | None:
        """A member's log-in facts by their case-folded handle (None: no such account)."""
        row = self.session.execute(
            select(Account.person_id, Account.password_hash, Account.disabled)
            .join(Person, Person.id == Account.person_id)
            .where(Person.handle_key == handle_key)
        ).first()
        return None if row is None else Credentials(int(row[0]), row[1], bool(row[2]))

    def holder(self, person_id: int) -> AccountHolder | None:
        row = self.session.execute(
            select(Person, Account)
            .join(Account, Account.person_id == Person.id)
            .where(Person.id == person_id)
        ).first()
        return None if row is None else _holder(row[0], row[1])

    def set_password_hash(self, person_id: int, password_hash: str, now: datetime) -> None:
        self.session.execute(
            update(Account)
            .where(Account.person_id == person_id)
            .values(password_hash=password_hash, password_changed_at=now)
        )

    def list_all(self, person_id: int | None = None) -> list[AccountSummary]:
        """Every account (or only this person's), oldest first."""
        query = select(Person, Account).join(Account, Account.person_id == Person.id)
        if person_id is not None:
            query = query.where(Person.id == person_id)
        rows = self.session.execute(query.order_by(Account.created_at, Person.id))
        found = []
        for person, account in rows.tuples():
            created = _utc(account.created_at)
            assert created is not None
            found.append(
                AccountSummary(
                    person.id,
                    person.handle,
                    person.display_name or person.handle,
                    account.role,
                    bool(account.disabled),
                    created,
                )
            )
        return found

    def set_role(self, person_id: int, role: str) -> None:
        self.session.execute(
            update(Account).where(Account.person_id == person_id).values(role=role)
        )

    def set_disabled(self, person_id: int, disabled: bool) -> None:
        self.session.execute(
            update(Account).where(Account.person_id == person_id).values(disabled=disabled)
        )


class LoginSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token_hash: str, person_id: int, now: datetime, expires_at: datetime) -> int:
        row = LoginSession(
            token_hash=token_hash,
            person_id=person_id,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def active(
        self, token_hash: str, now: datetime, idle_since: datetime
    ) -> tuple[int, datetime, AccountHolder] | None:
        """(session id, last seen, holder) of a live session: not revoked, not expired, used
        after ``idle_since``, its account enabled."""
        row = self.session.execute(
            select(LoginSession.id, LoginSession.last_seen_at, Person, Account)
            .join(Person, Person.id == LoginSession.person_id)
            .join(Account, Account.person_id == Person.id)
            .where(
                LoginSession.token_hash == token_hash,
                LoginSession.revoked_at.is_(None),
                LoginSession.expires_at > now,
                LoginSession.last_seen_at > idle_since,
                Account.disabled.is_(False),
            )
        ).first()
        if row is None:
            return None
        last_seen = _utc(row[1])
        assert last_seen is not None
        return int(row[0]), last_seen, _holder(row[2], row[3])

    def touch(self, session_id: int, now: datetime, unless_after: datetime) -> None:
        """Record use, at most once per interval (only when last seen before ``unless_after``)."""
        self.session.execute(
            update(LoginSession)
            .where(LoginSession.id == session_id, LoginSession.last_seen_at < unless_after)
            .values(last_seen_at=now)
        )

    def revoke(self, token_hash: str, now: datetime) -> bool:
        result = self.session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == token_hash, LoginSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def revoke_all(self, person_id: int, now: datetime, keep_id: int | None = None) -> int:
        query = update(LoginSession).where(
            LoginSession.person_id == person_id, LoginSession.revoked_at.is_(None)
        )
        if keep_id is not None:
            query = query.where(LoginSession.id != keep_id)
        result = self.session.execute(query.values(revoked_at=now))
        return int(result.rowcount)  # type: ignore[attr-defined]


class ApiTokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token_hash: str, person_id: int, name: str, now: datetime) -> int:
        row = ApiToken(token_hash=token_hash, person_id=person_id, name=name, created_at=now)
        self.session.add(row)
        self.session.flush()
        return row.id

    def active(self, token_hash: str) -> tuple[int, datetime | None, AccountHolder] | None:
        """(token id, last used, holder) of a token not revoked, its account enabled."""
        row = self.session.execute(
            select(ApiToken.id, ApiToken.last_used_at, Person, Account)
            .join(Person, Person.id == ApiToken.person_id)
            .join(Account, Account.person_id == Person.id)
            .where(
                ApiToken.token_hash == token_hash,
                ApiToken.revoked_at.is_(None),
                Account.disabled.is_(False),
            )
        ).first()
        if row is None:
            return None
        return int(row[0]), _utc(row[1]), _holder(row[2], row[3])

    def touch(self, token_id: int, now: datetime, unless_after: datetime) -> None:
        self.session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < unless_after),
            )
            .values(last_used_at=now)
        )

    def revoke_all(self, person_id: int, now: datetime) -> int:
        result = self.session.execute(
            update(ApiToken)
            .where(ApiToken.person_id == person_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def of_person(self, person_id: int) -> list[TokenSummary]:
        rows = self.session.execute(
            select(ApiToken.id, ApiToken.name, ApiToken.created_at, ApiToken.last_used_at)
            .where(ApiToken.person_id == person_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id)
        )
        return [
            TokenSummary(int(i), n, c.replace(tzinfo=c.tzinfo or UTC), _utc(u))
            for i, n, c, u in rows
        ]

    def revoke(self, token_id: int, person_id: int, now: datetime) -> bool:
        """Only the token's own person can revoke it (an id of someone else's changes nothing)."""
        result = self.session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                ApiToken.person_id == person_id,
                ApiToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class InviteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token_hash: str, created_by: int, now: datetime, expires_at: datetime) -> int:
        row = SignupInvite(
            token_hash=token_hash, created_by=created_by, created_at=now, expires_at=expires_at
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def claim(self, token_hash: str, person_id: int, now: datetime) -> bool:
        """Mark an unused, unexpired invite used by ``person_id``; False when there is none.
        One UPDATE: two sign-ups racing for one invite cannot both win."""
        result = self.session.execute(
            update(SignupInvite)
            .where(
                SignupInvite.token_hash == token_hash,
                SignupInvite.used_at.is_(None),
                SignupInvite.expires_at > now,
            )
            .values(used_by=person_id, used_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def withdraw(self, token_hash: str, now: datetime) -> bool:
        """Mark an unused invite as over without anyone having used it (``used_by`` stays
        empty); False when there is none."""
        result = self.session.execute(
            update(SignupInvite)
            .where(SignupInvite.token_hash == token_hash, SignupInvite.used_at.is_(None))
            .values(used_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def usable(self, token_hash: str, now: datetime) -> bool:
        found = self.session.scalar(
            select(SignupInvite.id).where(
                SignupInvite.token_hash == token_hash,
                SignupInvite.used_at.is_(None),
                SignupInvite.expires_at > now,
            )
        )
        return found is not None


class SecretRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, name: str) -> str:
        value = self.session.scalar(select(AppSecret.value).where(AppSecret.name == name))
        if value is None:  # pragma: no cover - the migration writes it
            raise ConfigurationError(
                f"this database has no {name!r} secret", hint="Run the migrations (0003)."
            )
        return value

    def find(self, name: str) -> str | None:
        """The secret called ``name``, or None when there is none."""
        return self.session.scalar(select(AppSecret.value).where(AppSecret.name == name))

    def put(self, name: str, value: str) -> None:
        """Write (or overwrite) the secret called ``name``."""
        found = self.session.get(AppSecret, name)
        if found is None:
            self.session.add(AppSecret(name=name, value=value))
        else:
            found.value = value
        self.session.flush()

    def delete(self, name: str) -> None:
        found = self.session.get(AppSecret, name)
        if found is not None:
            self.session.delete(found)
            self.session.flush()
