"""What a swipe session (a room) was started with, kept as JSON in its row: the filters, the seen
policy, and whether its deck holds only the films the group can watch (``services.media``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from reelmates.services.catalog_index import CatalogIndex
from reelmates.services.media.available import available_to
from reelmates.services.together import allowed_mask
from reelmates.together.inputs import BoolArray, Filters, SeenPolicy


@dataclass(frozen=True)
class RoomOptions:
    filters: Filters = field(default_factory=Filters)
    seen_policy: SeenPolicy = SeenPolicy.HIDE_IF_ANY
    available_only: bool = False  # only films the members can watch (a library, a mark)

    def to_json(self) -> str:
        f = self.filters
        return json.dumps(
            {
                "filters": {
                    "genres_in": sorted(f.genres_in),
                    "genres_out": sorted(f.genres_out),
                    "year_min": f.year_min,
                    "year_max": f.year_max,
                    "max_runtime": f.max_runtime,
                },
                "seen_policy": str(self.seen_policy),
                "available_only": self.available_only,
            }
        )

    @classmethod
    def from_json(cls, text: str | None) -> RoomOptions:
        """The options stored (a room from before a field existed: its default)."""
        options = json.loads(text or "{}")
        f = options.get("filters", {})
        return cls(
            filters=Filters(
                genres_in=frozenset(f.get("genres_in", ())),
                genres_out=frozenset(f.get("genres_out", ())),
                year_min=f.get("year_min"),
                year_max=f.get("year_max"),
                max_runtime=f.get("max_runtime"),
            ),
            seen_policy=SeenPolicy(options.get("seen_policy", SeenPolicy.HIDE_IF_ANY)),
            available_only=bool(options.get("available_only", False)),
        )


def available_mask(
    session: Session, catalog: CatalogIndex, person_ids: list[int], options: RoomOptions
) -> BoolArray | None:
    """One flag per model item: the members can watch the film (None: the room deals every
    film). Read as the deck is built: a library synced since counts from the next rebuild."""
    if not options.available_only:
        return None
    return allowed_mask(catalog, frozenset(available_to(session, person_ids)))
