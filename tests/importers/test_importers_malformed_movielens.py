"""Damaged MovieLens releases of every layout, as folders and zips, imported for real: each is
refused with a short error naming the file and (where there is one) the line, and leaves every
table exactly as it was; a damage that happens to be harmless imports. A rating given twice is
refused with both lines. Some refusals go through `reelmates import movielens` too: exit 2, the
same message, no traceback. A zip with crafted entry names, an entry that expands past the limits
or that lies about its size is refused too, never extracted and never a crash."""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from malformed_files import (
    UNSAFE_NAMES,
    Damage,
    check_refusal,
    damage,
    fresh_copy,
    lie_about_size,
    snapshot,
    sqlite_template,
    template_snapshot,
    tried,
    write_zip,
)
from processes import reelmates_here
from reelmates.errors import InputFileError
from reelmates.importers import movielens
from reelmates.importers.movielens import open_movielens
from reelmates.importers.sources import open_path
from reelmates.services.importing import import_movielens
from sample_data import CSV_FILES, ML1M_FILES, ML100K_FILES, Files

LAYOUTS: dict[str, Files] = {"100k": ML100K_FILES, "1m": ML1M_FILES, "csv": CSV_FILES}
# file → (encoding, separator, header lines, index of the rating field)
SPECS: dict[str, tuple[str, bytes, int, int | None]] = {
    "u.data": ("latin-1", b"\t", 0, 2),
    "u.item": ("latin-1", b"|", 0, None),
    "ratings.dat": ("latin-1", b"::", 0, 2),
    "movies.dat": ("latin-1", b"::", 0, None),
    "ratings.csv": ("utf-8", b",", 1, 2),
    "movies.csv": ("utf-8", b",", 1, None),
    "links.csv": ("utf-8", b",", 1, None),
}
SETTINGS = settings(
    max_examples=45,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _bytes(files: Files) -> dict[str, bytes]:
    return {k: v.encode("utf-8") if isinstance(v, str) else v for k, v in files.items()}


def _seed(engine: Engine) -> None:
    """What a database holds before the damaged import: an earlier import."""
    with open_path(_folder(Path(engine.url.database or "").parent, "ml-seed", CSV_FILES)) as root:
        import_movielens(engine, open_movielens(root))


def _folder(parent: Path, name: str, files: Files) -> Path:
    folder = parent / name
    folder.mkdir(parents=True)
    for member, content in _bytes(files).items():
        (folder / member).write_bytes(content)
    return folder


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sqlite_template(tmp_path_factory.mktemp("movielens"), _seed)


def _import(engine: Engine, path: Path) -> None:
    with open_path(path) as root:
        import_movielens(engine, open_movielens(root))


def _refused_or_imported(
    engine: Engine,
    before: dict[str, list[tuple[object, ...]]],
    path: Path,
    target: str,
    hurt: Damage,
    cli: pytest.MonkeyPatch | None = None,
) -> None:
    """Import; a refusal must be clear and change nothing, and with ``cli`` the command must
    say the same (exit 2, no traceback) on the same database."""
    try:
        _import(engine, path)
    except InputFileError as exc:
        check_refusal(exc, str(path), target, hurt)
        assert snapshot(engine) == before
        if cli is not None:
            url = engine.url.render_as_string(hide_password=False)
            ran = reelmates_here(cli, "import", "movielens", str(path), "--db", url,
                                 home=path.parent)  # fmt: skip
            assert ran.returncode == 2 and "Traceback" not in ran.stderr, ran.stderr[-1000:]
            said = " ".join(ran.stderr.split())
            assert f"error: {' '.join(exc.message.split())[:300]}" in said, said[:500]
            assert snapshot(engine) == before
    else:
        assert hurt.refused != "must", f"{hurt.kind} was imported"
        assert hurt.kind != "empty" or target == "links.csv"


@SETTINGS
@given(data=st.data())
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_damaged_file_is_refused_with_its_line_and_changes_nothing(
    layout: str,
    template: Path,
    tmp_path: Path,
    data: st.DataObject,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = _bytes(LAYOUTS[layout])
    target = data.draw(st.sampled_from(sorted(set(files) & set(SPECS))), label="file")
    encoding, sep, header, rating = SPECS[target]
    hurt = data.draw(damage(files[target], encoding=encoding, sep=sep, header_lines=header,
                            rating_field=rating), label="damage")  # fmt: skip
    files[target] = hurt.data
    form = data.draw(st.sampled_from(["dir", "zip"]), label="form")
    here = tmp_path / uuid.uuid4().hex
    here.mkdir()
    path = (
        _folder(here, f"ml-{layout}", files)
        if form == "dir"
        else write_zip(here / f"ml-{layout}.zip", {f"ml-{layout}/{k}": v for k, v in files.items()})
    )
    tried("movielens", hurt.kind)
    engine = fresh_copy(template, here)
    try:
        cli = monkeypatch if data.draw(st.integers(0, 7), label="by the command") == 0 else None
        _refused_or_imported(engine, template_snapshot(template), path, target, hurt, cli)
    finally:
        engine.dispose()


def _zip_attack(draw: st.DrawFn, here: Path) -> tuple[str, Path]:
    files = _bytes(CSV_FILES)
    kind = draw(st.sampled_from(["unsafe-name", "bomb", "lying-size", "cut-zip", "bomb-line"]))
    entries = {f"ml-x/{k}": v for k, v in files.items()}
    path = here / "ml-x.zip"
    if kind == "unsafe-name":
        name = draw(st.sampled_from(UNSAFE_NAMES))
        replaces = draw(st.sampled_from(["", "ratings.csv", "movies.csv"]))
        if replaces:
            entries[name] = entries.pop(f"ml-x/{replaces}")
        else:
            entries[name] = b"root:x:0:0\n"
        return kind, write_zip(path, entries)
    if kind == "bomb":  # a films file that expands past the limit the test sets
        target = draw(st.sampled_from(["movies.csv", "links.csv"]))
        entries[f"ml-x/{target}"] = files[target] + b"\n" * 3_000_000
        return kind, write_zip(path, entries)
    if kind == "bomb-line":  # ratings that never end a line
        entries["ml-x/ratings.csv"] = files["ratings.csv"] + b"1" * 3_000_000
        return kind, write_zip(path, entries)
    if kind == "lying-size":
        write_zip(path, {"ml-x/ratings.csv": files["ratings.csv"] + b"\n" * 200_000})
        with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
            for k in ("movies.csv", "links.csv"):
                archive.writestr(f"ml-x/{k}", files[k])
        return kind, lie_about_size(path, draw(st.integers(1, 150)))
    whole = write_zip(path, entries).read_bytes()
    path.write_bytes(whole[: draw(st.integers(0, len(whole) - 1))])
    return kind, path


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_hostile_zip_is_refused_and_changes_nothing(
    template: Path, tmp_path: Path, data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(movielens, "MAX_FILMS_FILE_BYTES", 1_000_000)
    here = tmp_path / uuid.uuid4().hex
    here.mkdir()
    kind, path = _zip_attack(data.draw, here)
    tried("movielens", kind)
    engine = fresh_copy(template, here)
    before = template_snapshot(template)
    try:
        with pytest.raises(InputFileError) as caught:
            _import(engine, path)
        message = caught.value.message
        assert message.startswith(str(path)) and len(message) < 600, message[:300]
        assert snapshot(engine) == before
    finally:
        engine.dispose()
    if kind == "unsafe-name":
        assert "the file named" in message
    elif kind in ("bomb", "bomb-line"):
        assert "longer than" in message or "larger than" in message, message


def test_twin_films_rated_twice_by_one_person_name_both_lines(
    template: Path, tmp_path: Path
) -> None:
    # 100K's films 3 and 4 are one catalog film; a person's two ratings of film 3 (other lines
    # between) are a rating given twice, not twins to merge.
    files = _bytes(ML100K_FILES)
    files["u.data"] += b"22\t3\t2\t878887199\n"
    path = _folder(tmp_path, "ml-100k", files)
    engine = fresh_copy(template, tmp_path)
    before = snapshot(engine)
    with pytest.raises(InputFileError) as caught:
        _import(engine, path)
    assert caught.value.message == (
        f"{path / 'u.data'}:6: user 22 rates film 3 twice (first on line 4)"
    )
    assert snapshot(engine) == before
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_on_postgresql_a_bad_line_after_a_good_import_changes_nothing(
    db_engine: Engine, tmp_path: Path
) -> None:
    _import(db_engine, _folder(tmp_path, "ml-seed", CSV_FILES))
    files = _bytes(CSV_FILES)
    files["ratings.csv"] += b"3,1,4.0,1445714885\n3,29,5.5,1445714886\n"
    files["movies.csv"] += ('7,"' + "Very long title " * 40 + ' (2001)",Drama\n').encode()
    before = snapshot(db_engine)
    for broken in (files, {**files, "movies.csv": _bytes(CSV_FILES)["movies.csv"]}):
        path = _folder(tmp_path / uuid.uuid4().hex, "ml-latest", broken)
        with pytest.raises(InputFileError) as caught:
            _import(db_engine, path)
        assert caught.value.line == (6 if broken is files else 7), caught.value.message
        assert snapshot(db_engine) == before
