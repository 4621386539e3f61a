"""The friends service on both databases: invites by link and by code, expiry by the clock,
single use, the limit on wrong codes, decline, cancel, removal, and require_friends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from reelmates.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ReelmatesError,
    WrongCodeError,
)
from reelmates.services import accounts, friends
from reelmates.services.accounts import Identity, Passwords
from reelmates.services.friends import FriendRules, NewInvite
from reelmates.services.uow import unit_of_work
from reelmates.store.models import FriendInvite, SignupInvite

T0 = datetime(2026, 12, 10, 20, 0, tzinfo=UTC)
RULES = FriendRules(timedelta(days=7), timedelta(hours=1), tries=3)
PASSWORDS = Passwords(time_cost=1, memory_kib=64)


def _person(engine: Engine, handle: str) -> Identity:
    with unit_of_work(engine) as session:
        holder = accounts.sign_up(
            session,
            PASSWORDS,
            policy="open",
            handle=handle,
            display_name=handle.title(),
            password="a long password",
            invite=None,
            now=T0,
        )
    return Identity(holder, "session")


def _invite(engine: Engine, who: Identity, policy: str = "open") -> NewInvite:
    with unit_of_work(engine) as session:
        return friends.create_invite(session, who, RULES, policy=policy, now=T0)  # type: ignore[arg-type]


def _friends_of(engine: Engine, who: Identity) -> list[str]:
    with unit_of_work(engine, read_only=True) as session:
        return [f.handle for f in friends.list_friends(session, who.person_id)]


def _by_code(
    engine: Engine, who: Identity, handle: str, code: str, now: datetime = T0
) -> friends.FriendSummary | WrongCodeError:
    with unit_of_work(engine) as session:
        return friends.accept_code(session, who.person_id, handle, code, RULES, now)


def test_an_invite_has_a_long_random_link_and_a_short_code_stored_only_hashed(
    db_engine: Engine,
) -> None:
    jess = _person(db_engine, "jess")
    made = _invite(db_engine, jess)
    assert len(made.token) >= 43  # 256 bits, URL-safe
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", made.code)  # 50 bits
    assert made.expires_at == T0 + timedelta(days=7)
    assert made.code_expires_at == T0 + timedelta(hours=1)
    with unit_of_work(db_engine, read_only=True) as session:
        row = session.scalars(select(FriendInvite)).one()
        pending = friends.pending_invites(session, jess.person_id, T0)
    assert row.token_hash == accounts.token_hash(made.token)
    assert row.code_hash == accounts.token_hash(made.code.replace("-", ""))
    assert made.token not in (row.token_hash, row.code_hash)
    assert [p.id for p in pending] == [made.id]


def test_accepting_a_link_makes_two_friends_once(db_engine: Engine) -> None:
    jess, milly, sam = (_person(db_engine, h) for h in ("jess", "milly", "sam"))
    made = _invite(db_engine, jess)
    with unit_of_work(db_engine, read_only=True) as session:
        preview = friends.preview_link(session, milly.person_id, made.token, T0)
    assert preview.inviter.handle == "jess" and not preview.own and not preview.already_friends
    with unit_of_work(db_engine) as session:
        inviter = friends.accept_link(session, milly.person_id, made.token, T0)
    assert inviter.display_name == "Jess"
    assert _friends_of(db_engine, jess) == ["milly"] and _friends_of(db_engine, milly) == ["jess"]
    with pytest.raises(NotFoundError, match="used"), unit_of_work(db_engine) as session:
        friends.accept_link(session, sam.person_id, made.token, T0)  # single use
    # The code of a used invite is dead too.
    assert isinstance(_by_code(db_engine, sam, "jess", made.code), WrongCodeError)
    with unit_of_work(db_engine, read_only=True) as session:
        assert friends.pending_invites(session, jess.person_id, T0) == []
        assert friends.are_friends(session, jess.person_id, milly.person_id)
        assert friends.are_friends(session, milly.person_id, jess.person_id)
        assert not friends.are_friends(session, jess.person_id, sam.person_id)
        assert not friends.are_friends(session, jess.person_id, jess.person_id)


def test_own_invite_and_already_friends_are_refused_clearly(db_engine: Engine) -> None:
    jess, milly = _person(db_engine, "jess"), _person(db_engine, "milly")
    first, second = _invite(db_engine, jess), _invite(db_engine, jess)
    own = pytest.raises(PermissionDeniedError, match="your own invite")
    with own, unit_of_work(db_engine) as session:
        friends.accept_link(session, jess.person_id, first.token, T0)
    with pytest.raises(PermissionDeniedError, match="your own invite"):
        _by_code(db_engine, jess, "JESS", first.code)
    with unit_of_work(db_engine) as session:
        friends.accept_link(session, milly.person_id, first.token, T0)
    already = pytest.raises(ConflictError, match="you and Jess are friends already")
    with already, unit_of_work(db_engine) as session:
        friends.accept_link(session, milly.person_id, second.token, T0)
    with unit_of_work(db_engine, read_only=True) as session:  # nothing was used up
        assert [p.id for p in friends.pending_invites(session, jess.person_id, T0)] == [second.id]
        assert friends.preview_link(session, milly.person_id, second.token, T0).already_friends


def test_links_and_codes_expire_by_the_clock(db_engine: Engine) -> None:
    jess, milly = _person(db_engine, "jess"), _person(db_engine, "milly")
    made = _invite(db_engine, jess)
    late_code = T0 + timedelta(hours=1, seconds=1)
    assert isinstance(_by_code(db_engine, milly, "jess", made.code, late_code), WrongCodeError)
    with pytest.raises(NotFoundError, match="expired"), unit_of_work(db_engine) as session:
        friends.accept_link(session, milly.person_id, made.token, T0 + timedelta(days=7))
    with unit_of_work(db_engine) as session:  # a second before the link's end it still works
        friends.accept_link(
            session, milly.person_id, made.token, T0 + timedelta(days=7) - timedelta(seconds=1)
        )
    assert _friends_of(db_engine, milly) == ["jess"]


def test_a_code_works_typed_loosely_and_only_once(db_engine: Engine) -> None:
    jess, milly, sam = (_person(db_engine, h) for h in ("jess", "milly", "sam"))
    made = _invite(db_engine, jess)
    typed = " " + made.code.lower().replace("0", "o").replace("1", "l") + " "
    result = _by_code(db_engine, milly, "Jess", typed, T0 + timedelta(minutes=59))
    assert not isinstance(result, WrongCodeError) and result.handle == "jess"
    assert _friends_of(db_engine, jess) == ["milly"]
    assert isinstance(_by_code(db_engine, sam, "jess", made.code), WrongCodeError)
    # The link of an invite used by code is dead.
    with pytest.raises(NotFoundError), unit_of_work(db_engine) as session:
        friends.accept_link(session, sam.person_id, made.token, T0)


def test_after_a_few_wrong_codes_the_code_is_dead(db_engine: Engine) -> None:
    jess, milly = _person(db_engine, "jess"), _person(db_engine, "milly")
    made = _invite(db_engine, jess)
    wrong = "0000000000" if made.code != "00000-00000" else "1111111111"
    for _ in range(RULES.tries):
        assert isinstance(_by_code(db_engine, milly, "jess", wrong), WrongCodeError)
    with unit_of_work(db_engine, read_only=True) as session:
        assert session.scalars(select(FriendInvite.code_failures)).one() == RULES.tries
    assert isinstance(_by_code(db_engine, milly, "jess", made.code), WrongCodeError)  # dead now
    assert _friends_of(db_engine, milly) == []
    with unit_of_work(db_engine) as session:  # the link still works: only the code is spent
        friends.accept_link(session, milly.person_id, made.token, T0)


def test_a_malformed_code_or_an_unknown_handle_counts_nothing_and_reveals_nothing(
    db_engine: Engine,
) -> None:
    jess, milly = _person(db_engine, "jess"), _person(db_engine, "milly")
    made = _invite(db_engine, jess)
    with pytest.raises(ReelmatesError, match="10 letters and digits"):
        _by_code(db_engine, milly, "jess", "12345")
    nobody = _by_code(db_engine, milly, "nobody", made.code)
    wrong = _by_code(db_engine, milly, "jess", "ZZZZZZZZZZ" if "Z" not in made.code else "0" * 10)
    assert isinstance(nobody, WrongCodeError) and isinstance(wrong, WrongCodeError)
    assert nobody.message == wrong.message
    with unit_of_work(db_engine, read_only=True) as session:
        assert session.scalars(select(FriendInvite.code_failures)).one() == 1


def test_decline_and_cancel_end_the_invite(db_engine: Engine) -> None:
    jess, milly = _person(db_engine, "jess"), _person(db_engine, "milly")
    declined, cancelled = _invite(db_engine, jess), _invite(db_engine, jess)
    with pytest.raises(PermissionDeniedError), unit_of_work(db_engine) as session:
        friends.decline_link(session, jess.person_id, declined.token, T0)
    with unit_of_work(db_engine) as session:
        assert friends.decline_link(session, milly.person_id, declined.token, T0).handle == "jess"
    with pytest.raises(NotFoundError), unit_of_work(db_engine) as session:
        friends.cancel_invite(session, milly.person_id, cancelled.id, T0)  # not hers
    with unit_of_work(db_engine) as session:
        friends.cancel_invite(session, jess.person_id, cancelled.id, T0)
    for made in (declined, cancelled):
        with pytest.raises(NotFoundError), unit_of_work(db_engine) as session:
            friends.accept_link(session, milly.person_id, made.token, T0)
        assert isinstance(_by_code(db_engine, milly, "jess", made.code), WrongCodeError)
    assert _friends_of(db_engine, milly) == []


def test_removing_a_friend_ends_it_for_both(db_engine: Engine) -> None:
    jess, milly, sam = (_person(db_engine, h) for h in ("jess", "milly", "sam"))
    for friend in (milly, sam):
        made = _invite(db_engine, jess)
        with unit_of_work(db_engine) as session:
            friends.accept_link(session, friend.person_id, made.token, T0)
    assert _friends_of(db_engine, jess) == ["milly", "sam"]
    with unit_of_work(db_engine) as session:
        assert friends.remove_friend(session, milly.person_id, "JESS").handle == "jess"
    assert _friends_of(db_engine, jess) == ["sam"] and _friends_of(db_engine, milly) == []
    with pytest.raises(NotFoundError), unit_of_work(db_engine) as session:
        friends.remove_friend(session, milly.person_id, "jess")


def test_require_friends_lets_friends_and_me_through_and_hides_strangers(
    db_engine: Engine,
) -> None:
    jess, milly, sam = (_person(db_engine, h) for h in ("jess", "milly", "sam"))
    made = _invite(db_engine, jess)
    with unit_of_work(db_engine) as session:
        friends.accept_link(session, milly.person_id, made.token, T0)
    with unit_of_work(db_engine, read_only=True) as session:
        found = friends.require_friends(session, jess.person_id, ["Milly", jess.person_id])
        assert [f.handle for f in found] == ["milly", "jess"]
        with pytest.raises(NotFoundError) as stranger:
            friends.require_friends(session, jess.person_id, ["milly", "sam"])
        with pytest.raises(NotFoundError) as nobody:
            friends.require_friends(session, jess.person_id, ["zed"])
        with pytest.raises(NotFoundError):
            friends.require_friends(session, milly.person_id, [sam.person_id])
    assert stranger.value.status_code == 404
    assert stranger.value.message.replace("'sam'", "X") == nobody.value.message.replace(
        "'zed'", "X"
    )


def test_a_friend_link_is_a_sign_up_invite_when_sign_up_is_by_invitation(
    db_engine: Engine,
) -> None:
    jess = _person(db_engine, "jess")
    made = _invite(db_engine, jess, policy="invite-only")
    assert made.signup_allowed
    with unit_of_work(db_engine) as session:
        newcomer = accounts.sign_up(
            session,
            PASSWORDS,
            policy="invite-only",
            handle="milly",
            display_name=None,
            password="a long password",
            invite=made.token,
            now=T0,
        )
        friends.accept_link(session, newcomer.person_id, made.token, T0)
    with pytest.raises(PermissionDeniedError), unit_of_work(db_engine) as session:
        accounts.sign_up(  # the link lets one person sign up, once
            session,
            PASSWORDS,
            policy="invite-only",
            handle="sam",
            display_name=None,
            password="a long password",
            invite=made.token,
            now=T0,
        )
    assert _friends_of(db_engine, jess) == ["milly"]
    assert not _invite(db_engine, jess, policy="closed").signup_allowed
    with unit_of_work(db_engine, read_only=True) as session:
        assert len(session.scalars(select(SignupInvite)).all()) == 1  # none for "closed"
