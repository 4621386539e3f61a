"""``reelmates together``: the top k films for each group in a file, for other tools to call.

Reads only its input files (no database, no catalog), fits the default collaborative scorer on
the ratings and ranks each group with the default strategy, never offering a film any member
rated in the input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("together")(together)


def read_groups(path: Path, known: set[str]) -> list[list[str]]:
    """One group per line, member ids separated by commas; errors name the line."""
    from reelmates.errors import InputFileError
    from reelmates.importers.lines import decode_all

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, None, f"cannot read: {exc.strerror or exc}") from exc
    # Undecodable bytes, UTF-16 or a spreadsheet are named with their line and what to do.
    text = decode_all(data, str(path), "utf-8-sig").replace("\r\n", "\n")
    # Lines end at "\n" only (str.splitlines also breaks at \x1c-\x1e, \x85, U+2028...).
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    groups = []
    for n, line in enumerate(lines, 1):
        members = [m.strip() for m in line.split(",")]
        if not line.strip() or any(not m for m in members):
            raise InputFileError(path, n, "expected member ids separated by commas")
        unknown = [m for m in members if m not in known]
        if unknown:
            raise InputFileError(path, n, f"unknown user {unknown[0][:40]!r} (not in the ratings)")
        if len(set(members)) != len(members):
            raise InputFileError(path, n, "a member is listed twice")
        groups.append(members)
    if not groups:
        raise InputFileError(path, None, "no groups")
    return groups


def together(
    ratings: Annotated[Path, typer.Option(help="CSV: user,item,rating[,timestamp], stars 0.5-5")],
    groups: Annotated[Path, typer.Option(help="One group per line: member ids, comma-separated")],
    out: Annotated[Path, typer.Option(help="Where to write group,item,rank,score")],
    k: Annotated[int, typer.Option(min=1, help="Films per group")] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the model fit")] = 0,
) -> None:
    """Top k films per group (default strategy), never one a member rated in the input."""
    import numpy as np

    from reelmates.cli.batch_io import OutputCsv, read_ratings_csv
    from reelmates.cli.common import progress_bars
    from reelmates.taste.default import default_collaborative
    from reelmates.together.inputs import ItemFacts, Member, SeenPolicy
    from reelmates.together.ranker import rank_for_group

    # Both files are checked before the fit: a bad --out must not cost the whole fit.
    with OutputCsv(out) as output:
        matrix = read_ratings_csv(ratings)
        lines = read_groups(groups, set(matrix.user_ids.tolist()))
        scorer = default_collaborative(matrix.n_items)
        facts = ItemFacts(matrix.n_items)
        rows: list[tuple[object, ...]] = []
        with progress_bars() as progress:
            progress.stage(f"fitting {scorer.name} on {matrix.nnz} ratings")
            scorer.fit(matrix, calibrate=False, seed=seed)
            progress.stage("ranking for groups", total=len(lines))
            for g, ids in enumerate(lines):
                users = np.array([matrix.user_index(u) for u in ids])
                members = []
                for u, uid in zip(users.tolist(), ids, strict=True):
                    items, stars = matrix.history(u)
                    members.append(Member(uid, uid, items.astype(np.intp), stars))
                ranking = rank_for_group(
                    scorer.score_users(users),
                    None,
                    members,
                    facts,
                    k=k,
                    seen_policy=SeenPolicy.HIDE_IF_ANY,
                )
                for rank, pick in enumerate(ranking.picks, 1):
                    rows.append((g, matrix.item_ids[pick.item], rank, f"{pick.score:.6g}"))
                progress.advance(1)
        output.write(["group", "item", "rank", "score"], rows)
    typer.echo(f"{scorer.describe()}: top {k} for {len(lines)} groups → {out}", err=True)
