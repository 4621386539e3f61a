"""Damaged batch inputs for ``reelmates topn`` and ``reelmates together`` (the ratings CSV and the
groups file): a refusal exits with 2 and ``error: FILE:LINE: ...`` (the line where there is one),
no traceback and no output file, half-written or whole. A rating given twice is not an error: the
last one counts (so an exact copy of a line changes nothing)."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from malformed_files import OUT_OF_RANGE, Damage, check_refusal, damage, tried
from processes import reelmates_here
from reelmates.cli.batch_io import read_ratings_csv
from reelmates.cli.together_batch import read_groups
from reelmates.errors import InputFileError

RATINGS = (
    b"user,item,rating,timestamp\n"
    b"ana,heat,4,1700000000\n"
    b'ana,"alien, the",3.5,1700000001\n'
    b"bo,heat,0.5,1700000002\n"
    b"bo,up,5,1700000003\n"
    b"cy,alien,2,1700000004\n"
    b"cy,up,4.5,1700000005\n"
)
GROUPS = b"ana,bo\nbo,cy\nana,bo,cy\n"
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _matrix(path: Path) -> tuple[list[str], list[str], list[list[float]]]:
    m = read_ratings_csv(path)
    return m.user_ids.tolist(), m.item_ids.tolist(), m.ratings.toarray().tolist()


def _cli_refuses(
    monkeypatch: pytest.MonkeyPatch, here: Path, exc: InputFileError, *args: str
) -> None:
    """The command exits 2 with the same message, and writes nothing."""
    out = here / "out" / "top.csv"
    out.parent.mkdir()
    ran = reelmates_here(monkeypatch, *args, "--out", str(out), home=here)
    err = " ".join(ran.stderr.split())
    assert ran.returncode == 2, ran.stderr[-2000:]
    assert "Traceback" not in ran.stderr
    assert f"error: {' '.join(exc.message.split())[:200]}" in err, (err[:400], exc.message[:200])
    assert list(out.parent.iterdir()) == []  # no output, no half-written temporary file


@SETTINGS
@given(data=st.data())
def test_a_damaged_ratings_csv_is_refused_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    hurt: Damage = data.draw(
        damage(RATINGS, encoding="utf-8", sep=b",", header_lines=1, rating_field=2,
               bad_ratings=OUT_OF_RANGE),
        label="damage",
    )  # fmt: skip
    here = tmp_path / uuid.uuid4().hex
    here.mkdir()
    path = here / "ratings.csv"
    path.write_bytes(hurt.data)
    tried("batch ratings", hurt.kind)
    try:
        got = _matrix(path)
    except InputFileError as exc:
        assert hurt.kind != "duplicate-row", exc.message
        check_refusal(exc, str(path), "ratings.csv", hurt)
        command = data.draw(st.sampled_from(["topn", "together"]), label="command")
        extra = ["--groups", str(_groups(here, GROUPS))] if command == "together" else []
        _cli_refuses(monkeypatch, here, exc, command, "--ratings", str(path), *extra)
    else:
        assert hurt.refused != "must", hurt.kind
        if hurt.kind == "duplicate-row":
            original = here / "original.csv"
            original.write_bytes(RATINGS)
            assert got == _matrix(original)
        assert all(0.5 <= v <= 5 for row in got[2] for v in row if v)


def _groups(here: Path, data: bytes) -> Path:
    path = here / "groups.txt"
    path.write_bytes(data)
    return path


@SETTINGS
@given(data=st.data())
def test_a_damaged_groups_file_is_refused_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    hurt: Damage = data.draw(damage(GROUPS, encoding="utf-8", sep=b","), label="damage")
    here = tmp_path / uuid.uuid4().hex
    here.mkdir()
    ratings = here / "ratings.csv"
    ratings.write_bytes(RATINGS)
    path = _groups(here, hurt.data)
    tried("batch groups", hurt.kind)
    try:
        groups = read_groups(path, {"ana", "bo", "cy"})
    except InputFileError as exc:
        assert hurt.kind != "duplicate-row", exc.message
        assert exc.path == str(path) and len(exc.message) < 600, exc.message[:300]
        if hurt.line is not None and exc.line is not None and hurt.kind != "duplicate-row":
            assert exc.line == hurt.line, (exc.message, hurt)
        _cli_refuses(
            monkeypatch, here, exc, "together", "--ratings", str(ratings), "--groups", str(path)
        )
    else:
        assert groups and all(set(g) <= {"ana", "bo", "cy"} for g in groups)


def test_the_last_of_two_ratings_counts(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(RATINGS + b"ana,heat,1,1700000009\n")
    users, items, values = _matrix(path)
    assert values[users.index("ana")][items.index("heat")] == 1.0
    assert np.count_nonzero(values) == 6


def test_a_row_spanning_lines_is_named_by_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b'user,item,rating\nana,"heat\nx\ny\n' + b"z" * 5_000 + b"\n")
    with pytest.raises(InputFileError) as caught:
        read_ratings_csv(path)
    # It named line 5 (where the row ended) and quoted the whole 5,000-character field.
    field = "heat\nx\ny\n" + "z" * 31  # the first 40 characters
    assert caught.value.message == f"{path}:2: expected 3 fields, got 2: ['ana', {field!r}]"


def test_a_groups_file_names_the_line_of_a_bad_byte_and_ends_lines_at_newlines(
    tmp_path: Path,
) -> None:
    path = _groups(tmp_path, b"ana,bo\nbo,cy\nana,\xe9bo\n")
    with pytest.raises(InputFileError) as caught:
        read_groups(path, {"ana", "bo", "cy"})
    assert caught.value.line == 3 and "not valid UTF-8 text (byte e9" in caught.value.message
    # \x1c is no line break: str.splitlines took it for one and refused the "empty" line 2.
    path = _groups(tmp_path, b"ana,bo\x1c\nbo,cy\n")
    assert read_groups(path, {"ana", "bo", "cy"}) == [["ana", "bo"], ["bo", "cy"]]
