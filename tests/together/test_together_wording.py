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


def test_a_reason_about_someone_else_names_them_instead_of_you() -> None:
    assert why_text(MASH, to_member=False) == "Milly: like M*A*S*H and [/], which Milly loved"
    assert reason_parts(MASH, with_name=False, to_member=False)[-1] == Part(", which Milly loved")
    assert why_text(Reason("Bo", ReasonKind.CHANGE), with_name=False, to_member=False) == (
        "a change from Bo's usual, liked by people with Bo's taste"
    )
    # The kinds that never say "you" read the same either way; a private member's cites nothing.
    for kind in (ReasonKind.PRIVATE, ReasonKind.NO_RATINGS):
        reason = Reason("Bo", kind)
        assert why_text(reason, to_member=False) == why_text(reason)
    assert not any(p.title for p in reason_parts(Reason("Bo", ReasonKind.PRIVATE), to_member=False))
