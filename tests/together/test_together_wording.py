"""The English wording of reasons and notes: plain text, titles marked as parts, never parsed."""

from __future__ import annotations

from reelmates.together.reasons import Reason, ReasonKind, SeenNote, WatchlistNote
from reelmates.together.swipes import CardReason
from reelmates.together.wording import Part, card_text, reason_parts, why_text

MASH = Reason("Milly", ReasonKind.LIKE_LOVED, (3, 8), ("M*A*S*H", "[/]"))


def test_titles_are_parts_of_their_own_and_kept_as_they_are() -> None:
    assert reason_parts(MASH) == (
        Part("Milly: "),
        Part("like "),
        Part("M*A*S*H", title=True, film=3),
        Part(" and "),
        Part("[/]", title=True, film=8),
        Part(", which you loved"),
    )
    assert why_text(MASH) == "Milly: like M*A*S*H and [/], which you loved"
    assert why_text(MASH, with_name=False) == "like M*A*S*H and [/], which you loved"
    three = Reason("Jo", ReasonKind.LIKE_LOVED, (1, 2, 3), ("A", "B", "C"))
    assert why_text(three) == "Jo: like A, B and C, which you loved"


def test_every_kind_and_note_is_worded() -> None:
    assert why_text(Reason("[bold]x", ReasonKind.PRIVATE)) == "[bold]x: suits [bold]x's taste"
    assert why_text(Reason("Bo", ReasonKind.NO_RATINGS)) == (
        "Bo: a crowd favourite (no ratings to go on yet)"
    )
    assert why_text(Reason("Bo", ReasonKind.CHANGE)) == (
        "Bo: a change from your usual, liked by people with your taste"
    )
    assert why_text(Reason("Bo", ReasonKind.ESTIMATE, stars=3.26)) == "Bo: about 3.3★ for them"
    assert why_text(SeenNote("Jess", 4.5)) == "Jess has seen it (4.5★)"
    assert why_text(SeenNote("Jess")) == "Jess has seen it"
    assert why_text(WatchlistNote(("Jess",))) == "On Jess's watchlist"
    assert why_text(WatchlistNote(("A", "B", "C"))) == "On A's, B's and C's watchlists"
    assert card_text(CardReason.MOVED_UP) == "Moved up after your swipes"
