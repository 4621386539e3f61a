"""``reelmates topn``: top-k films for every person in a ratings CSV, for other tools to call.

Reads only its input file (no database, no catalog) and fits the default collaborative scorer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    app.command("topn")(topn)


def topn(
    ratings: Annotated[Path, typer.Option(help="CSV: user,item,rating[,timestamp], stars 0.5-5")],
    out: Annotated[Path, typer.Option(help="Where to write user,item,rank,score")],
    k: Annotated[int, typer.Option(min=1, help="Films per person")] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the model fit")] = 0,
) -> None:
    """Top k films per person, never one they rated in the input."""
    import numpy as np

    from reelmates.cli.batch_io import OutputCsv, read_ratings_csv
    from reelmates.taste.default import default_collaborative

    err = Console(stderr=True, emoji=False)
    # Both files are checked before the fit: a bad --out must not cost the whole fit.
    with OutputCsv(out) as output:
        matrix = read_ratings_csv(ratings)
        scorer = default_collaborative(matrix.n_items)
        with err.status(f"fitting {scorer.name} on {matrix.nnz} ratings"):
            scorer.fit(matrix, calibrate=False, seed=seed)
            idx, scores = scorer.recommend_users(np.arange(matrix.n_users), k)
        rows = []
        user_ids, item_ids = matrix.user_ids, matrix.item_ids
        for u in range(matrix.n_users):
            pairs = zip(idx[u].tolist(), scores[u].tolist(), strict=True)
            for rank, (i, s) in enumerate(pairs, 1):
                if i < 0:
                    break
                rows.append((user_ids[u], item_ids[i], rank, f"{s:.6g}"))
        output.write(["user", "item", "rank", "score"], rows)
    err.print(
        f"{scorer.describe()}: top {k} for {matrix.n_users} people → {out}",
        markup=False,
        highlight=False,
    )
