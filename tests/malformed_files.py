"""Malformed files for the importer property tests: a valid file damaged one way, a snapshot of
every table, a database copied from a seeded template per example, and a count of files tried.

A :class:`Damage` says what was done and, where the answer is known, which line the importer must
name: the tests compare against that, never against what the importer happens to say.
"""

from __future__ import annotations

import csv
import io
import shutil
import struct
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st
from sqlalchemy import Engine, inspect, text

from reelmates.errors import InputFileError
from reelmates.store.db import create_db_engine
from reelmates.store.migrate import upgrade_to_head

# How many malformed files every property test tried, by importer and kind of damage; the
# session's last line says the total (tests/conftest.py).
TRIED: Counter[tuple[str, str]] = Counter()


def tried(importer: str, kind: str) -> None:
    TRIED[importer, kind] += 1


def summary() -> str | None:
    if not TRIED:
        return None
    per_importer: Counter[str] = Counter()
    for (importer, _kind), n in TRIED.items():
        per_importer[importer] += n
    parts = ", ".join(f"{name} {n}" for name, n in sorted(per_importer.items()))
    kinds = len({kind for _importer, kind in TRIED})
    return f"malformed files tried: {sum(TRIED.values())} ({parts}; {kinds} kinds of damage)"


# --- databases -------------------------------------------------------------------------------


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in a fixed order: equal snapshots mean an unchanged database."""
    tables = sorted(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {
            table: sorted(
                (tuple(row) for row in conn.execute(text(f'SELECT * FROM "{table}"'))), key=repr
            )
            for table in tables
        }


def sqlite_template(folder: Path, seed: Callable[[Engine], None]) -> Path:
    """A migrated SQLite file with ``seed``'s data in it, copied per example (migrating takes
    seconds; copying a file takes a millisecond)."""
    path = folder / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        upgrade_to_head(engine)
        seed(engine)
    finally:
        engine.dispose()
    return path


_TEMPLATE_TABLES: dict[Path, dict[str, list[tuple[object, ...]]]] = {}


def template_snapshot(template: Path) -> dict[str, list[tuple[object, ...]]]:
    """``snapshot`` of every copy of ``template`` before it is used (taken once)."""
    if template not in _TEMPLATE_TABLES:
        engine = create_db_engine(f"sqlite:///{template}")
        _TEMPLATE_TABLES[template] = snapshot(engine)
        engine.dispose()
    return _TEMPLATE_TABLES[template]


def fresh_copy(template: Path, folder: Path) -> Engine:
    path = folder / f"{uuid.uuid4().hex}.db"
    shutil.copyfile(template, path)
    return create_db_engine(f"sqlite:///{path}")


# --- damage to a line-based file -------------------------------------------------------------


@dataclass(frozen=True)
class Damage:
    kind: str
    data: bytes
    line: int | None = None  # the line the importer must name, when that is known
    # "may": the damage may be harmless; "must": the file is certainly refused.
    refused: str = "may"
    says: str = ""  # words the message must hold when refused == "must"

    def __repr__(self) -> str:  # a huge field would flood the report
        shown = self.data if len(self.data) <= 400 else self.data[:400] + b"..."
        return f"Damage({self.kind!r}, {shown!r}, line={self.line}, refused={self.refused!r})"


BAD_BYTES = (
    b"\xff",
    b"\x80",
    b"\xc3(",
    b"\xed\xa0\x80",  # a UTF-16 surrogate in UTF-8 form
    b"\xe9",
    b"\x00",
    b"\xff\xfe",
    b"\x1f\x8b",
    b"PK\x03\x04",
)
# Ratings no importer takes: outside 0.5-5 or not in half stars, or not a number at all.
BAD_RATINGS = ("0", "0.0", "5.5", "6", "-1", "10", "4.25", "1e3", "nan", "inf", "-0.5", "0.25")
# The batch CSVs take any number from 0.5 to 5 (scores from other tools), half stars or not.
OUT_OF_RANGE = tuple(r for r in BAD_RATINGS if r != "4.25")
HUGE = 2_100_000  # past the 1 MiB read block and every line limit


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _join(lines: list[bytes]) -> bytes:
    return b"\n".join(lines)


def _data_lines(data: bytes, header_lines: int) -> list[int]:
    """0-based indexes of the non-blank data lines."""
    return [i for i, raw in enumerate(_lines(data)) if i >= header_lines and raw.strip()]


@st.composite
def damage(
    draw: st.DrawFn,
    data: bytes,
    *,
    encoding: str,
    sep: bytes,
    header_lines: int = 0,
    rating_field: int | None = None,
    bad_ratings: tuple[str, ...] = BAD_RATINGS,
) -> Damage:
    """One kind of damage to a valid file of ``sep``-separated lines (CSV or MovieLens)."""
    kinds = [
        "empty",
        "truncate-file",
        "truncate-line",
        "bad-bytes",
        "re-encode",
        "huge-field",
        "garbage-field",
        "duplicate-row",
    ]
    if rating_field is not None:
        kinds.append("rating-out-of-range")
    kind = draw(st.sampled_from(kinds))
    lines = _lines(data)
    rows = _data_lines(data, header_lines)
    if kind == "empty":
        return Damage(kind, b"")
    if kind == "truncate-file":
        return Damage(kind, data[: draw(st.integers(0, len(data) - 1))])
    if kind == "re-encode":
        target = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "utf-8", "cp1252"]))
        text = data.decode(encoding)
        try:
            return Damage(f"{kind}:{target}", text.encode(target))
        except UnicodeEncodeError:
            return Damage(f"{kind}:{target}", text.encode(target, errors="replace"))
    if kind == "bad-bytes":
        at = draw(st.integers(0, len(data)))
        junk = draw(st.sampled_from(BAD_BYTES))
        return Damage(kind, data[:at] + junk + data[at:])
    i = draw(st.sampled_from(rows))
    if kind == "truncate-line":
        cut = draw(st.integers(0, max(0, len(lines[i]) - 1)))
        return Damage(kind, _join([*lines[:i], lines[i][:cut], *lines[i + 1 :]]))
    if kind == "duplicate-row":
        j = draw(st.integers(header_lines, len(lines) - 1))
        copied = [*lines[:j], lines[i], *lines[j:]]
        # The copy is line j+1; the original moves down when the copy goes above it.
        first, second = sorted((j + 1, i + 2 if j <= i else i + 1))
        return Damage(kind, _join(copied), line=second, says=f"first on line {first}")
    quoted = sep == b"," and b'"' in lines[i]  # CSV with quotes: split and join as CSV does
    fields = _csv_split(lines[i], encoding) if quoted else lines[i].split(sep)
    glue = (lambda f: _csv_join(f, encoding)) if quoted else sep.join
    if kind == "rating-out-of-range":
        assert rating_field is not None
        fields[rating_field] = draw(st.sampled_from(bad_ratings)).encode()
        return Damage(kind, _join([*lines[:i], glue(fields), *lines[i + 1 :]]), i + 1, "must")
    k = draw(st.integers(0, len(fields) - 1))
    if kind == "huge-field":
        fill = draw(st.sampled_from([b"9", b"x", b"\xc3\xa9"]))
        fields[k] = fill * (HUGE // len(fill))
    else:  # garbage-field
        alphabet = st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"])
        junk = draw(st.text(alphabet, max_size=12)).encode(encoding, errors="replace")
        fields[k] = junk
    return Damage(kind, _join([*lines[:i], glue(fields), *lines[i + 1 :]]), i + 1)


def _csv_split(line: bytes, encoding: str) -> list[bytes]:
    return [f.encode(encoding) for f in next(csv.reader([line.decode(encoding)]))]


def _csv_join(fields: list[bytes], encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([f.decode(encoding, "replace") for f in fields])
    return out.getvalue().encode(encoding, "replace")


def check_refusal(exc: InputFileError, where: str, target: str, hurt: Damage) -> None:
    """A refusal names a file under ``where``, the line where it is known, and stays short;
    damage with a known line in ``target`` gets exactly that line and those words."""
    assert exc.path.startswith(where), (exc.path, where)
    assert len(exc.message) < 600, exc.message[:200]
    if exc.line is not None:
        assert exc.message.startswith(f"{exc.path}:{exc.line}: ")
    if hurt.refused == "must" or (hurt.line is not None and exc.path.endswith(target)):
        assert exc.path.endswith(target), (exc.message, target)
        assert exc.line == hurt.line, (exc.message, hurt.line)
        assert hurt.says in exc.message, exc.message


# --- damage to a zip -------------------------------------------------------------------------

UNSAFE_NAMES = (
    "../../etc/passwd",
    "../ratings.csv",
    "a/../../ratings.csv",
    "/etc/passwd",
    "/ratings.csv",
    "C:/Windows/evil.csv",
    "..\\..\\evil.csv",
    "dir\\ratings.csv",
    "evil\n.csv",
)


def write_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path


def lie_about_size(path: Path, claimed: int) -> Path:
    """Make every header of the zip at ``path`` claim that its entries expand to ``claimed``."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        while at >= 0:
            data[at + offset : at + offset + 4] = struct.pack("<I", claimed)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path
