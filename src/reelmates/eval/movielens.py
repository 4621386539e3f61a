"""Read a MovieLens ratings file by directory, whatever the release's layout (for evaluation)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from reelmates.catalog.records import FilmRecord
from reelmates.errors import InputFileError
from reelmates.taste.matrix import RatingsMatrix

# (file, separator, has header) in the order we look for them
_LAYOUTS = (("u.data", "\t", False), ("ratings.dat", "::", False), ("ratings.csv", ",", True))


def load_movielens_ratings(path: str | Path) -> RatingsMatrix:
    """Ratings of ML-100K (u.data), ML-1M/10M (ratings.dat) or ML-20M/25M/latest (ratings.csv)."""
    root = Path(path)
    for name, sep, header in _LAYOUTS:
        f = root / name if root.is_dir() else root
        if f.name == name and f.exists():
            return _read(f, sep, header)
    raise InputFileError(root, None, "no MovieLens ratings file (u.data, ratings.dat, ratings.csv)")


def _read(f: Path, sep: str, header: bool) -> RatingsMatrix:
    text = f.read_text(encoding="latin-1")
    if sep != "\t":
        text = text.replace(sep, "\t")
    lines = text.splitlines()[1 if header else 0 :]
    try:
        table = np.loadtxt(lines, delimiter="\t", usecols=(0, 1, 2), dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise InputFileError(f, None, f"not a ratings table: {exc}") from exc
    users = table[:, 0].astype(np.int64)
    items = table[:, 1].astype(np.int64)
    return RatingsMatrix.from_triples(users, items, table[:, 2].astype(np.float32))


_GENRES_100K = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)  # fmt: skip


def load_movielens_films(
    path: str | Path, item_ids: NDArray[np.object_]
) -> list[FilmRecord | None] | None:
    """Genres and year per film in ``item_ids`` order (None where unknown); None without a file."""
    root = Path(path)
    films: dict[str, FilmRecord] = {}
    if (root / "u.item").exists():
        for n, line in enumerate((root / "u.item").read_text(encoding="latin-1").splitlines(), 1):
            parts = line.split("|")
            if len(parts) < 24:
                continue
            flags = parts[5:24]
            genres = tuple(g for g, f in zip(_GENRES_100K, flags, strict=True) if f == "1")
            films[parts[0]] = FilmRecord(parts[0], parts[1], _year(parts[1]), genres, line=n)
    elif (root / "movies.dat").exists() or (root / "movies.csv").exists():
        for n, (fid, title, genre_text) in enumerate(_movie_rows(root), 1):
            gs = tuple(g for g in genre_text.split("|") if g and g != "(no genres listed)")
            films[fid] = FilmRecord(fid, title, _year(title), gs, line=n)
    else:
        return None
    return [films.get(str(i)) for i in item_ids.tolist()]


def _movie_rows(root: Path) -> list[tuple[str, str, str]]:
    if (root / "movies.dat").exists():
        lines = (root / "movies.dat").read_text(encoding="latin-1").splitlines()
        return [tuple(line.split("::")[:3]) for line in lines if line.count("::") >= 2]  # type: ignore[misc]
    with (root / "movies.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        return [(r[0], r[1], r[2]) for r in reader if len(r) >= 3]


def _year(title: str) -> int | None:
    m = re.search(r"\((\d{4})\)\s*$", title.strip())
    return int(m.group(1)) if m else None
