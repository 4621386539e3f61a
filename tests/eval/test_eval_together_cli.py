"""``reelmates eval groups`` and ``eval swipes`` end to end on a tiny MovieLens-shaped folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelmates.cli.app import main


def _folder(root: Path) -> Path:
    # ML-100K's layout: u.data (user, item, rating, timestamp; tabs) and u.item (pipes, 19 genre
    # flags). Two taste clusters over 60 films, so matches and similar/divergent groups exist.
    rng = np.random.default_rng(7)
    lines = []
    for u in range(1, 61):
        side = u % 2
        own = rng.choice(30, 20, replace=False) + 30 * side
        other = rng.choice(30, 5, replace=False) + 30 * (1 - side)
        for i in np.concatenate([own, other]).tolist():
            liked = (i < 30) == (side == 0)
            stars = rng.integers(4, 6) if liked else rng.integers(1, 3)
            lines.append(f"{u}\t{i + 1}\t{stars}\t0")
    root.mkdir()
    (root / "u.data").write_text("\n".join(lines) + "\n", encoding="latin-1")
    films = []
    for i in range(1, 61):
        flags = ["0"] * 19
        flags[1 if i <= 30 else 8] = "1"  # Action or Drama, by cluster
        films.append("|".join([str(i), f"Film {i} (199{i % 10})", "", "", "", *flags]))
    (root / "u.item").write_text("\n".join(films) + "\n", encoding="latin-1")
    return root


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main(args)
    assert done.value.code == 0
    return capsys.readouterr().out


def test_eval_swipes_on_the_shipped_model_over_seeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _folder(tmp_path / "ml-tiny")
    out = _run(["eval", "swipes", "--data", str(data), "--seeds", "1,2", "--groups", "6"], capsys)
    assert "mean over 2 seed(s)" in out
    assert "seed 1: hybrid(" in out and "seed 2: hybrid(" in out  # the shipped model, with facts
    for order in ("adaptive, own pace", "adaptive, lockstep", "random", "popularity", "static"):
        assert order in out
    assert " 12 " in out  # 6 groups per size and seed, summed over the two seeds


def test_eval_groups_on_the_shipped_model_over_seeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _folder(tmp_path / "ml-tiny")
    # Seed 4 has few admissible groups of some kinds, drawn again and again: the draw is bounded
    # by draws, not by distinct groups, or this would never end.
    out = _run(["eval", "groups", "--data", str(data), "--seeds", "3,4", "--groups", "4"], capsys)
    assert "mean over 2 seed(s)" in out
    assert "seed 3: hybrid(" in out and "seed 4: hybrid(" in out
    assert "random groups of 2–4 pooled" in out
    # The sequence measure: the same groups over ten nights, and its bar, holding or not.
    assert "The same group over 10 nights" in out
    assert "nudge least-served" in out and "turn-taking mean" in out
    assert "the bar holds" in out or "the bar does not hold" in out
    # A quicker run leaves it out.
    assert "--no-sequence" in _run(["eval", "groups", "--help"], capsys)


def test_seeds_must_be_integers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _folder(tmp_path / "ml-tiny")
    with pytest.raises(SystemExit) as done:
        main(["eval", "swipes", "--data", str(data), "--seeds", "forty-two"])
    assert done.value.code == 2
    assert "seeds are integers" in capsys.readouterr().err
