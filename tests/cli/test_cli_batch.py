"""``reelmates topn`` as other tools call it: bad input and output paths fail fast and clearly."""

from __future__ import annotations

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
