"""The time poll counted: for each proposed time how many said yes, if need be and no, and which
times suit the group best (most people who can come, then most who would gladly, then earliest).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from reelmates.plan.rules import Answer


@dataclass(frozen=True, slots=True)
class Tally:
    time_id: int
    starts_at: datetime  # UTC
    yes: int
    if_need_be: int
    no: int
    unanswered: int

    @property
    def can_come(self) -> int:
        """Everyone who can make it, gladly or if need be."""
        return self.yes + self.if_need_be


def tally(
    times: Sequence[tuple[int, datetime]],
    members: Sequence[int],
    answers: Mapping[tuple[int, int], Answer],
) -> list[Tally]:
    """Each time's counts, in the order given. ``answers`` maps (time id, member id) to an
    answer; answers of anyone not in ``members`` (someone who left) are not counted."""
    counted = []
    for time_id, starts_at in times:
        given = [answers.get((time_id, m)) for m in members]
        counted.append(
            Tally(
                time_id=time_id,
                starts_at=starts_at,
                yes=given.count(Answer.YES),
                if_need_be=given.count(Answer.IF_NEED_BE),
                no=given.count(Answer.NO),
                unanswered=given.count(None),
            )
        )
    return counted


def best_times(tallies: Sequence[Tally]) -> tuple[int, ...]:
    """The ids of the times that suit the group best: the most people who can come, then the
    most who said a plain yes. Ties are all returned, earliest first; no time is best while
    nobody can come to any."""
    if not tallies or max(t.can_come for t in tallies) == 0:
        return ()
    top = max((t.can_come, t.yes) for t in tallies)
    return tuple(
        t.time_id for t in sorted(tallies, key=lambda t: t.starts_at) if (t.can_come, t.yes) == top
    )
