"""Fetch a dataset zip once into the cache, atomically, and check it on every later use.

Each URL has a folder of its own in the cache (see :func:`cache_path`). GroupLens publishes an
``.md5`` next to each frozen release; those are pinned here. Releases that change over time
(ml-latest, ml-latest-small) and other URLs are trusted on first download: the sha256 goes into
a ``<file>.sha256`` sidecar and every later use must match it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from reelmates.errors import SourceUnavailableError

GROUPLENS_BASE = "https://files.grouplens.org/datasets/movielens/"
MOVIELENS_NAMES = ("ml-100k", "ml-1m", "ml-latest-small", "ml-latest", "ml-25m", "ml-32m")
# From GroupLens's <name>.zip.md5 files (frozen releases only).
KNOWN_MD5 = {
    "ml-100k.zip": "0e33842e24a9c977be4e0107933c0723",
    "ml-1m.zip": "c4d9eecfca2ab87c1945afe126590906",
    "ml-25m.zip": "6b51fb2759a8657d3bfcbfc42b592ada",
    "ml-32m.zip": "d472be332d4daa821edc399621853b57",
}

DownloadProgress = Callable[[int, int | None], None]  # (bytes so far, total if known)

_BLOCK = 1 << 20
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def grouplens_url(name: str) -> str:
    return f"{GROUPLENS_BASE}{name}.zip"


def cache_name(url: str) -> str:
    """The file name a URL is cached under (its last path segment, made filesystem-safe)."""
    path = urllib.parse.urlsplit(url).path
    name = _SAFE_NAME.sub("_", path.rsplit("/", 1)[-1]).strip("._")
    return name or hashlib.sha256(url.encode()).hexdigest()[:16]


def cache_path(cache_dir: Path, url: str) -> Path:
    """Where ``url`` is cached: a folder per whole URL (its host and a hash of the URL) holding
    the file under its own name, so ``a.org/x/data.zip`` and ``b.org/data.zip`` never share a
    copy, while the file keeps the name a dataset is known by."""
    host = _SAFE_NAME.sub("_", urllib.parse.urlsplit(url).hostname or "").strip("._") or "url"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    return cache_dir / f"{host}-{digest}" / cache_name(url)


def _adopt_old_copy(cache_dir: Path, url: str, target: Path) -> None:
    """Move a copy cached by file name alone (before caches were keyed by URL) into place, but
    only a release whose published md5 proves it is this URL's file: no download of ml-25m
    again, and no file that another URL of the same name left behind."""
    old = cache_dir / cache_name(url)
    expected = _expected_md5(url)
    if expected is None or not old.is_file() or _digests(old)[0] != expected:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    _sidecar(old).unlink(missing_ok=True)  # rewritten from the file by verify_cached
    old.replace(target)


def _expected_md5(url: str) -> str | None:
    return KNOWN_MD5.get(cache_name(url)) if url.startswith(GROUPLENS_BASE) else None


def _digests(path: Path) -> tuple[str, str]:
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_BLOCK):
            md5.update(block)
            sha.update(block)
    return md5.hexdigest(), sha.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text)
    Path(tmp).replace(path)


def _mismatch(path: Path, what: str, expected: str, actual: str) -> SourceUnavailableError:
    return SourceUnavailableError(
        f"{path} does not match its {what} (expected {expected}, got {actual})",
        hint=f"Delete {path} and {_sidecar(path).name} to download it again, "
        "or download it yourself and pass the path.",
    )


def verify_cached(path: Path, url: str) -> None:
    """Check a cached download against the pinned md5, else against its sha256 sidecar."""
    md5, sha = _digests(path)
    expected_md5 = _expected_md5(url)
    if expected_md5 is not None and md5 != expected_md5:
        raise _mismatch(path, "published md5", expected_md5, md5)
    sidecar = _sidecar(path)
    if not sidecar.exists():  # e.g. a crash between writing the zip and its sidecar
        _write_atomically(sidecar, f"{sha}  {path.name}\n")
        return
    recorded = sidecar.read_text(encoding="ascii").split()[:1]
    if recorded != [sha]:
        raise _mismatch(path, "recorded sha256", recorded[0] if recorded else "nothing", sha)


def fetch(
    url: str,
    cache_dir: Path,
    *,
    progress: DownloadProgress | None = None,
    timeout: float = 60.0,
) -> Path:
    """Return the cached copy of ``url``, downloading it first if needed; always verified."""
    target = cache_path(cache_dir, url)
    if not target.exists():
        _adopt_old_copy(cache_dir, url, target)
    if target.exists():
        verify_cached(target, url)
        return target
    hint = f"Check your connection, or download {url} yourself and pass the path."
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "reelmates"})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            while block := resp.read(_BLOCK):
                out.write(block)
                md5.update(block)
                sha.update(block)
                done += len(block)
                if progress is not None:
                    progress(done, total)
        if total is not None and done != total:
            raise SourceUnavailableError(f"{url}: download cut short ({done} of {total} bytes)")
        expected = _expected_md5(url)
        if expected is not None and md5.hexdigest() != expected:
            raise SourceUnavailableError(
                f"{url}: downloaded file does not match the published md5 "
                f"(expected {expected}, got {md5.hexdigest()})",
                hint=hint,
            )
        # Sidecar first: a crash before the rename leaves no zip, so nothing unchecked is used.
        _write_atomically(_sidecar(target), f"{sha.hexdigest()}  {target.name}\n")
        tmp.replace(target)
    except urllib.error.HTTPError as exc:
        raise SourceUnavailableError(f"{url}: HTTP {exc.code} {exc.reason}", hint=hint) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceUnavailableError(f"{url}: could not download ({reason})", hint=hint) from exc
    finally:
        tmp.unlink(missing_ok=True)
        if not target.exists():
            with contextlib.suppress(OSError):  # not empty: leave it
                target.parent.rmdir()
    return target
