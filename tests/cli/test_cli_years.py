"""--years forms the error message suggests, parsed by hand-worked answers."""

from __future__ import annotations

import pytest

from reelmates.cli.recommend import _years
from reelmates.errors import ReelmatesError


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("2015-", (2015, None)),
        ("-1999", (None, 1999)),
        ("1990-1999", (1990, 1999)),
        ("1994", (1994, 1994)),
        (None, (None, None)),
    ],
)
def test_years_forms(spec: str | None, expected: tuple[int | None, int | None]) -> None:
    assert _years(spec) == expected


@pytest.mark.parametrize("spec", ["-", "abc", "2000-1990"])
def test_years_errors(spec: str) -> None:
    with pytest.raises(ReelmatesError):
        _years(spec)


def test_consoles_do_not_read_emoji_codes() -> None:
    from reelmates.cli.common import console

    with console.capture() as cap:
        console.print(":100: :1234:", markup=False)
    assert ":100: :1234:" in cap.get()
