"""Choosing the fairness nudge's settings on validation, never on the reported seeds' test ratings.

MovieLens 100K is split with a seed ``eval groups`` does not report (0 by default; it reports
42–46); its test part is never read. Inside its training part a second split (fit / validation)
plays the roles of train / test: the shipped model is tuned and fitted on the fit part, the
sequence protocol of ``eval groups`` (``eval/sequence.py``) runs on random groups of 2–4 judged
against the validation ratings, for every setting on the grid. Prints, per setting, the pooled
least-served and mean cumulative nDCG@1 against no nudge and turn-taking, and which one the rule
picks: the largest least-served lift whose mean costs at most ``--max-cost`` (half the bar's 2%,
for the noise of one split).

    python benchmarks/tune_nudge.py --data ../shared/data/ml-100k [--seed 0] [--groups 300]
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

from reelmates.eval.group_draw import GroupKind
from reelmates.eval.movielens import load_movielens_films, load_movielens_ratings
from reelmates.eval.sequence import Plan, evaluate_sequences, verdict
from reelmates.taste.default import shipped_scorer
from reelmates.taste.features import build_item_features
from reelmates.taste.splits import stratified_split
from reelmates.together.turns import NudgeParams

STRENGTHS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
DECAYS = (0.6, 0.8, 1.0)
SIZES = (2, 3, 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0, help="not one of the reported 42–46")
    parser.add_argument("--groups", type=int, default=300, help="groups per size")
    parser.add_argument("--max-cost", type=float, default=0.01)
    args = parser.parse_args()
    if 42 <= args.seed <= 46:
        parser.error("42–46 are the seeds eval groups reports: tune on another")
    start = time.perf_counter()
    matrix = load_movielens_ratings(args.data)
    films = load_movielens_films(args.data, matrix.item_ids)
    features = build_item_features(films).matrix if films is not None else None
    train, _never_read = stratified_split(matrix, seed=args.seed)
    fit, validation = stratified_split(train, seed=args.seed + 1)
    scorer = shipped_scorer(fit, features, seed=args.seed).fit(fit, calibrate=True, seed=args.seed)
    print(f"seed {args.seed}: fit {fit.nnz} ratings, validation {validation.nnz}; "
          f"{scorer.describe()} ({time.perf_counter() - start:.0f} s)")  # fmt: skip
    grid = [NudgeParams(strength=s, decay=d) for s, d in itertools.product(STRENGTHS, DECAYS)]
    rows = evaluate_sequences(
        fit, validation, scorer, sizes=SIZES, kinds=(GroupKind.RANDOM,), n_groups=args.groups,
        seed=args.seed, nudges=grid,
    )  # fmt: skip
    best: tuple[float, NudgeParams] | None = None
    first = verdict(rows, (GroupKind.RANDOM,), SIZES, grid[0])
    plain, turns = first.pooled[Plan.NO_NUDGE], first.pooled[Plan.TURNS]
    print(f"no nudge: least-served {plain[0]:.4f}, mean {plain[1]:.4f}; "
          f"turn-taking: least-served {turns[0]:.4f}, mean {turns[1]:.4f}")  # fmt: skip
    print("strength decay  least   mean    lift    cost   > turns")
    for params in grid:
        v = verdict(rows, (GroupKind.RANDOM,), SIZES, params)
        least, mean = v.pooled[Plan.NUDGE]
        print(f"{params.strength:8g} {params.decay:5g}  {least:.4f} {mean:.4f} "
              f"{v.lift:+7.1%} {v.cost:+7.2%}  {v.beats_turns}")  # fmt: skip
        if v.cost <= args.max_cost and v.beats_turns and (best is None or v.lift > best[0]):
            best = (v.lift, params)
    print(f"chosen: {best[1] if best else None} ({time.perf_counter() - start:.0f} s in all)")


if __name__ == "__main__":
    main()
