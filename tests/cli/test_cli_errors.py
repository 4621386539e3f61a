"""Mistakes a user makes on the command line: one red line saying what to do, never a traceback."""

from __future__ import annotations

from pathlib import Path

from test_cli_imports import reelmates


def _one_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    return " ".join(stderr.split())


def test_input_that_looks_like_markup_is_shown_as_typed(tmp_path: Path) -> None:
    failed = reelmates("recommend", "Jess", "Milly", "--years", "[/]", home=tmp_path)
    assert failed.returncode == 2
    assert "--years '[/]'" in _one_error(failed.stderr)


def test_years_the_wrong_way_round(tmp_path: Path) -> None:
    failed = reelmates("recommend", "Jess", "Milly", "--years", "1999-1990", home=tmp_path)
    assert failed.returncode == 2
    assert "comes after" in _one_error(failed.stderr)


def test_unreachable_database_server(tmp_path: Path) -> None:
    failed = reelmates(
        "recommend", "Jess", "--db", "postgresql://nobody@127.0.0.1:1/x", home=tmp_path
    )
    assert failed.returncode == 1
    assert "cannot open the database" in _one_error(failed.stderr)
