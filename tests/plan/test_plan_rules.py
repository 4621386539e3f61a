"""The rules of a night's plan: proposals, places, states; and the poll's counts, by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reelmates.errors import ConflictError, InvalidValueError
from reelmates.plan import poll, rules
from reelmates.plan.rules import Answer, NightStatus, PlaceKind

NOW = datetime(2027, 7, 1, 12, 0, tzinfo=UTC)


def _times(n: int) -> list[datetime]:
    return [NOW + timedelta(days=d + 1) for d in range(n)]


@pytest.mark.parametrize("n", [2, 3, 5])
def test_two_to_five_times_come_back_earliest_first(n: int) -> None:
    given = list(reversed(_times(n)))
    assert rules.check_times(given, NOW) == tuple(_times(n))


@pytest.mark.parametrize("n", [0, 1, 6])
def test_fewer_than_two_or_more_than_five_times_are_refused_saying_how_many(n: int) -> None:
    with pytest.raises(InvalidValueError, match=f"propose 2 to 5 times; {n} w"):
        rules.check_times(_times(n), NOW)


def test_a_time_twice_or_a_time_passed_is_refused() -> None:
    twice = [NOW + timedelta(days=1)] * 2
    with pytest.raises(InvalidValueError, match="the same time is proposed twice"):
        rules.check_times(twice, NOW)
    with pytest.raises(InvalidValueError, match="1 of the proposed times has passed"):
        rules.check_times([NOW, NOW + timedelta(hours=1)], NOW)  # now itself is not to come


def test_a_place_is_cleaned_and_a_cinema_needs_a_name() -> None:
    assert rules.clean_place("home", "  Jess's\t flat \n") == (PlaceKind.HOME, "Jess's flat")
    assert rules.clean_place("home", "") == (PlaceKind.HOME, "")
    assert rules.clean_place("cinema", "The Electric") == (PlaceKind.CINEMA, "The Electric")
    with pytest.raises(InvalidValueError, match="name the cinema"):
        rules.clean_place("cinema", "   ")
    with pytest.raises(InvalidValueError, match="'pub' is not a kind of place"):
        rules.clean_place("pub", "The Swan")
    with pytest.raises(InvalidValueError, match="201 characters long; at most 200"):
        rules.clean_place("home", "x" * 201)
    with pytest.raises(InvalidValueError, match="control characters"):
        rules.clean_place("home", "a\x00b")
    assert rules.place_label(PlaceKind.HOME, "") == "At home"
    assert rules.place_label(PlaceKind.HOME, "Jess's") == "At home (Jess's)"
    assert rules.place_label(PlaceKind.CINEMA, "The Electric") == "Cinema: The Electric"


def test_a_night_ends_after_the_film_or_two_hours_and_is_over_then() -> None:
    start = NOW + timedelta(hours=1)
    assert rules.ends_at(start, 95) == start + timedelta(minutes=95)
    assert rules.ends_at(start, None) == start + timedelta(hours=2)
    assert not rules.is_over(start, 95, start + timedelta(minutes=94))
    assert rules.is_over(start, 95, start + timedelta(minutes=95))
    assert not rules.is_over(None, 95, NOW + timedelta(days=999))


def test_each_state_allows_its_own_actions() -> None:
    rules.require_planning(NightStatus.PLANNING, "vote")
    with pytest.raises(ConflictError, match="the time is fixed already"):
        rules.require_planning(NightStatus.FIXED, "vote")
    rules.require_fixed(NightStatus.FIXED, "RSVP")
    with pytest.raises(ConflictError, match="not fixed yet"):
        rules.require_fixed(NightStatus.PLANNING, "RSVP")
    for check in (rules.require_planning, rules.require_fixed):
        with pytest.raises(ConflictError, match="called off"):
            check(NightStatus.CANCELLED, "act")
    rules.require_open(NightStatus.FIXED, False, "move it")
    with pytest.raises(ConflictError, match="this night is over"):
        rules.require_open(NightStatus.FIXED, True, "move it")


# --- the poll --------------------------------------------------------------------------------

T1, T2, T3 = NOW + timedelta(days=1), NOW + timedelta(days=2), NOW + timedelta(days=3)
ANN, BOB, CAT = 1, 2, 3


def test_the_poll_counts_each_answer_and_prefers_most_who_can_come() -> None:
    answers = {
        (10, ANN): Answer.YES,
        (10, BOB): Answer.NO,
        (10, CAT): Answer.YES,
        (20, ANN): Answer.YES,
        (20, BOB): Answer.IF_NEED_BE,
        (20, CAT): Answer.YES,
        (30, ANN): Answer.NO,
        (30, 99): Answer.YES,  # someone no longer in the night: not counted
    }
    counted = poll.tally([(10, T1), (20, T2), (30, T3)], [ANN, BOB, CAT], answers)
    assert [(t.yes, t.if_need_be, t.no, t.unanswered) for t in counted] == [
        (2, 0, 1, 0),
        (2, 1, 0, 0),
        (0, 0, 1, 2),
    ]
    assert [t.can_come for t in counted] == [2, 3, 0]
    assert poll.best_times(counted) == (20,)  # three can come to T2, two to T1


def test_a_plain_yes_breaks_a_tie_and_equal_times_are_all_best_earliest_first() -> None:
    gladly = {(10, ANN): Answer.IF_NEED_BE, (20, ANN): Answer.YES}
    assert poll.best_times(poll.tally([(10, T1), (20, T2)], [ANN], gladly)) == (20,)
    same = {(10, ANN): Answer.YES, (20, ANN): Answer.YES}
    assert poll.best_times(poll.tally([(20, T2), (10, T1)], [ANN], same)) == (10, 20)


def test_no_time_is_best_while_nobody_can_come() -> None:
    assert poll.best_times(poll.tally([(10, T1), (20, T2)], [ANN, BOB], {})) == ()
    nobody = {(10, ANN): Answer.NO, (20, BOB): Answer.NO}
    assert poll.best_times(poll.tally([(10, T1), (20, T2)], [ANN, BOB], nobody)) == ()
