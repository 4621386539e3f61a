"""PATH|URL|NAME resolution: folders, zips (with or without a top folder), downloads, checksums.

Downloads go to a local http.server on 127.0.0.1; nothing touches the network.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from reelmates.errors import InputFileError, NotFoundError, SourceUnavailableError
from reelmates.importers import download
from reelmates.importers.movielens import open_movielens
from reelmates.importers.sources import (
    DirectoryRoot,
    ZipRoot,
    open_path,
    resolve_source,
    source_url,
)

Files = dict[str, str | bytes]
MakeDataset = Callable[..., Path]


class _Quiet(SimpleHTTPRequestHandler):
    requests: list[str]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.requests.append(self.path)
        super().do_GET()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, list[str]]]:
    """(base URL, the folder it serves, paths requested so far)."""
    served = tmp_path / "served"
    served.mkdir()
    requests: list[str] = []
    handler = type("Handler", (_Quiet,), {"requests": requests})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=served))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", served, requests
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_folder_and_zip_hide_the_top_folder(dataset: MakeDataset, csv_files: Files) -> None:
    for path, kind in [
        (dataset(csv_files, "dir", "ml-latest-small"), DirectoryRoot),
        (dataset(csv_files, "zip", "ml-latest-small"), ZipRoot),
        (dataset(csv_files, "zip"), ZipRoot),  # no top folder
    ]:
        with open_path(path) as root:
            assert isinstance(root, kind)
            assert root.members() == ["links.csv", "movies.csv", "ratings.csv"]
            with root.open("movies.csv") as f:
                assert f.readline() == b"movieId,title,genres\n"
            assert root.size("ratings.csv") == len(str(csv_files["ratings.csv"]))


def test_a_folder_holding_the_release_folder_is_descended(tmp_path: Path, dataset: MakeDataset,
                                                          csv_files: Files) -> None:  # fmt: skip
    inner = dataset(csv_files, "dir", "ml-latest-small")
    with open_path(inner.parent) as root:
        assert root.name == "ml-latest-small"
        assert root.has("ratings.csv")


def test_missing_and_broken_paths(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="not a file, folder, URL or known dataset name"):
        resolve_source(tmp_path / "nope", cache_dir=tmp_path)
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(InputFileError, match="not a readable zip"):
        resolve_source(tmp_path / "junk.zip", cache_dir=tmp_path)


def test_names_resolve_to_grouplens_without_downloading(tmp_path: Path) -> None:
    base = "https://files.grouplens.org/datasets/movielens/"
    assert source_url("ml-latest-small") == f"{base}ml-latest-small.zip"
    assert source_url("ml-25m") == f"{base}ml-25m.zip"
    assert source_url("https://example.org/x.zip") == "https://example.org/x.zip"
    assert source_url(tmp_path) is None
    assert source_url("ml-7m") is None


def test_url_downloads_once_then_verifies_its_sidecar(
    tmp_path: Path, server: tuple[str, Path, list[str]], dataset: MakeDataset, csv_files: Files
) -> None:
    base, served, requests = server
    zip_path = dataset(csv_files, "zip", "ml-latest-small")
    (served / "ml-latest-small.zip").write_bytes(zip_path.read_bytes())
    cache = tmp_path / "cache"
    progress: list[tuple[int, int | None]] = []

    url = f"{base}ml-latest-small.zip"
    with resolve_source(
        url, cache_dir=cache, progress=lambda d, t: progress.append((d, t))
    ) as root:
        assert len(list(open_movielens(root).ratings())) == 4
    size = zip_path.stat().st_size
    assert progress[-1] == (size, size)
    cached = download.cache_path(cache, url)
    assert cached.name == "ml-latest-small.zip" and cached.parent.parent == cache
    sha = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    assert cached.with_name("ml-latest-small.zip.sha256").read_text().split()[0] == sha
    assert sorted(p.name for p in cached.parent.iterdir()) == [cached.name, f"{cached.name}.sha256"]

    with resolve_source(url, cache_dir=cache) as root:  # cached: no second request
        assert root.has("ratings.csv")
    assert requests == ["/ml-latest-small.zip"]

    cached.write_bytes(cached.read_bytes()[:-1] + b"!")  # the cache went bad
    with pytest.raises(SourceUnavailableError, match="does not match its recorded sha256") as err:
        resolve_source(url, cache_dir=cache)
    assert err.value.hint is not None and "download it yourself" in err.value.hint


def test_name_downloads_and_checks_the_published_md5(
    tmp_path: Path,
    server: tuple[str, Path, list[str]],
    dataset: MakeDataset,
    ml100k_files: Files,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, served, _requests = server
    data = dataset(ml100k_files, "zip", "ml-100k").read_bytes()
    (served / "ml-100k.zip").write_bytes(data)
    monkeypatch.setattr(download, "GROUPLENS_BASE", base)  # our server stands in for GroupLens

    monkeypatch.setitem(download.KNOWN_MD5, "ml-100k.zip", "0" * 32)
    with pytest.raises(SourceUnavailableError, match="does not match the published md5"):
        resolve_source("ml-100k", cache_dir=tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []  # no partial file left behind

    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    monkeypatch.setitem(download.KNOWN_MD5, "ml-100k.zip", md5)
    with resolve_source("ml-100k", cache_dir=tmp_path / "cache") as root:
        assert open_movielens(root).layout == "100k"


def test_network_failures_say_what_to_do(
    tmp_path: Path, server: tuple[str, Path, list[str]]
) -> None:
    base, _served, _requests = server
    with pytest.raises(SourceUnavailableError, match="HTTP 404") as err:
        resolve_source(f"{base}missing.zip", cache_dir=tmp_path / "cache")
    assert err.value.hint is not None and "pass the path" in err.value.hint
    with pytest.raises(SourceUnavailableError, match="could not download"):
        resolve_source("http://127.0.0.1:9/x.zip", cache_dir=tmp_path / "cache", timeout=5)
    assert list((tmp_path / "cache").iterdir()) == []  # no partial downloads left


def test_two_urls_with_one_file_name_are_cached_apart(
    tmp_path: Path,
    server: tuple[str, Path, list[str]],
    dataset: MakeDataset,
    csv_files: Files,
    ml100k_files: Files,
) -> None:
    base, served, requests = server
    (served / "mirror").mkdir()
    (served / "data.zip").write_bytes(dataset(csv_files, "zip", "ml-latest-small").read_bytes())
    (served / "mirror" / "data.zip").write_bytes(
        dataset(ml100k_files, "zip", "ml-100k").read_bytes()
    )
    cache = tmp_path / "cache"
    with resolve_source(f"{base}data.zip", cache_dir=cache) as root:
        assert open_movielens(root).layout == "csv"
    with resolve_source(f"{base}mirror/data.zip", cache_dir=cache) as root:
        assert open_movielens(root).layout == "100k"  # not the first URL's copy, nor a mismatch
    with resolve_source(f"{base}data.zip", cache_dir=cache) as root:
        assert open_movielens(root).layout == "csv"
    assert requests == ["/data.zip", "/mirror/data.zip"]  # each fetched once
    assert download.cache_path(cache, f"{base}data.zip") != download.cache_path(
        cache, f"{base}mirror/data.zip"
    )
    assert download.cache_path(cache, "https://a.org/x.zip?v=1") != download.cache_path(
        cache, "https://a.org/x.zip?v=2"
    )


def test_a_release_cached_by_file_name_alone_is_adopted_if_its_md5_proves_it(
    tmp_path: Path,
    server: tuple[str, Path, list[str]],
    dataset: MakeDataset,
    ml100k_files: Files,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, served, requests = server
    data = dataset(ml100k_files, "zip", "ml-100k").read_bytes()
    (served / "ml-100k.zip").write_bytes(data)
    monkeypatch.setattr(download, "GROUPLENS_BASE", base)
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    monkeypatch.setitem(download.KNOWN_MD5, "ml-100k.zip", md5)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "ml-100k.zip").write_bytes(data)  # where an older reelmates kept it
    with resolve_source("ml-100k", cache_dir=cache) as root:
        assert open_movielens(root).layout == "100k"
    assert requests == []
    assert download.cache_path(cache, f"{base}ml-100k.zip").exists()
    # A file of that name that is not the release is left alone and the release downloaded.
    (cache / "ml-100k.zip").write_bytes(b"something else")
    download.cache_path(cache, f"{base}ml-100k.zip").unlink()
    with resolve_source("ml-100k", cache_dir=cache) as root:
        assert open_movielens(root).layout == "100k"
    assert requests == ["/ml-100k.zip"]
    assert (cache / "ml-100k.zip").read_bytes() == b"something else"
