"""The demo friends' web accounts: made once with a random password kept in the database, shown
the same on every run, never made or shown for an account the demo did not make."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from reelmates.errors import PermissionDeniedError
from reelmates.services import accounts
from reelmates.services.accounts import LoginLimiter, Passwords
from reelmates.services.demo import demo_log_in, demo_password
from reelmates.services.people import add_member
from reelmates.services.uow import unit_of_work
from reelmates.store.accounts import AccountRepository

NOW = datetime(2025, 1, 1, tzinfo=UTC)
PASSWORDS = Passwords(time_cost=1, memory_kib=64)


def _log_in(engine: Engine, handle: str, password: str) -> str:
    limiter = LoginLimiter(10, 10, 60)
    with unit_of_work(engine) as session:
        who = accounts.log_in(
            session, PASSWORDS, limiter, handle=handle, password=password, address="a", now=NOW
        )
        return who.role


def test_a_demo_password_has_three_groups_of_four_unambiguous_symbols() -> None:
    drawn = {demo_password() for _ in range(50)}
    assert len(drawn) == 50  # random: 60 bits each
    for password in drawn:
        assert re.fullmatch(r"[a-km-np-z2-9]{4}-[a-km-np-z2-9]{4}-[a-km-np-z2-9]{4}", password)


def test_the_demo_account_is_made_once_and_shown_the_same_every_time(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        add_member(session, "Jess")
        first = demo_log_in(session, PASSWORDS, "jess", NOW)
    assert first is not None and first.handle == "Jess" and first.password
    with unit_of_work(db_engine) as session:
        again = demo_log_in(session, PASSWORDS, "Jess", NOW)
        assert AccountRepository(session).count() == 1
    assert again == first
    # A plain member, not the operator: the first real sign-up's role is not taken by a demo.
    assert _log_in(db_engine, "Jess", first.password) == "member"


def test_no_account_for_someone_who_is_not_a_member(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        assert demo_log_in(session, PASSWORDS, "Nobody", NOW) is None
        assert AccountRepository(session).count() == 0


def test_an_account_the_demo_did_not_make_is_left_alone(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        accounts.sign_up(
            session, PASSWORDS, policy="open", handle="Jess", display_name=None,
            password="her own password", invite=None, now=NOW,
        )  # fmt: skip
        shown = demo_log_in(session, PASSWORDS, "Jess", NOW)
    assert shown is not None and shown.password is None
    assert _log_in(db_engine, "Jess", "her own password") == "operator"


def test_a_password_changed_since_is_not_shown_any_more(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        add_member(session, "Milly")
        made = demo_log_in(session, PASSWORDS, "Milly", NOW)
        assert made is not None and made.password
        person_id = AccountRepository(session).credentials("milly").person_id  # type: ignore[union-attr]
        AccountRepository(session).set_password_hash(
            person_id, PASSWORDS.hash("a new one of hers"), NOW
        )
    with unit_of_work(db_engine) as session:
        shown = demo_log_in(session, PASSWORDS, "Milly", NOW)
    assert shown is not None and shown.password is None
    assert _log_in(db_engine, "Milly", "a new one of hers") == "member"


def test_the_demo_friends_are_friends_once_and_an_ended_friendship_stays_ended(
    db_engine: Engine, tmp_path: Path
) -> None:
    from reelmates.services import friends
    from reelmates.services.demo import demo_log_ins
    from reelmates.settings import Settings

    settings = Settings(data_dir=tmp_path, argon2_time_cost=1, argon2_memory_kib=64)
    with unit_of_work(db_engine) as session:
        jess, milly = add_member(session, "Jess").id, add_member(session, "Milly").id
    demo_log_ins(db_engine, settings, now=NOW)
    with unit_of_work(db_engine) as session:
        assert [f.handle for f in friends.list_friends(session, jess)] == ["Milly"]
        friends.remove_friend(session, milly, "Jess")
    demo_log_ins(db_engine, settings, now=NOW)  # the next `reelmates demo`
    with unit_of_work(db_engine) as session:
        assert friends.list_friends(session, jess) == []


def _sign_up(engine: Engine, handle: str, invite: str | None = None) -> str:
    with unit_of_work(engine) as session:
        who = accounts.sign_up(
            session, PASSWORDS, policy="invite-only", handle=handle, display_name=None,
            password="a long password", invite=invite, now=NOW,
        )  # fmt: skip
        return who.role


def test_the_first_real_sign_up_after_the_demo_is_the_operator(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        for handle in ("Jess", "Milly"):
            add_member(session, handle)
        jess = demo_log_in(session, PASSWORDS, "Jess", NOW)
        demo_log_in(session, PASSWORDS, "Milly", NOW)
        assert AccountRepository(session).count() == 2
        assert accounts.is_first_account(session)
        assert accounts.may_sign_up(session, "invite-only") == (True, False)
    assert _sign_up(db_engine, "ana") == "operator"  # invite-only, yet no invite: the first
    with unit_of_work(db_engine) as session:
        assert not accounts.is_first_account(session)
        assert accounts.may_sign_up(session, "invite-only") == (True, True)
    with pytest.raises(PermissionDeniedError, match="by invitation"):
        _sign_up(db_engine, "zed")
    assert jess is not None and jess.password
    assert _log_in(db_engine, "Jess", jess.password) == "member"  # the demo friends stay members


def test_a_demo_friend_whose_password_is_their_own_counts(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        add_member(session, "Milly")
        demo_log_in(session, PASSWORDS, "Milly", NOW)
        person_id = AccountRepository(session).credentials("milly").person_id  # type: ignore[union-attr]
        AccountRepository(session).set_password_hash(person_id, PASSWORDS.hash("hers now!"), NOW)
        demo_log_in(session, PASSWORDS, "Milly", NOW)  # the next demo run forgets the demo's
        assert not accounts.is_first_account(session)
