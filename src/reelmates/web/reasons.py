"""Reasons as a page shows them: the wording's parts, each title with the film id it links to."""

from __future__ import annotations

from dataclasses import dataclass

from reelmates.services.catalog_index import CatalogIndex
from reelmates.together.reasons import Reason
from reelmates.together.wording import reason_parts


@dataclass(frozen=True)
class PartView:
    text: str
    title: bool = False
    film_id: int | None = None  # a title that links to its film page


def reason_view(
    reason: Reason, catalog: CatalogIndex, *, with_name: bool = False, viewers: bool = True
) -> list[PartView]:
    """Parts of ``reason`` for a template; cited model items become database film ids.
    ``viewers`` False: the reason is another member's, worded about them ("which Milly
    loved"), not to the viewer ("which you loved")."""
    return [
        PartView(
            part.text,
            part.title,
            None if part.film is None else int(catalog.film_ids[part.film]),
        )
        for part in reason_parts(reason, with_name=with_name, to_member=viewers)
    ]
