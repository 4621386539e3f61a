"""``reelmates eval individual``: the taste engine on the published protocol, as one table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from reelmates.cli.eval_app import eval_app, parse_seeds

if TYPE_CHECKING:
    from reelmates.eval.individual import ScorerSpec
    from reelmates.eval.onboarding import OnboardingRow
    from reelmates.taste.matrix import RatingsMatrix

Step = Callable[[str], None]


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")


@eval_app.command("individual")
def individual(
    data: Annotated[Path, typer.Option(help="A MovieLens folder (ml-100k, ml-1m, ml-latest...)")],
    seeds: Annotated[str, typer.Option(help="Split seeds, comma-separated")] = "42,43,44,45,46",
    k: Annotated[int, typer.Option(min=1)] = 10,
    new_people: Annotated[bool, typer.Option(help="Also fold in held-out people")] = True,
    onboarding: Annotated[
        bool, typer.Option(help="Also simulate onboarding (20 cards) on held-out people")
    ] = True,
    new_films: Annotated[
        bool, typer.Option(help="Also rank films nobody has rated yet (held-out films)")
    ] = True,
) -> None:
    """Precision, recall, nDCG, MAP at k, nDCG on ≥4★, RMSE and fit time for every scorer."""
    from reelmates.eval.individual import default_specs, run_individual
    from reelmates.eval.movielens import load_movielens_films, load_movielens_ratings
    from reelmates.eval.newfilms import run_new_films
    from reelmates.eval.newpeople import run_new_people
    from reelmates.taste.features import build_item_features

    seed_list = parse_seeds(seeds)
    matrix = load_movielens_ratings(data)
    films = load_movielens_films(data, matrix.item_ids)
    features = build_item_features(films).matrix if films is not None else None
    specs = default_specs(features)
    console = Console()
    console.print(
        f"{data}: {matrix.n_users} people, {matrix.n_items} films, {matrix.nnz} ratings; "
        f"seeds {seed_list}; top {k}"
    )
    steps = len(specs) * len(seed_list) * (1 + int(new_people) + int(new_films))
    steps += 3 * len(seed_list) if onboarding else 0
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("evaluating", total=steps)

        def step(what: str) -> None:
            progress.update(task, advance=1, description=what)

        rows = run_individual(matrix, seed_list, specs, k=k, on_step=step)
        fresh = run_new_people(matrix, seed_list, specs, k=k, on_step=step) if new_people else []
        cards = _onboarding(matrix, seed_list, specs, k, step) if onboarding else []
        unrated = run_new_films(matrix, seed_list, specs, k=k, on_step=step) if new_films else []
    title = f"Individual top-{k}, mean over {len(seed_list)} seed(s)"
    table = _table(title, "fit s", k)
    for r in rows:
        _add(table, None, r)
    console.print(table)
    shipped = next(r for r in rows if r.label == "shipped")
    console.print(f"shipped (what `train` fits, tuned inside each train) = {shipped.model}")
    _versus(console, "warm people", rows)
    if fresh:
        table = _table(f"New people folded in with n ratings (top-{k})", "ms/person", k, "n")
        for f in sorted(fresh, key=lambda f: f.given):
            _add(table, str(f.given), f.row)
        console.print(table)
        for n in sorted({f.given for f in fresh}):
            _versus(console, f"new people, {n} ratings", [f.row for f in fresh if f.given == n])
    if unrated:
        first = unrated[0]
        table = Table(
            title=f"New films: {first.new_films} films nobody rated yet, ranked among themselves "
            f"(top-{k}, {first.people} people per seed)"
        )
        for col in ("scorer", f"P@{k}", f"R@{k}", f"nDCG@{k}"):
            table.add_column(col, justify="left" if col == "scorer" else "right")
        for u in unrated:
            table.add_row(u.label, f"{u.precision:.4f}", f"{u.recall:.4f}", f"{u.ndcg:.4f}")
        console.print(table)
        _versus(console, "new films", list(unrated))
    if cards:
        from reelmates.taste.onboarding import OnboardingConfig

        console.print(_onboarding_table(cards, k, OnboardingConfig().budget))
        console.print(
            "rated: cards answered with stars (the rest were films the person never rated); "
            "scored on their ratings of films that are never a card, the same for every order"
        )


def _versus(console: Console, what: str, rows: list[Any], reference: str = "EASE (tuned)") -> None:
    """The shipped row's nDCG minus the reference's, per (seed, person), with its interval."""
    from reelmates.eval.bootstrap import paired_difference

    by_label = {r.label: r for r in rows}
    if "shipped" not in by_label or reference not in by_label:
        return
    d = paired_difference(by_label["shipped"].ndcg_people, by_label[reference].ndcg_people)
    verdict = "excludes 0" if d.excludes_zero else "includes 0"
    console.print(
        f"{what}: shipped − {reference} nDCG = {d.mean:+.4f}, {d.level:.0%} paired bootstrap "
        f"interval [{d.low:+.4f}, {d.high:+.4f}] over {d.n:,} (seed, person) pairs ({verdict})"
    )


def _onboarding(
    matrix: RatingsMatrix, seeds: list[int], specs: list[ScorerSpec], k: int, step: Step
) -> list[OnboardingRow]:
    from reelmates.eval.onboarding import run_onboarding

    shipped = next(s for s in specs if s.label == "shipped")
    return run_onboarding(matrix, seeds, shipped.factory, k=k, on_step=step)


def _onboarding_table(rows: list[OnboardingRow], k: int, budget: int) -> Table:
    table = Table(title=f"Onboarding: {budget} cards to held-out people, then top-{k} (shipped)")
    for col in ("order", "rated", f"P@{k}", f"R@{k}", f"nDCG@{k}", f"MAP@{k}", f"nDCG@{k} ≥4★"):
        table.add_column(col, justify="left" if col == "order" else "right")
    for r in rows:
        table.add_row(
            f"{r.order} order",
            f"{r.rated:.1f} of {budget}",
            f"{r.precision:.4f}",
            f"{r.recall:.4f}",
            f"{r.ndcg:.4f}",
            f"{r.map:.4f}",
            f"{r.ndcg4:.4f}",
        )
    return table


def _table(title: str, time_col: str, k: int, first: str | None = None) -> Table:
    table = Table(title=title)
    if first:
        table.add_column(first, justify="right")
    for col in ("scorer", f"P@{k}", f"R@{k}", f"nDCG@{k}", f"MAP@{k}", f"nDCG@{k} ≥4★"):
        table.add_column(col, justify="left" if col == "scorer" else "right")
    table.add_column("RMSE", justify="right")
    table.add_column(time_col, justify="right")
    return table


def _add(table: Table, first: str | None, r: object) -> None:
    from reelmates.eval.individual import Row

    assert isinstance(r, Row)
    table.add_row(
        *([first] if first is not None else []),
        r.label,
        f"{r.precision:.4f}",
        f"{r.recall:.4f}",
        f"{r.ndcg:.4f}",
        f"{r.map:.4f}",
        f"{r.ndcg4:.4f}",
        f"{r.rmse:.4f}",
        f"{r.fit_seconds:.2f}",
    )
