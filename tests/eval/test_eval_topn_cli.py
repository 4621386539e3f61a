"""``reelmates topn`` on small files: the contract, and a bad line named."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest

from reelmates.cli.app import main


def _write(path: Path, rows: list[str]) -> None:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_every_user_gets_k_unrated_items(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    lines = ["user,item,rating,timestamp"]
    rated: dict[str, set[str]] = {}
    for u in range(30):
        for i in rng.choice(40, 8, replace=False):
            lines.append(f"user {u},film-{i},{rng.integers(1, 6)},0")
            rated.setdefault(f"user {u}", set()).add(f"film-{i}")
    _write(tmp_path / "in.csv", lines)
    with pytest.raises(SystemExit) as done:
        main(["topn", "--ratings", str(tmp_path / "in.csv"), "--k", "5",
              "--out", str(tmp_path / "out.csv")])  # fmt: skip
    assert done.value.code == 0
    with (tmp_path / "out.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["user", "item", "rank", "score"]
    by_user: dict[str, list[tuple[int, str, float]]] = {}
    for user, item, rank, score in rows[1:]:
        by_user.setdefault(user, []).append((int(rank), item, float(score)))
    assert set(by_user) == set(rated)
    for user, recs in by_user.items():
        assert [r for r, _, _ in recs] == [1, 2, 3, 4, 5]
        assert not {item for _, item, _ in recs} & rated[user]
        assert all(a[2] >= b[2] for a, b in itertools.pairwise(recs))


def test_bad_line_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path / "in.csv", ["user,item,rating", "a,x,4", "b,y,four", "c,z,3"])
    with pytest.raises(SystemExit) as done:
        main(["topn", "--ratings", str(tmp_path / "in.csv"), "--out", str(tmp_path / "o.csv")])
    assert done.value.code == 2
    assert "in.csv:3" in capsys.readouterr().err
    _write(tmp_path / "h.csv", ["person,film,stars", "a,x,4"])
    with pytest.raises(SystemExit):
        main(["topn", "--ratings", str(tmp_path / "h.csv"), "--out", str(tmp_path / "o.csv")])
    assert "h.csv:1" in capsys.readouterr().err
