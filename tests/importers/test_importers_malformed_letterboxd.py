"""Damaged Letterboxd exports (each of its four files, as a folder or a zip) imported for real
into a database where the person already has ratings, seen marks and a watchlist: a refusal names
the file and (where there is one) the line, and leaves every table exactly as it was. A line given
twice is the same fact said twice (Letterboxd's own diary repeats films): the import equals that
of the undamaged export. A zip with crafted entry names or an entry that expands past the limit
is refused before anything is written."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from malformed_files import (
    check_refusal,
    damage,
    fresh_copy,
    snapshot,
    sqlite_template,
    template_snapshot,
    tried,
    write_zip,
)
from reelmates.errors import InputFileError
from reelmates.importers import letterboxd
from reelmates.importers.sources import open_path
from reelmates.services.letterboxd import import_letterboxd
from reelmates.services.starter import seed_starter_catalog

EXPORT: dict[str, bytes] = {
    "ratings.csv": (
        b"Date,Name,Year,Letterboxd URI,Rating\n"
        b"2024-01-02,Dracula,1931,https://boxd.it/a,4.5\n"
        b"2024-01-03,Duck Soup,1933,https://boxd.it/b,3\n"
        b'2024-01-04,"Frankenstein",1931,https://boxd.it/c,4\n'
        b"2024-01-05,King Kong,1933,https://boxd.it/d,0.5\n"
    ),
    "watched.csv": (
        b"Date,Name,Year,Letterboxd URI\n"
        b"2024-02-01,City Lights,1931,https://boxd.it/e\n"
        b"2024-02-02,Top Hat,1935,https://boxd.it/f\n"
    ),
    "watchlist.csv": (
        "\ufeffDate,Name,Year,Letterboxd URI\n"
        "2024-03-01,Modern Times,1936,https://boxd.it/g\n"
        "2024-03-02,The Thin Man,1934,https://boxd.it/h\n"
    ).encode(),
    "diary.csv": (
        b"Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
        b"2024-04-01,Bringing Up Baby,1938,https://boxd.it/i,3.5,,,2024-03-30\n"
        b'2024-04-02,"It Happened One Night",1934,https://boxd.it/j,5,Yes,"a, b",2024-04-01\n'
        b"2024-04-03,Top Hat,1935,https://boxd.it/k,,,,2024-04-02\n"
    ),
}
RATING_FIELD = {"ratings.csv": 4, "diary.csv": 4}
EARLIER = {  # what ana's database says before: some of it the export no longer has
    "ratings.csv": (
        b"Date,Name,Year,Letterboxd URI,Rating\n2023-01-01,Gone with the Wind,1939,x,2\n"
    ),
    "watched.csv": b"Date,Name,Year,Letterboxd URI\n2023-01-02,Dracula,1931,x\n",
    "watchlist.csv": b"Date,Name,Year,Letterboxd URI\n2023-01-03,Top Hat,1935,x\n",
}


def _folder(parent: Path, files: dict[str, bytes]) -> Path:
    folder = parent / "letterboxd-ana"
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _seed(engine: Engine) -> None:
    seed_starter_catalog(engine)
    with open_path(_folder(Path(engine.url.database or "").parent, EARLIER)) as root:
        import_letterboxd(engine, root, "ana")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sqlite_template(tmp_path_factory.mktemp("letterboxd"), _seed)


def _without_runs(tables: dict[str, list[tuple[object, ...]]]) -> dict[str, object]:
    return {name: rows for name, rows in tables.items() if name != "import_runs"}


@pytest.fixture(scope="module")
def undamaged(template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Every table after importing the export as it is (import_runs aside: it names the path)."""
    here = tmp_path_factory.mktemp("undamaged")
    engine = fresh_copy(template, here)
    with open_path(_folder(here, EXPORT)) as root:
        import_letterboxd(engine, root, "ana")
    tables = _without_runs(snapshot(engine))
    engine.dispose()
    return tables


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_damaged_export_is_refused_with_its_line_and_changes_nothing(
    template: Path, undamaged: dict[str, object], tmp_path: Path, data: st.DataObject
) -> None:
    files = dict(EXPORT)
    target = data.draw(st.sampled_from(sorted(files)), label="file")
    header = 1
    hurt = data.draw(damage(files[target], encoding="utf-8", sep=b",", header_lines=header,
                            rating_field=RATING_FIELD.get(target)), label="damage")  # fmt: skip
    files[target] = hurt.data
    here = tmp_path / uuid.uuid4().hex
    here.mkdir()
    if data.draw(st.booleans(), label="zip"):
        top = data.draw(st.sampled_from(["", "letterboxd-ana-2024/"]), label="top folder")
        path = write_zip(here / "export.zip", {top + k: v for k, v in files.items()})
    else:
        path = _folder(here, files)
    tried("letterboxd", hurt.kind)
    engine = fresh_copy(template, here)
    before = template_snapshot(template)
    try:
        with open_path(path) as root:
            import_letterboxd(engine, root, "ana")
    except InputFileError as exc:
        assert hurt.kind != "duplicate-row", exc.message
        check_refusal(exc, str(path), target, hurt)
        assert snapshot(engine) == before
    else:
        assert hurt.refused != "must", f"{hurt.kind} was imported"
        if hurt.kind == "duplicate-row":
            assert _without_runs(snapshot(engine)) == undamaged
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_on_postgresql_a_bad_line_changes_nothing(db_engine: Engine, tmp_path: Path) -> None:
    seed_starter_catalog(db_engine)
    with open_path(_folder(tmp_path / "earlier", EARLIER)) as root:
        import_letterboxd(db_engine, root, "ana")
    before = snapshot(db_engine)
    files = dict(EXPORT)
    files["diary.csv"] += b"2024-04-04,Top Hat,1935,https://boxd.it/l,11,,,2024-04-03\n"
    path = write_zip(tmp_path / "export.zip", files)
    with pytest.raises(InputFileError) as caught, open_path(path) as root:
        import_letterboxd(db_engine, root, "ana")
    assert caught.value.message == f"{path}:diary.csv:5: rating '11' is not 0.5 to 5 in half stars"
    assert snapshot(db_engine) == before


@pytest.mark.parametrize(
    ("entries", "says"),
    [
        ({"../../etc/passwd": b"x", **EXPORT}, "the file named '../../etc/passwd' points outside"),
        ({"/ratings.csv": EXPORT["ratings.csv"]}, "the file named '/ratings.csv' is an absolute"),
        ({"export\\ratings.csv": EXPORT["ratings.csv"]}, "has a backslash"),
        ({"ratings.csv": EXPORT["ratings.csv"] + b"\n" * 3_000_000}, "is larger than 2 MB"),
    ],
)
def test_a_hostile_export_zip_from_the_command_line_changes_nothing(
    template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    entries: dict[str, bytes],
    says: str,
) -> None:
    monkeypatch.setattr(letterboxd, "MAX_EXPORT_FILE_BYTES", 2 * 1024 * 1024)
    path = write_zip(tmp_path / "export.zip", entries)
    tried("letterboxd", "hostile-zip")
    engine = fresh_copy(template, tmp_path)
    with pytest.raises(InputFileError) as caught, open_path(path) as root:
        import_letterboxd(engine, root, "ana")
    assert caught.value.message.startswith(f"{path}") and says in caught.value.message
    assert snapshot(engine) == template_snapshot(template)
    engine.dispose()
