"""The English words for reasons, seen notes, watchlist notes and swipe cards: one place.

Every front end words the engines' structured reasons (``together.reasons``) with these. They
give *parts*: plain-text pieces, each marked when it is a film title, so that the terminal can set
titles in italics (``rich.text.Text.append(part.text, style="italic")``) and a web page can wrap
them in a link, without ever reading a title or a name as markup. :func:`plain` joins the parts
into one plain line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from reelmates.together.reasons import Reason, ReasonKind, SeenNote, TurnNote, WatchlistNote
from reelmates.together.swipes import CardReason

Why = Reason | SeenNote | WatchlistNote | TurnNote


class Part(NamedTuple):
    text: str
    title: bool = False  # a film title (``Reason.titles``), to be set apart, never parsed
    film: int | None = None  # the item the title belongs to (for a link)


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def reason_parts(
    reason: Reason, *, with_name: bool = True, to_member: bool = True
) -> tuple[Part, ...]:
    """ "Milly: like *Beaches* and *Terms of Endearment*, which you loved" as parts.

    ``with_name`` False leaves out the "Milly: " lead (a person's own list). ``to_member`` False
    words it about the member to someone else (a friend's reason on the viewer's page): "like
    *Beaches*, which Milly loved"; True addresses the member ("you"), as their own list does and
    as the terminal does, shown to the whole group."""
    lead = (Part(f"{reason.member}: "),) if with_name else ()
    who = "you" if to_member else reason.member
    whose = "your" if to_member else f"{reason.member}'s"
    kind = reason.kind
    if kind is ReasonKind.LIKE_LOVED:
        body: list[Part] = [Part("like ")]
        n = len(reason.titles)
        for j, (film, title) in enumerate(zip(reason.films, reason.titles, strict=True)):
            if j:
                body.append(Part(" and " if j == n - 1 else ", "))
            body.append(Part(title, title=True, film=film))
        body.append(Part(f", which {who} loved"))
        return (*lead, *body)
    if kind is ReasonKind.PRIVATE:
        text = f"suits {reason.member}'s taste"
    elif kind is ReasonKind.NO_RATINGS:
        text = "a crowd favourite (no ratings to go on yet)"
    elif kind is ReasonKind.CHANGE:
        text = f"a change from {whose} usual, liked by people with {whose} taste"
    else:
        stars = reason.stars if reason.stars is not None else float("nan")
        text = f"about {stars:.1f}★ for them"
    return (*lead, Part(text))


def seen_parts(note: SeenNote) -> tuple[Part, ...]:
    """ "Jess has seen it (5★)", or "Jess has seen it" when she gave no stars."""
    stars = "" if note.stars is None else f" ({note.stars:g}★)"
    return (Part(f"{note.member} has seen it{stars}"),)


def watchlist_parts(note: WatchlistNote) -> tuple[Part, ...]:
    """ "On Jess's and Sam's watchlists"."""
    owners = [f"{n}'s" for n in note.members]
    return (Part(f"On {_and(owners)} watchlist" + ("s" if len(owners) > 1 else "")),)


NUMBER_WORDS = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def turn_parts(note: TurnNote) -> tuple[Part, ...]:
    """ "Milly's turn: the last three picks suited Jess better" ("the last pick" for one; "recent
    picks" when the very latest did not suit Jess better, though on the whole they did)."""
    n = note.picks
    if n == 0:
        which = "recent picks"
    elif n == 1:
        which = "the last pick"
    else:
        count = NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else str(n)
        which = f"the last {count} picks"
    return (Part(f"{note.member}'s turn: {which} suited {note.ahead} better"),)


def why_parts(why: Why, *, with_name: bool = True, to_member: bool = True) -> tuple[Part, ...]:
    if isinstance(why, Reason):
        return reason_parts(why, with_name=with_name, to_member=to_member)
    if isinstance(why, SeenNote):
        return seen_parts(why)
    if isinstance(why, TurnNote):
        return turn_parts(why)
    return watchlist_parts(why)


def plain(parts: Sequence[Part]) -> str:
    """The parts as one plain-text line (titles as they are, no quoting)."""
    return "".join(p.text for p in parts)


def why_text(why: Why, *, with_name: bool = True, to_member: bool = True) -> str:
    """One plain-text line for a reason or a note."""
    return plain(why_parts(why, with_name=with_name, to_member=to_member))


CARD_TEXT = {
    CardReason.LIKELIEST: "One of the likeliest matches for your group",
    CardReason.MOVED_UP: "Moved up after your swipes",
}


def card_text(reason: CardReason) -> str:
    """Why a swipe card is shown (never another member's swipes or chances)."""
    return CARD_TEXT[reason]
