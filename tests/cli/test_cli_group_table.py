"""The group table shows the fit the order follows, each member's chance, and whose stars."""

from __future__ import annotations

from rich.console import Console

from reelmates.cli.recommend import group_table
from reelmates.services.together import GroupPick
from reelmates.together.ranker import GroupRanking, Pick
from reelmates.together.strategies import Strategy


def test_group_table_shows_fit_chances_and_own_ratings() -> None:
    pick = Pick(
        item=0,
        title="M*A*S*H [/]",
        score=0.6,
        stars=(2.0, 4.25),
        reasons=(),
        seen=(),
        watchlist=None,
        rated=(True, False),
        fit=0.615,
        chances=(0.35, 0.88),
    )
    ranking = GroupRanking(("Jess", "Sam"), Strategy.FAIR, (pick,), candidates=10)
    result = GroupPick(ranking, film_ids=(1,), years=(1970,), model="test")
    console = Console(width=120, record=True)
    console.print(group_table(result))
    text = console.export_text()
    assert "Fit" in text and "62%" in text
    assert "35%" in text and "2★ (rated)" in text
    assert "88%" in text and "4.2★" in text and "4.2★ (rated)" not in text
    assert "M*A*S*H [/]" in text
