"""Finding a rating given twice anywhere in a file (known answers worked by hand)."""

from __future__ import annotations

from reelmates.importers.records import RatingRecord
from reelmates.importers.repeats import RepeatedRating, find_repeated_rating


def _records(rows: list[tuple[str, str]]) -> list[RatingRecord]:
    return [RatingRecord(p, f, 4.0, None, line) for line, (p, f) in enumerate(rows, start=2)]


def test_no_repeat() -> None:
    assert find_repeated_rating(_records([("1", "10"), ("1", "11"), ("2", "10")])) is None


def test_the_earliest_second_occurrence_is_reported() -> None:
    rows = [("1", "10"), ("2", "10"), ("3", "7"), ("2", "10"), ("1", "10")]
    # lines 2..6: (2,10) repeats on line 5 (first on 3); (1,10) repeats later, on line 6.
    assert find_repeated_rating(_records(rows)) == RepeatedRating("2", "10", 3, 5)


def test_ids_are_compared_as_written() -> None:
    assert find_repeated_rating(_records([("1", "10"), ("10", "1")])) is None
