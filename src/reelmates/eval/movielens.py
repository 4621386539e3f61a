"""Read a MovieLens ratings file by directory, whatever the release's layout (for evaluation)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

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
