"""The import reports print titles, names, paths and line numbers as typed: never as markup or
emoji. In-process (``main`` with captured output): as real as a process for this, and faster."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelmates.cli import common
from reelmates.cli.app import main
from sample_data import CSV_FILES, Files, write_folder


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    code = done.value.code
    out = capsys.readouterr()
    return (code if isinstance(code, int) else 1), " ".join(out.out.split()), out.err


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("REELMATES_DATA_DIR", str(tmp_path / "data"))
    # Wide enough that no line wraps (the error console reads COLUMNS, the report's is made).
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setattr(common.console, "width", 400)
    return f"sqlite:///{tmp_path / 'reelmates.db'}"


def _ratings(*rows: str) -> Files:
    return {"ratings.csv": "Date,Name,Year,Letterboxd URI,Rating\n" + "".join(rows)}


def test_markup_like_titles_names_and_paths_print_as_typed(
    tmp_path: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A folder name with markup and an emoji code in it: shown in the progress and the table.
    release = write_folder(tmp_path / "ml [b] :100:", CSV_FILES)
    code, out, err = _run(capsys, "import", "movielens", str(release), "--db", db)
    assert code == 0, err
    assert "Imported ml [b] :100:" in out
    assert "Traceback" not in err and "💯" not in out + err

    export = _ratings(
        "2024-01-02,Toy Story,1995,a,4\n",
        "2024-01-03,[/],1995,b,3\n",
        "2024-01-04,[bold]Heat[/bold],1995,c,5\n",
        "2024-01-05,M*A*S*H :1234:,1970,d,4\n",
        "2024-01-06,The Godfathr,1972,e,5\n",
    )
    lb = write_folder(tmp_path / "lb [red]", export)
    code, out, err = _run(
        capsys, "import", "letterboxd", str(lb), "--person", "[red]Jess", "--db", db
    )
    assert code == 0, err
    assert "[red]Jess (created): 1 ratings" in out
    assert "4 films not in the catalog" in out
    for label in ("[/] (1995)", "[bold]Heat[/bold] (1995)", "M*A*S*H :1234: (1970)"):
        assert f"- {label}" in out
    assert "- The Godfathr (1972) (did you mean The Godfather (1972)?)" in out
    assert "🔢" not in out + err and "Traceback" not in err

    # The export again without Toy Story: its rating is removed, and the report says so.
    later = write_folder(tmp_path / "later", _ratings("2024-01-03,[/],1995,b,3\n"))
    code, out, err = _run(
        capsys, "import", "letterboxd", str(later), "--person", "[red]Jess", "--db", db
    )
    assert code == 0, err
    assert "[red]Jess (updated): 0 ratings" in out
    assert "Removed 1 rating no longer in the export: - Toy Story (1995)" in out


@pytest.mark.parametrize("line", [100, 1234])
def test_a_bad_line_number_is_a_number(
    tmp_path: Path, db: str, capsys: pytest.CaptureFixture[str], line: int
) -> None:
    rows = ["2024-01-02,Toy Story,1995,a,4\n"] * (line - 2) + ["2024-01-02,Heat,1995,b,9\n"]
    lb = write_folder(tmp_path / "lb", _ratings(*rows))
    code, _out, err = _run(capsys, "import", "letterboxd", str(lb), "--person", "Jess", "--db", db)
    assert code == 2
    assert f"ratings.csv:{line}: rating '9' is not 0.5 to 5" in " ".join(err.split())
    assert "💯" not in err and "🔢" not in err
