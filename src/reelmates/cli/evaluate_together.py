"""``reelmates eval groups`` and ``reelmates eval swipes``: the watch-together protocols."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from reelmates.cli.eval_app import eval_app

if TYPE_CHECKING:
    from reelmates.taste.base import Scorer
    from reelmates.taste.matrix import RatingsMatrix

DataOption = Annotated[Path, typer.Option(help="A MovieLens folder (ml-100k, ml-1m, ...)")]


def _console() -> Console:
    console = Console()
    # Piped output (logs, notes) would otherwise squeeze the tables into 80 columns.
    return console if console.is_terminal else Console(width=140)


def register(app: typer.Typer) -> None:
    # The eval sub-app is mounted on ``app`` by cli.evaluate; we only add our commands to it.
    eval_app.command("groups")(groups)
    eval_app.command("swipes")(swipes)


def _fit(
    data: Path, seed: int, calibrate: bool, console: Console
) -> tuple[RatingsMatrix, RatingsMatrix, Scorer]:
    from reelmates.eval.movielens import load_movielens_ratings
    from reelmates.taste.default import default_collaborative
    from reelmates.taste.splits import stratified_split

    matrix = load_movielens_ratings(data)
    train, test = stratified_split(matrix, seed=seed)
    scorer = default_collaborative(matrix.n_items)
    with console.status(f"fitting {scorer.name} on the training part"):
        scorer.fit(train, calibrate=calibrate, seed=seed)
    console.print(
        f"{data}: {matrix.n_users} people, {matrix.n_items} films; split seed {seed} "
        f"(as eval individual); scorer {scorer.describe()}"
    )
    return train, test, scorer


def groups(
    data: DataOption,
    seed: Annotated[int, typer.Option(help="Split and group seed")] = 42,
    n_groups: Annotated[int, typer.Option("--groups", min=1, help="Judged groups per cell")] = 300,
    k: Annotated[int, typer.Option(min=1)] = 10,
) -> None:
    """Mean- and min-member nDCG@k of every strategy on random, similar and divergent groups."""
    from reelmates.cli.common import progress_bars
    from reelmates.eval.group_draw import GroupKind
    from reelmates.eval.groups import evaluate_groups, pooled
    from reelmates.together.strategies import DEFAULT_STRATEGY, Strategy

    console = _console()
    train, test, scorer = _fit(data, seed, False, console)
    sizes = (2, 3, 4, 8)
    with progress_bars() as progress:
        progress.stage("drawing and judging groups", total=len(sizes) * len(GroupKind) * n_groups)
        rows = evaluate_groups(
            train, test, scorer, sizes=sizes, n_groups=n_groups, k=k, seed=seed,
            progress=progress.advance,
        )  # fmt: skip
    table = Table(title=f"Group top-{k}: relevant = held-out rating ≥ 4; candidates unseen by all")
    for col in ("groups", "size", "judged", "left out", "strategy"):
        table.add_column(col, justify="left" if col in ("groups", "strategy") else "right")
    for col in (f"mean-member nDCG@{k}", f"min-member nDCG@{k}", "someone gets nothing"):
        table.add_column(col, justify="right")
    for r in rows:
        mark = " (default)" if r.strategy is DEFAULT_STRATEGY else ""
        table.add_row(
            r.kind.value, str(r.size), str(r.groups), str(r.left_out), f"{r.strategy}{mark}",
            f"{r.mean_ndcg:.4f}", f"{r.min_ndcg:.4f}", f"{r.nothing_share:.1%}",
        )  # fmt: skip
    console.print(table)
    pool = pooled(rows, GroupKind.RANDOM, (2, 3, 4))
    averages = (Strategy.AVERAGE, Strategy.NORMALISED_AVERAGE)
    best_mean = max(pool[s][0] for s in averages)
    best_min = max(pool[s][1] for s in averages)
    mean, low = pool[DEFAULT_STRATEGY]
    console.print(
        f"random groups of 2–4 pooled: default ({DEFAULT_STRATEGY}) min-member {low:.4f} vs the "
        f"better average {best_min:.4f} ({low / best_min - 1:+.1%}; bar +10%); mean-member "
        f"{mean:.4f} vs {best_mean:.4f} ({mean / best_mean - 1:+.1%}; bar within -3%)"
    )


def swipes(
    data: DataOption,
    seed: Annotated[int, typer.Option(help="Split and group seed")] = 42,
    n_groups: Annotated[int, typer.Option("--groups", min=1, help="Groups per size")] = 300,
) -> None:
    """Cards swiped until the first match: adaptive vs random, popularity and static orders."""
    from reelmates.cli.common import progress_bars
    from reelmates.eval.swipes import evaluate_swipes

    console = _console()
    train, test, scorer = _fit(data, seed, False, console)
    sizes = (2, 3, 4)
    with progress_bars() as progress:
        progress.stage("simulating swipe sessions", total=len(sizes) * n_groups)
        rows = evaluate_swipes(
            train, test, scorer, sizes=sizes, n_groups=n_groups, seed=seed,
            progress=progress.advance,
        )  # fmt: skip
    table = Table(title="Cards until the first match (like = held-out rating ≥ 4)")
    for col in ("size", "match rule", "groups", "order", "median", "90th pct", "mean"):
        table.add_column(col, justify="left" if col in ("match rule", "order") else "right")
    for r in rows:
        table.add_row(
            str(r.size), r.rule, str(r.groups), r.order.value,
            f"{r.median:g}", f"{r.p90:.1f}", f"{r.mean:.1f}",
        )  # fmt: skip
    console.print(table)
    console.print(
        "static = the default group strategy's first list, never updated; static-average = the "
        "plain average's (reference)"
    )
