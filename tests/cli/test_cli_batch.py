"""``reelmates topn`` as other tools call it: bad input and output paths fail fast and clearly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reelmates.cli.app import main


def _topn(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(["topn", *args])
    code = done.value.code
    return int(code) if isinstance(code, int) else 1, " ".join(capsys.readouterr().err.split())


def test_a_utf16_ratings_file_is_named_with_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ratings = tmp_path / "in.csv"
    ratings.write_bytes("user,item,rating\na,x,4\nb,y,3\n".encode("utf-16"))
    code, err = _topn(capsys, "--ratings", str(ratings), "--out", str(tmp_path / "out.csv"))
    assert code == 2
    assert f"{ratings}: is UTF-16 text" in err
    assert "Save it as UTF-8" in err and "iconv -f UTF-16 -t UTF-8" in err
    assert not (tmp_path / "out.csv").exists()


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ratings = tmp_path / "in.csv"
    ratings.write_text("\ufeffuser,item,rating\na,x,4\na,y,3\nb,y,3\nb,z,5\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    code, err = _topn(capsys, "--ratings", str(ratings), "--out", str(out), "--k", "1")
    assert code == 0, err
    assert out.read_text().splitlines()[0] == "user,item,rank,score"


def _ratings(tmp_path: Path) -> Path:
    ratings = tmp_path / "in.csv"
    ratings.write_text("user,item,rating\na,x,4\na,y,3\nb,y,3\nb,z,5\n", encoding="utf-8")
    return ratings


def test_out_into_a_missing_folder_fails_before_anything_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no such folder" / "out.csv"
    code, err = _topn(capsys, "--ratings", str(_ratings(tmp_path)), "--out", str(out))
    assert code == 2
    assert f"error: --out {out}: the folder {out.parent} does not exist" in err
    assert "mkdir -p" in err and "Traceback" not in err
    # Checked before the ratings are even read (so before the fit): a bad input comes second.
    bad = tmp_path / "bad.csv"
    bad.write_text("user,item,rating\na,x,four\n", encoding="utf-8")
    code, err = _topn(capsys, "--ratings", str(bad), "--out", str(out))
    assert (code, "does not exist" in err, "bad.csv:2" in err) == (2, True, False)
    assert not out.parent.exists()


def test_out_under_a_file_or_onto_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ratings = _ratings(tmp_path)
    code, err = _topn(capsys, "--ratings", str(ratings), "--out", str(ratings / "out.csv"))
    assert (code, f"{ratings} is a file, not a folder" in err) == (2, True)
    code, err = _topn(capsys, "--ratings", str(ratings), "--out", str(tmp_path))
    assert (code, f"--out {tmp_path} is a folder" in err) == (2, True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_out_that_cannot_be_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ratings = _ratings(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, err = _topn(capsys, "--ratings", str(ratings), "--out", str(locked / "o.csv"))
    finally:
        locked.chmod(0o700)
    assert (code, f"cannot write in {locked}" in err) == (2, True)
    frozen = tmp_path / "frozen.csv"
    frozen.write_text("keep\n")
    frozen.chmod(0o400)
    code, err = _topn(capsys, "--ratings", str(ratings), "--out", str(frozen))
    assert (code, "read-only" in err, frozen.read_text()) == (2, True, "keep\n")


def test_a_failed_run_leaves_the_old_output_and_no_partial_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "top.csv"
    out.parent.mkdir()
    out.write_text("the previous run\n")
    out.chmod(0o640)
    bad = tmp_path / "bad.csv"
    bad.write_text("user,item,rating\na,x,4\na,y,?\n", encoding="utf-8")
    code, err = _topn(capsys, "--ratings", str(bad), "--out", str(out))
    assert (code, "bad.csv:3" in err) == (2, True)
    assert [p.name for p in out.parent.iterdir()] == ["top.csv"]
    assert out.read_text() == "the previous run\n"
    code, err = _topn(capsys, "--ratings", str(_ratings(tmp_path)), "--out", str(out), "--k", "1")
    assert code == 0, err
    assert out.read_text().startswith("user,item,rank,score")
    assert [p.name for p in out.parent.iterdir()] == ["top.csv"]
    assert out.stat().st_mode & 0o777 == 0o640  # the file keeps its mode


def test_together_checks_its_out_first_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    groups = tmp_path / "groups.txt"
    groups.write_text("a,b\n", encoding="utf-8")
    out = tmp_path / "missing" / "o.csv"
    with pytest.raises(SystemExit) as done:
        main(["together", "--ratings", str(_ratings(tmp_path)), "--groups", str(groups),
              "--out", str(out)])  # fmt: skip
    assert done.value.code == 2
    assert f"the folder {out.parent} does not exist" in " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize(
    ("rating", "says"),
    [
        ("-1", "rating '-1' is not from 0.5 to 5 stars"),
        ("0", "rating '0' is not from 0.5 to 5 stars"),
        ("5.5", "rating '5.5' is not from 0.5 to 5 stars"),
        ("nan", "rating 'nan' is not a number"),
        ("inf", "rating 'inf' is not a number"),
        ("four", "rating 'four' is not a number"),
    ],
)
def test_ratings_outside_half_to_five_stars_are_refused_with_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rating: str, says: str
) -> None:
    ratings = tmp_path / "in.csv"
    # Line 4 is the bad one; a quoted field spanning two lines shifts it past the row count.
    text = f'user,item,rating\na,"x\nx",4\nb,y,0.5\nc,z,{rating}\nd,z,5\n'
    ratings.write_text(text, encoding="utf-8")
    code, err = _topn(capsys, "--ratings", str(ratings), "--out", str(tmp_path / "o.csv"))
    assert code == 2
    assert f"error: {ratings}:5: {says}" in err
    assert not (tmp_path / "o.csv").exists()
