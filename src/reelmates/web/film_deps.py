"""Dependencies of the film, search and picks routes: the model (or why there is none) and the
filters a picks request carries in its query string."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BeforeValidator, Field

from reelmates.services.films_page import taste_or_none
from reelmates.services.personal import PersonalOptions
from reelmates.services.taste import TasteContext
from reelmates.together.inputs import Filters
from reelmates.web.deps import HolderDep

PICKS_DEFAULT, PICKS_MAX = 20, 100


@dataclass(frozen=True)
class Taste:
    """The model being served, or None and a sentence saying why not."""

    context: TasteContext | None
    note: str | None


def optional_taste(holder: HolderDep) -> Taste:
    context, note = taste_or_none(holder)
    return Taste(context, note)


TasteDep = Annotated[Taste, Depends(optional_taste)]


@dataclass(frozen=True)
class PicksQuery:
    k: int
    options: PersonalOptions


def _blank_is_none(value: object) -> object:
    """A form's empty number field arrives as ``?year_min=``: it means no limit."""
    return None if value == "" else value


Year = Annotated[int, Field(ge=1870, le=2100)]
Minutes = Annotated[int, Field(ge=1, le=1500)]


def filters_query(
    genre: Annotated[list[str], Query(description="Any of these genres.")] = [],  # noqa: B006
    not_genre: Annotated[list[str], Query(description="None of these genres.")] = [],  # noqa: B006
    year_min: Annotated[Year | None, BeforeValidator(_blank_is_none), Query()] = None,
    year_max: Annotated[Year | None, BeforeValidator(_blank_is_none), Query()] = None,
    max_runtime: Annotated[
        Minutes | None, BeforeValidator(_blank_is_none), Query(description="Minutes.")
    ] = None,
) -> Filters:
    """The filters of a picks or watch-together request (an empty field: no limit)."""
    return Filters(
        genres_in=frozenset(g for g in genre if g),
        genres_out=frozenset(g for g in not_genre if g),
        year_min=year_min,
        year_max=year_max,
        max_runtime=max_runtime,
    )


FiltersDep = Annotated[Filters, Depends(filters_query)]


def picks_query(
    filters: FiltersDep, k: Annotated[int, Query(ge=1, le=PICKS_MAX)] = PICKS_DEFAULT
) -> PicksQuery:
    return PicksQuery(k=k, options=PersonalOptions(filters=filters))


PicksQueryDep = Annotated[PicksQuery, Depends(picks_query)]
