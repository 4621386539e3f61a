"""`recommend NAME` for one person: group-only options are refused, vetoes must name them."""

from __future__ import annotations

import pytest

from reelmates.cli.recommend import personal_options
from reelmates.errors import NotFoundError, ReelmatesError
from reelmates.together.inputs import SeenPolicy
from reelmates.together.strategies import Strategy

NONE: dict[str, frozenset[str]] = {}


def test_vetoes_for_the_person_in_any_case_are_kept() -> None:
    genres, titles = personal_options(
        "Jess",
        strategy=None,
        seen=None,
        private=[],
        veto_genre={"jess": frozenset({"Horror"}), "JESS": frozenset({"Drama"})},
        veto_film={"Jess": frozenset({"Heat (1995)"})},
    )
    assert genres == {"Horror", "Drama"}
    assert titles == {"Heat (1995)"}


@pytest.mark.parametrize(
    ("given", "option"),
    [
        ({"strategy": Strategy.FAIR}, "--strategy"),
        ({"seen": SeenPolicy.SHOW_ALL}, "--seen"),
        ({"private": ["Jess"]}, "--private"),
    ],
)
def test_group_only_options_are_refused(given: dict[str, object], option: str) -> None:
    kwargs: dict[str, object] = {"strategy": None, "seen": None, "private": []} | given
    with pytest.raises(ReelmatesError, match=f"{option} is for a group") as err:
        personal_options("Jess", veto_genre=NONE, veto_film=NONE, **kwargs)  # type: ignore[arg-type]
    assert err.value.hint and "two or more people" in err.value.hint


def test_a_veto_naming_someone_else_is_an_error() -> None:
    with pytest.raises(NotFoundError, match="'Milly', who is not Jess"):
        personal_options(
            "Jess",
            strategy=None,
            seen=None,
            private=[],
            veto_genre={"Milly": frozenset({"Horror"})},
            veto_film=NONE,
        )
