"""The account services on both databases: sessions expire (absolute and idle) and are revoked,
a password change ends the other sessions, invites expire, tokens are stored hashed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from reelmates.errors import AuthenticationError, ConflictError, PermissionDeniedError
from reelmates.services import accounts
from reelmates.services.accounts import LoginLimiter, Passwords
from reelmates.services.uow import unit_of_work
from reelmates.store.models import ApiToken, LoginSession

T0 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
LIFETIME, IDLE = timedelta(days=30), timedelta(days=14)
PASSWORDS = Passwords(time_cost=1, memory_kib=64)


def _account(engine: Engine, handle: str = "jess", policy: str = "open") -> int:
    with unit_of_work(engine) as session:
        who = accounts.sign_up(
            session,
            PASSWORDS,
            policy=policy,  # type: ignore[arg-type]
            handle=handle,
            display_name=None,
            password="a long password",
            invite=None,
            now=T0,
        )
    return who.person_id


def _identity(engine: Engine, raw: str, now: datetime) -> accounts.Identity | None:
    with unit_of_work(engine, read_only=True) as session:
        return accounts.session_identity(session, raw, now, IDLE)


def test_a_session_expires_after_its_lifetime_and_when_idle(db_engine: Engine) -> None:
    person = _account(db_engine)
    with unit_of_work(db_engine) as session:
        raw = accounts.start_session(session, person, T0, LIFETIME)
    assert _identity(db_engine, raw, T0 + timedelta(days=13)) is not None
    assert _identity(db_engine, raw, T0 + timedelta(days=15)) is None  # idle for 15 days
    for day in range(1, 30, 7):  # used every week: alive until the absolute end
        now = T0 + timedelta(days=day)
        identity = _identity(db_engine, raw, now)
        assert identity is not None
        with unit_of_work(db_engine) as session:
            accounts.touch(session, identity, now)
    assert _identity(db_engine, raw, T0 + timedelta(days=29, hours=23)) is not None
    assert _identity(db_engine, raw, T0 + timedelta(days=30, seconds=1)) is None


def test_only_hashes_of_tokens_are_stored(db_engine: Engine) -> None:
    person = _account(db_engine)
    with unit_of_work(db_engine) as session:
        raw_session = accounts.start_session(session, person, T0, LIFETIME)
        identity = accounts.session_identity(session, raw_session, T0, IDLE)
        assert identity is not None
        _, raw_token = accounts.create_api_token(session, identity, "script", T0)
    with unit_of_work(db_engine, read_only=True) as session:
        stored = [*session.scalars(select(LoginSession.token_hash))]
        stored += [*session.scalars(select(ApiToken.token_hash))]
        assert accounts.token_identity(session, raw_token) is not None
    assert stored == [accounts.token_hash(raw_session), accounts.token_hash(raw_token)]
    assert raw_session not in stored and raw_token not in stored


def test_changing_the_password_ends_every_other_session(db_engine: Engine) -> None:
    person = _account(db_engine)
    with unit_of_work(db_engine) as session:
        here = accounts.start_session(session, person, T0, LIFETIME)
        there = accounts.start_session(session, person, T0, LIFETIME)
    identity = _identity(db_engine, here, T0)
    assert identity is not None
    with pytest.raises(AuthenticationError), unit_of_work(db_engine) as session:
        accounts.change_password(
            session, PASSWORDS, identity, current="wrong one", new="brand new password", now=T0
        )
    with unit_of_work(db_engine) as session:
        ended = accounts.change_password(
            session,
            PASSWORDS,
            identity,
            current="a long password",
            new="brand new password",
            now=T0,
        )
    assert ended == 1
    assert _identity(db_engine, here, T0) is not None
    assert _identity(db_engine, there, T0) is None
    limiter = LoginLimiter(5, 5, 60)
    with unit_of_work(db_engine) as session:
        who = accounts.log_in(
            session,
            PASSWORDS,
            limiter,
            handle="JESS",
            password="brand new password",
            address="x",
            now=T0,
        )
    assert who.person_id == person


def test_an_invite_expires(db_engine: Engine) -> None:
    person = _account(db_engine)
    with unit_of_work(db_engine) as session:
        holder = accounts.AccountRepository(session).holder(person)
        assert holder is not None
        identity = accounts.Identity(holder, "session")
        raw = accounts.create_invite(
            session, identity, policy="invite-only", now=T0, lifetime=timedelta(days=7)
        )
    with unit_of_work(db_engine, read_only=True) as session:
        assert accounts.invite_usable(session, raw, T0 + timedelta(days=6))
        assert not accounts.invite_usable(session, raw, T0 + timedelta(days=7, seconds=1))
    with pytest.raises(PermissionDeniedError), unit_of_work(db_engine) as session:
        accounts.sign_up(
            session,
            PASSWORDS,
            policy="invite-only",
            handle="milly",
            display_name=None,
            password="a long password",
            invite=raw,
            now=T0 + timedelta(days=8),
        )


def test_a_failed_sign_up_leaves_nothing_behind(db_engine: Engine) -> None:
    _account(db_engine)
    with pytest.raises(ConflictError), unit_of_work(db_engine) as session:
        accounts.sign_up(
            session,
            PASSWORDS,
            policy="open",
            handle="JESS",
            display_name=None,
            password="a long password",
            invite=None,
            now=T0,
        )
    assert _account(db_engine, "milly") > 0
    with unit_of_work(db_engine, read_only=True) as session:
        assert accounts.AccountRepository(session).count() == 2
