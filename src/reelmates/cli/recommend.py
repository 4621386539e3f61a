"""``reelmates recommend NAME [NAME...]``: one person's picks, or a group's, from the database."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from reelmates.cli.common import DbOption, console, settings_from
from reelmates.errors import NotFoundError, ReelmatesError
from reelmates.together.inputs import Filters, SeenPolicy
from reelmates.together.strategies import DEFAULT_STRATEGY, Strategy

if TYPE_CHECKING:
    from reelmates.services.personal import PersonalPick
    from reelmates.services.taste import ModelHolder
    from reelmates.services.together import GroupPick


def italic_titles(line: str) -> str:
    """Reasons mark titles as *Title*; show them in italics (and keep any other [ ] literal)."""
    return re.sub(r"\*([^*]+)\*", r"[italic]\1[/italic]", escape(line))


def group_table(result: GroupPick, title: str | None = None) -> Table:
    """A group's picks: each member's predicted stars and the reasons, one row per film."""
    table = Table(show_lines=True, title=title)
    table.add_column("#", justify="right")
    table.add_column("Film")
    for name in result.ranking.members:
        table.add_column(f"{name} ★", justify="right")
    table.add_column("Why")
    for n, (pick, year) in enumerate(zip(result.ranking.picks, result.years, strict=True), 1):
        why = [*pick.reasons, *pick.seen, *([pick.watchlist] if pick.watchlist else [])]
        if n <= len(result.runtime_unknown) and result.runtime_unknown[n - 1]:
            why.append(RUNTIME_UNKNOWN)
        table.add_row(
            str(n),
            f"[bold]{escape(pick.title)}[/] ({year})" if year else f"[bold]{escape(pick.title)}[/]",
            *(f"{s:.1f}" for s in pick.stars),
            "\n".join(italic_titles(line) for line in why),
        )
    return table


RUNTIME_UNKNOWN = "runtime unknown"  # beside a film let through --max-runtime for lack of one


def personal_table(picks: Sequence[PersonalPick], person: str) -> Table:
    """One person's picks: predicted stars and the reason, one row per film."""
    table = Table(title=Text(f"For {person}"))  # a name is plain text, never markup
    for column in ("#", "Film", "★", "Why"):
        table.add_column(column)
    for n, mine in enumerate(picks, 1):
        name = f"{mine.title} ({mine.year})" if mine.year else mine.title
        why = italic_titles(mine.reason)
        if mine.runtime_unknown:
            why += f"\n{RUNTIME_UNKNOWN}"
        table.add_row(str(n), escape(name), f"{mine.stars:.1f}", why)
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
            f"{SeenPolicy.UNLESS_ALL}; one person is never offered a film they have seen)."
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
    if len(people) == 1:
        mine = PersonalOptions(
            filters=filters,
            vetoed_films=find_films(engine, vetoed_titles) if vetoed_titles else frozenset(),
            vetoed_genres=vetoed_genres,
        )
        console.print(personal_table(recommend_for_person(holder, person, k, mine), person))
        print_stale_note(holder)
        return
    options = GroupOptions(
        k=k,
        strategy=strategy or DEFAULT_STRATEGY,
        seen_policy=seen or SeenPolicy.UNLESS_ALL,
        filters=filters,
        private=frozenset(private),
        vetoed_genres=genre_vetoes,
        vetoed_films={who: find_films(engine, titles) for who, titles in film_vetoes.items()},
    )
    result = pick_together(holder, people, options)
    console.print(group_table(result, title=" & ".join(people)))
    console.print(
        f"{result.ranking.strategy} strategy over {result.ranking.candidates:,} candidate films.",
        style="dim",
    )
    print_stale_note(holder)


def register(app: typer.Typer) -> None:
    app.command("recommend")(recommend)
