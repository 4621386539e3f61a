"""``reelmates recommend NAME [NAME...]``: one person's picks, or a group's, from the database."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from reelmates.cli.common import DbOption, console, settings_from
from reelmates.cli.text import film_text, why_lines, why_text
from reelmates.errors import NotFoundError, ReelmatesError
from reelmates.together.inputs import Filters, SeenPolicy
from reelmates.together.strategies import DEFAULT_STRATEGY, Strategy

if TYPE_CHECKING:
    from reelmates.services.personal import PersonalPick
    from reelmates.services.taste import ModelHolder
    from reelmates.services.together import GroupPick
    from reelmates.together.wording import Why


def member_cell(chance: float, stars: float, rated: bool) -> str:
    """One member's figures for a pick: their chance of liking it (what the order is made of),
    then their stars, "(rated)" when the stars are their own rating."""
    parts = [] if math.isnan(chance) else [f"{chance:.0%}"]
    if not math.isnan(stars):
        parts.append(f"{stars:g}★ (rated)" if rated else f"{stars:.1f}★")
    return "\n".join(parts) or "–"


RUNTIME_UNKNOWN = "runtime unknown"  # beside a film let through --max-runtime for lack of one


def _with_note(why: Text, note: bool) -> Text:
    return Text("\n").join([why, Text(RUNTIME_UNKNOWN)]) if note else why


def group_table(result: GroupPick, title: str | None = None) -> Table:
    """A group's picks, one row per film: the group's fit (the figure the order follows, never
    rising down the list), each member's chance of liking it and their stars, and the reasons."""
    table = Table(show_lines=True, title=None if title is None else Text(title))
    table.add_column("#", justify="right")
    table.add_column("Film")
    table.add_column("Fit", justify="right")
    for name in result.ranking.members:
        table.add_column(Text(name), justify="right")
    table.add_column("Why")
    unknown = result.runtime_unknown or tuple(False for _ in result.ranking.picks)
    for n, (pick, year, no_runtime) in enumerate(
        zip(result.ranking.picks, result.years, unknown, strict=True), 1
    ):
        notes = [n for n in (pick.watchlist, pick.turn) if n is not None]
        why: list[Why] = [*pick.reasons, *pick.seen, *notes]
        chances = pick.chances or tuple(math.nan for _ in pick.stars)
        rated = pick.rated or tuple(False for _ in pick.stars)
        table.add_row(
            str(n),
            film_text(pick.title, year, style="bold"),
            "–" if math.isnan(pick.fit) else f"{pick.fit:.0%}",
            *(member_cell(c, s, r) for c, s, r in zip(chances, pick.stars, rated, strict=True)),
            _with_note(why_lines(why), no_runtime),
        )
    return table


def personal_table(picks: Sequence[PersonalPick], who: str) -> Table:
    """One person's picks: predicted stars and the reason (their own, so without the name)."""
    table = Table(title=Text(f"For {who}"))  # a name is plain text, never markup
    for column in ("#", "Film", "★", "Why"):
        table.add_column(column)
    for n, mine in enumerate(picks, 1):
        table.add_row(
            str(n),
            film_text(mine.title, mine.year),
            f"{mine.stars:.1f}",
            _with_note(why_text(mine.reason, with_name=False), mine.runtime_unknown),
        )
    return table


def print_stale_note(holder: ModelHolder) -> None:
    """Say so when the database changed after the model was trained (an import, new films)."""
    reason = holder.get().stale_reason
    if reason:
        note = f"Note: the taste model is out of date: {reason}."
        console.print(note, style="yellow", markup=False)


def _years(spec: str | None) -> tuple[int | None, int | None]:
    if not spec:
        return None, None
    single = re.fullmatch(r"\s*(\d{4})\s*", spec)
    span = re.fullmatch(r"\s*(\d{4})?\s*-\s*(\d{4})?\s*", spec)
    low: str | None
    high: str | None
    if single:
        low = high = single.group(1)
    elif span and (span.group(1) or span.group(2)):
        low, high = span.group(1), span.group(2)
    else:
        raise ReelmatesError(f"--years {spec!r}: use 1990-1999, 1990-, -1999 or 1994")
    if low and high and int(low) > int(high):
        raise ReelmatesError(f"--years {spec!r}: the first year comes after the last")
    return (int(low) if low else None, int(high) if high else None)


def _pairs(values: list[str], option: str) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for value in values:
        who, sep, what = value.partition("=")
        if not sep or not who.strip() or not what.strip():
            raise ReelmatesError(f"{option} {value!r}: use NAME=VALUE, e.g. Jess=Horror")
        out.setdefault(who.strip(), set()).add(what.strip())
    return {k: frozenset(v) for k, v in out.items()}


GROUP_ONLY_HINT = "Name two or more people to use it, or leave it out for one person."


def personal_options(
    person: str,
    *,
    strategy: Strategy | None,
    seen: SeenPolicy | None,
    private: Sequence[str],
    veto_genre: Mapping[str, frozenset[str]],
    veto_film: Mapping[str, frozenset[str]],
) -> tuple[frozenset[str], frozenset[str]]:
    """The one-person pick's (vetoed genres, vetoed film titles), checking the options given.

    Filters and vetoes apply as for a group. Options that only mean something for a group are
    refused rather than ignored: --strategy (how tastes combine), --seen (a person is never
    offered a film they have seen) and --private (nobody else is there to see their ratings).
    A veto must name the person asked for (in any case).
    """
    for given, option in ((strategy, "--strategy"), (seen, "--seen"), (private, "--private")):
        if given:
            raise ReelmatesError(
                f"{option} is for a group; {person} is choosing alone", hint=GROUP_ONLY_HINT
            )
    for option, pairs in (("--veto-genre", veto_genre), ("--veto-film", veto_film)):
        for who in pairs:
            if who.casefold() != person.casefold():
                raise NotFoundError(
                    f"{option} names {who!r}, who is not {person}",
                    hint=f"Use {option} {person}=..., or leave it out.",
                )
    genres = frozenset().union(*veto_genre.values())
    titles = frozenset().union(*veto_film.values())
    return genres, titles


def recommend(
    people: Annotated[
        list[str], typer.Argument(help="One person, or 2–8 people choosing together.")
    ],
    k: Annotated[int, typer.Option(min=1, max=100, help="How many films.")] = 10,
    strategy: Annotated[
        Strategy | None,
        typer.Option(help=f"How members' tastes combine (groups; default {DEFAULT_STRATEGY})."),
    ] = None,
    seen: Annotated[
        SeenPolicy | None,
        typer.Option(
            help="When a film someone has seen stays on the list (groups; default "
            f"{SeenPolicy.PREFER_UNSEEN}; one person is never offered a film they have seen)."
        ),
    ] = None,
    genre: Annotated[list[str], typer.Option(help="Only films of any of these genres.")] = [],  # noqa: B006
    not_genre: Annotated[list[str], typer.Option(help="No films of these genres.")] = [],  # noqa: B006
    years: Annotated[str | None, typer.Option(help="Release years, e.g. 1990-1999.")] = None,
    max_runtime: Annotated[int | None, typer.Option(help="Longest runtime, minutes.")] = None,
    veto_genre: Annotated[
        list[str], typer.Option(help="A member's absolute veto: NAME=GENRE.")
    ] = [],  # noqa: B006
    veto_film: Annotated[
        list[str], typer.Option(help="A member's absolute veto: NAME=FILM TITLE.")
    ] = [],  # noqa: B006
    private: Annotated[
        list[str], typer.Option(help="Members whose ratings others must not see.")
    ] = [],  # noqa: B006
    db: DbOption = None,
) -> None:
    """Films for one person, or for a group to watch together, each with a reason per person.

    Filters and vetoes apply to one person as to a group; --strategy, --seen and --private are
    for groups only.
    """
    from reelmates.services.personal import PersonalOptions, recommend_for_person
    from reelmates.services.taste import ModelHolder
    from reelmates.services.together import GroupOptions, find_films, pick_together
    from reelmates.services.uow import unit_of_work
    from reelmates.store.migrate import open_database

    low, high = _years(years)
    filters = Filters(
        genres_in=frozenset(genre),
        genres_out=frozenset(not_genre),
        year_min=low,
        year_max=high,
        max_runtime=max_runtime,
    )
    genre_vetoes = _pairs(veto_genre, "--veto-genre")
    film_vetoes = _pairs(veto_film, "--veto-film")
    if len(people) == 1:
        person = people[0]
        vetoed_genres, vetoed_titles = personal_options(
            person,
            strategy=strategy,
            seen=seen,
            private=private,
            veto_genre=genre_vetoes,
            veto_film=film_vetoes,
        )
    settings = settings_from(db)
    engine = open_database(settings)
    holder = ModelHolder(settings.effective_model_dir, engine)
    context = holder.get()
    with unit_of_work(engine, read_only=True) as session:  # one read for the whole command
        if len(people) == 1:
            mine = PersonalOptions(
                filters=filters,
                vetoed_films=find_films(session, vetoed_titles) if vetoed_titles else frozenset(),
                vetoed_genres=vetoed_genres,
            )
            picks = recommend_for_person(session, context, person, k, mine)
        else:
            options = GroupOptions(
                k=k,
                strategy=strategy or DEFAULT_STRATEGY,
                seen_policy=seen or SeenPolicy.PREFER_UNSEEN,
                filters=filters,
                private=frozenset(private),
                vetoed_genres=genre_vetoes,
                vetoed_films={who: find_films(session, t) for who, t in film_vetoes.items()},
            )
            result = pick_together(session, context, people, options)
    if len(people) == 1:
        console.print(personal_table(picks, person))
        print_stale_note(holder)
        return
    console.print(group_table(result, title=" & ".join(people)))
    console.print(
        f"{result.ranking.strategy} strategy over {result.ranking.candidates:,} candidate films. "
        "Fit: the figure the order follows; under each name, their chance of liking the film, "
        "then their stars.",
        style="dim",
        markup=False,
    )
    print_stale_note(holder)


def register(app: typer.Typer) -> None:
    app.command("recommend")(recommend)
