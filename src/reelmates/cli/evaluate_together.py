"""``reelmates eval groups`` and ``reelmates eval swipes``: the watch-together protocols."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from reelmates.cli.eval_app import eval_app, parse_seeds

if TYPE_CHECKING:
    import scipy.sparse as sp

    from reelmates.cli.common import RichProgress
    from reelmates.eval.sequence import SequenceScore
    from reelmates.taste.base import Scorer
    from reelmates.taste.matrix import RatingsMatrix

DataOption = Annotated[Path, typer.Option(help="A MovieLens folder (ml-100k, ml-1m, ...)")]
SeedsOption = Annotated[
    str,
    typer.Option(help="Seeds, comma-separated: each its own split, shipped model fit and groups"),
]


def _console() -> Console:
    console = Console()
    # Piped output (logs, notes) would otherwise squeeze the tables into 80 columns.
    return console if console.is_terminal else Console(width=140)


def register(app: typer.Typer) -> None:
    # The eval sub-app is mounted on ``app`` by cli.evaluate; we only add our commands to it.
    eval_app.command("groups")(groups)
    eval_app.command("swipes")(swipes)


def _load(data: Path) -> tuple[RatingsMatrix, sp.csr_matrix | None]:
    """The ratings and, where the folder lists films, their features (as ``eval individual``)."""
    from reelmates.eval.movielens import load_movielens_films, load_movielens_ratings
    from reelmates.taste.features import build_item_features

    matrix = load_movielens_ratings(data)
    films = load_movielens_films(data, matrix.item_ids)
    features = build_item_features(films).matrix if films is not None else None
    return matrix, features


def _fit(
    matrix: RatingsMatrix, features: sp.csr_matrix | None, seed: int, progress: RichProgress
) -> tuple[RatingsMatrix, RatingsMatrix, Scorer]:
    """The split of ``seed`` (as ``eval individual``) and the model ``train`` ships, fitted on its
    training part: tuned by validation inside it, with the stars calibration."""
    from reelmates.taste.default import shipped_scorer
    from reelmates.taste.splits import stratified_split

    train, test = stratified_split(matrix, seed=seed)
    progress.stage(f"seed {seed}: tuning and fitting the shipped model on the training part")
    scorer = shipped_scorer(train, features, seed=seed).fit(train, calibrate=True, seed=seed)
    return train, test, scorer


def _describe(console: Console, data: Path, matrix: RatingsMatrix, models: list[str]) -> None:
    seeds = ", ".join(s for s, _ in (m.split(": ", 1) for m in models))
    console.print(
        f"{data}: {matrix.n_users} people, {matrix.n_items} films, {matrix.nnz} ratings; "
        f"split seeds {seeds} (as eval individual); the shipped model (what `train` serves), "
        "tuned and fitted with calibration on each split's train:"
    )
    for m in models:
        console.print(f"  seed {m}")


def groups(
    data: DataOption,
    seeds: SeedsOption = "42,43,44,45,46",
    n_groups: Annotated[int, typer.Option("--groups", min=1, help="Judged groups per cell")] = 300,
    k: Annotated[int, typer.Option(min=1)] = 10,
    sequence: Annotated[
        bool,
        typer.Option(
            "--sequence/--no-sequence",
            help="Also the same groups over ten nights: the fairness nudge, none, turn-taking",
        ),
    ] = True,
) -> None:
    """Mean- and min-member nDCG@k of every strategy on random, similar and divergent groups,
    for the shipped model; then (``--sequence``) the same groups over ten successive nights, with
    the fairness nudge, without it and taking turns; the mean over seeds."""
    from reelmates.cli.common import progress_bars
    from reelmates.eval.group_draw import GroupKind
    from reelmates.eval.groups import evaluate_groups, mean_over_seeds, pooled
    from reelmates.eval.sequence import evaluate_sequences
    from reelmates.together.strategies import DEFAULT_STRATEGY, Strategy

    console = _console()
    seed_list = parse_seeds(seeds)
    matrix, features = _load(data)
    sizes = (2, 3, 4, 8)
    runs, models = [], []
    nights: list[list[SequenceScore]] = []
    with progress_bars() as progress:
        for seed in seed_list:
            train, test, scorer = _fit(matrix, features, seed, progress)
            models.append(f"{seed}: {scorer.describe()}")
            total = len(sizes) * len(GroupKind) * n_groups
            progress.stage(f"seed {seed}: drawing and judging groups", total=total)
            run = evaluate_groups(
                train, test, scorer, sizes=sizes, n_groups=n_groups, k=k, seed=seed,
                progress=progress.advance,
            )  # fmt: skip
            runs.append(run)
            if sequence:
                progress.stage(f"seed {seed}: ten nights for each group", total=total)
                seq = evaluate_sequences(
                    train, test, scorer, sizes=sizes, n_groups=n_groups, seed=seed,
                    progress=progress.advance,
                )  # fmt: skip
                nights.append(seq)
    _describe(console, data, matrix, models)
    rows = mean_over_seeds(runs)
    table = Table(
        title=f"Group top-{k}, mean over {len(seed_list)} seed(s): relevant = held-out rating ≥ 4; "
        "candidates unseen by all; judged and left out summed over seeds"
    )
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
    if sequence:
        _sequence_table(console, nights, len(seed_list))


def _sequence_table(console: Console, runs: list[list[SequenceScore]], n_seeds: int) -> None:
    """The sequence measure's table and its bar (``eval.sequence``)."""
    from reelmates.eval.group_draw import GroupKind
    from reelmates.eval.sequence import NIGHTS, Plan, mean_over_seeds, verdict

    rows = mean_over_seeds(runs)
    table = Table(
        title=f"The same group over {NIGHTS} nights, each night's film watched: cumulative "
        f"nDCG@1 (relevant = held-out rating ≥ 4) of the least-served member and the members' "
        f"mean, mean over {n_seeds} seed(s); the groups of the table above"
    )
    for col in ("groups", "size", "judged"):
        table.add_column(col, justify="left" if col == "groups" else "right")
    plans = (Plan.NUDGE, Plan.NO_NUDGE, Plan.TURNS)
    for plan in plans:
        table.add_column(f"{plan}: least-served", justify="right")
        table.add_column(f"{plan}: mean", justify="right")
    cells: dict[tuple[GroupKind, int], dict[Plan, SequenceScore]] = {}
    for r in rows:
        cells.setdefault((r.kind, r.size), {})[r.plan] = r
    for (kind, size), by_plan in cells.items():
        figures = [f"{v:.4f}" for p in plans for v in (by_plan[p].least, by_plan[p].mean)]
        table.add_row(kind.value, str(size), str(by_plan[Plan.NUDGE].groups), *figures)
    console.print(table)
    v = verdict(rows, (GroupKind.RANDOM,), (2, 3, 4))
    (least, mean), (plain_least, plain_mean) = v.pooled[Plan.NUDGE], v.pooled[Plan.NO_NUDGE]
    turns_mean = v.pooled[Plan.TURNS][1]
    console.print(
        f"random groups of 2–4 pooled, {NIGHTS} nights: nudge least-served {least:.4f} vs no "
        f"nudge {plain_least:.4f} ({v.lift:+.1%}; bar +10%); mean {mean:.4f} vs {plain_mean:.4f} "
        f"(cost {v.cost:.1%}; bar at most 2%); turn-taking mean {turns_mean:.4f} (bar: below "
        f"the nudge's): the bar {'holds' if v.holds else 'does not hold'}"
    )


def swipes(
    data: DataOption,
    seeds: SeedsOption = "42,43,44,45,46",
    n_groups: Annotated[int, typer.Option("--groups", min=1, help="Groups per size")] = 300,
) -> None:
    """Cards swiped until the first match, shipped model: adaptive (own pace and lockstep) vs
    random, popularity and static orders; the mean over seeds."""
    from reelmates.cli.common import progress_bars
    from reelmates.eval.swipes import evaluate_swipes, mean_over_seeds

    console = _console()
    seed_list = parse_seeds(seeds)
    matrix, features = _load(data)
    sizes = (2, 3, 4)
    runs, models = [], []
    with progress_bars() as progress:
        for seed in seed_list:
            train, test, scorer = _fit(matrix, features, seed, progress)
            models.append(f"{seed}: {scorer.describe()}")
            progress.stage(f"seed {seed}: simulating swipe sessions", total=len(sizes) * n_groups)
            swiped = evaluate_swipes(
                train, test, scorer, sizes=sizes, n_groups=n_groups, seed=seed,
                progress=progress.advance,
            )  # fmt: skip
            runs.append(swiped)
    _describe(console, data, matrix, models)
    rows = mean_over_seeds(runs)
    table = Table(
        title=f"Cards until the first match (like = held-out rating ≥ 4): mean over "
        f"{len(seed_list)} seed(s) of each seed's median, 90th percentile and mean; groups summed"
    )
    for col in ("size", "match rule", "groups", "order", "median", "90th pct", "mean"):
        table.add_column(col, justify="left" if col in ("match rule", "order") else "right")
    for r in rows:
        table.add_row(
            str(r.size), r.rule, str(r.groups), r.order.value,
            f"{r.median:g}", f"{r.p90:.1f}", f"{r.mean:.1f}",
        )  # fmt: skip
    console.print(table)
    console.print(
        "adaptive, own pace = the live room: members take turns, each dealt the likeliest match "
        "given every swipe so far, counted as cards per member (ceil(swipes / size)); lockstep = "
        "everyone swipes the same card; static = the default group strategy's first list, never "
        "updated; static-average = the plain average's (reference)"
    )
