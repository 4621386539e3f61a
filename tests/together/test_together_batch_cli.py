"""``reelmates together``: the batch contract on a tiny hand-made file."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from reelmates.cli.app import main


def _write_ratings(path: Path, rng: np.random.Generator) -> dict[str, set[str]]:
    rated: dict[str, set[str]] = {}
    with path.open("w") as f:
        f.write("user,item,rating\n")
        for u in range(12):
            items = rng.choice(40, 12, replace=False)
            for i in items.tolist():
                f.write(f"u{u},film{i},{rng.integers(1, 6)}\n")
                rated.setdefault(f"u{u}", set()).add(f"film{i}")
    return rated


def test_together_writes_top_k_per_group_never_rated(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    ratings = tmp_path / "train.csv"
    rated = _write_ratings(ratings, rng)
    groups = tmp_path / "groups.txt"
    groups.write_text("u0,u1\nu2,u3,u4\nu5\n")
    out = tmp_path / "out.csv"
    with pytest.raises(SystemExit) as done:
        main(["together", "--ratings", str(ratings), "--groups", str(groups), "--k", "5",
              "--out", str(out)])  # fmt: skip
    assert done.value.code == 0
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["group", "item", "rank", "score"]
    by_group: dict[str, list[list[str]]] = {}
    for row in rows[1:]:
        by_group.setdefault(row[0], []).append(row)
    members = [["u0", "u1"], ["u2", "u3", "u4"], ["u5"]]
    assert sorted(by_group) == ["0", "1", "2"]
    for g, lst in by_group.items():
        assert [int(r[2]) for r in lst] == [1, 2, 3, 4, 5]
        scores = [float(r[3]) for r in lst]
        assert scores == sorted(scores, reverse=True)
        seen = set().union(*(rated[m] for m in members[int(g)]))
        assert not seen & {r[1] for r in lst}


def test_unknown_user_names_the_line(
    tmp_path: Path, rng: np.random.Generator, capsys: pytest.CaptureFixture[str]
) -> None:
    ratings = tmp_path / "train.csv"
    _write_ratings(ratings, rng)
    groups = tmp_path / "groups.txt"
    groups.write_text("u0,u1\nu2,nobody\n")
    with pytest.raises(SystemExit) as done:
        main(["together", "--ratings", str(ratings), "--groups", str(groups),
              "--out", str(tmp_path / "o.csv")])  # fmt: skip
    assert done.value.code != 0
    assert f"{groups}:2: unknown user 'nobody'" in capsys.readouterr().err.replace("\n", "")
