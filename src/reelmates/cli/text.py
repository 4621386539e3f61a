"""User data as rich ``Text``, never as markup: names, titles and reasons print as they are.

A title such as "M*A*S*H" or "[/]" and a name such as "[bold]x" go through ``Text.append``, which
never parses them; only the titles a reason cites are set in italics, by style.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text

from reelmates.together.wording import Part, Why, why_parts


def parts_text(parts: Sequence[Part]) -> Text:
    """Parts as one line, titles in italics."""
    text = Text()
    for part in parts:
        text.append(part.text, style="italic" if part.title else None)
    return text


def why_text(why: Why, *, with_name: bool = True) -> Text:
    """A reason, a seen note or a watchlist note, worded, titles in italics."""
    return parts_text(why_parts(why, with_name=with_name))


def why_lines(whys: Iterable[Why]) -> Text:
    """Several reasons and notes, one a line (a table cell)."""
    return Text("\n").join(why_text(w) for w in whys)


def film_text(title: str, year: int | None = None, *, style: str | None = None) -> Text:
    """ "Title (1994)": the title as plain text in ``style``, the year after it."""
    text = Text()
    text.append(title, style=style)
    if year:
        text.append(f" ({year})")
    return text
