"""Names, titles and reasons print as plain text in the terminal: "M*A*S*H", "[/]", "[bold]x"."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from reelmates.cli.companions import companions_table, pairings_table
from reelmates.cli.recommend import group_table, personal_table
from reelmates.cli.text import why_text
from reelmates.services.personal import PersonalPick
from reelmates.services.together import GroupPick
from reelmates.together.companions import Companion, Pairing
from reelmates.together.ranker import GroupRanking, Pick
from reelmates.together.reasons import Reason, ReasonKind, SeenNote, WatchlistNote
from reelmates.together.strategies import DEFAULT_STRATEGY

BOLD = "[bold]x"  # a person's name
MASH = Reason(BOLD, ReasonKind.LIKE_LOVED, (1, 2), ("M*A*S*H", "[/]"))
PRIVATE = Reason("Milly", ReasonKind.PRIVATE)


def _render(table: Table) -> tuple[str, str]:
    console = Console(
        file=io.StringIO(), record=True, width=240, emoji=False, color_system="truecolor"
    )
    console.print(table)
    return console.export_text(clear=False), console.export_text(styles=True)


def test_a_reason_sets_only_its_titles_in_italics() -> None:
    text = why_text(MASH)
    assert text.plain == "[bold]x: like M*A*S*H and [/], which you loved"
    italic = [text.plain[s.start : s.end] for s in text.spans if s.style == "italic"]
    assert italic == ["M*A*S*H", "[/]"]
    assert not [s for s in text.spans if s.style != "italic"]


def test_group_table_prints_user_data_literally() -> None:
    pick = Pick(
        item=0,
        title="[/] :100:",
        score=1.0,
        stars=(4.0, 3.5),
        reasons=(MASH, PRIVATE),
        seen=(SeenNote(BOLD, 5.0),),
        watchlist=WatchlistNote((BOLD,)),
    )
    ranking = GroupRanking((BOLD, "Milly"), DEFAULT_STRATEGY, (pick,), candidates=10)
    plain, styled = _render(group_table(GroupPick(ranking, (7,), (1970,), "m"), title=BOLD))
    header = plain.splitlines()[2]  # after the table's title and top border
    assert "[bold]x" in header and "Milly" in header  # the members' columns, as typed
    assert "[/] :100: (1970)" in plain  # no emoji, no closing tag
    assert "[bold]x: like M*A*S*H and [/], which you loved" in plain
    assert "Milly: suits Milly's taste" in plain
    assert "[bold]x has seen it (5★)" in plain and "On [bold]x's watchlist" in plain
    assert plain.count("[bold]x") == 5  # title, column, reason, seen note, watchlist note
    assert "\x1b[3mM*A*S*H\x1b[0m" in styled  # the title in italics, asterisks kept
    assert "\x1b[1m[/] :100:\x1b[0m (1970)" in styled  # the film in bold, not its year


def test_personal_and_companion_tables_print_user_data_literally() -> None:
    mine = PersonalPick(1, "M*A*S*H", 1970, 4.2, MASH)
    plain, _ = _render(personal_table([mine], BOLD))
    assert "For [bold]x" in plain and "M*A*S*H (1970)" in plain
    assert "like M*A*S*H and [/], which you loved" in plain
    assert "[bold]x: like" not in plain  # their own list: no name before each reason
    companion = Companion("b", BOLD, 4.0, True, SeenNote(BOLD, 2.0))
    plain, _ = _render(companions_table([companion], "[/]", "M*A*S*H"))
    assert "Who should [/] see M*A*S*H with?" in plain and "[bold]x has seen it (2★)" in plain
    pairing = Pairing("b", BOLD, 0, "[/]", 4.0, 3.0, (MASH, PRIVATE))
    plain, _ = _render(pairings_table([pairing], "[i]me"))
    assert "[i]me ★" in plain and "[bold]x: like M*A*S*H and [/]" in plain
