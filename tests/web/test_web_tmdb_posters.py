"""Real posters from TMDB when the operator sets an API key: fetched once in the background and
kept on disk, the drawn card meanwhile and whenever a fetch fails. TMDB is played by a small
HTTP server on 127.0.0.1 in the test; the key never shows in a response or a log line."""

from __future__ import annotations

import contextlib
import json
import logging
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_browsers import Browser

from reelmates.services.posters import PosterFetcher, looks_like
from reelmates.services.uow import unit_of_work
from reelmates.settings import load_settings
from reelmates.store.films import FilmRepository

KEY = "k3y-0f-the-0perat0r-5ecret"
HEAT, AMELIE = 1, 2  # film ids: Heat has a TMDB id, Amélie is found by a search
HEAT_TMDB = 949


def _png() -> bytes:
    """A valid 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = _png()


@dataclass
class FakeTmdb:
    """What the fake answers (``mode``) and what it was asked."""

    url: str = ""
    mode: str = "ok"  # ok | 401 | garbage | huge | slow | redirect
    seen: list[str] = field(default_factory=list)  # paths asked for, query left off
    bad_keys: int = 0

    @property
    def images(self) -> int:
        return sum(path.startswith("/img/") for path in self.seen)


@pytest.fixture(scope="module")
def fake_tmdb() -> Iterator[FakeTmdb]:
    """One server for the module; :func:`tmdb` gives each test a fresh state."""
    fake = FakeTmdb()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            fake.seen.append(parts.path)
            if parts.path.startswith("/img/"):
                self._image()
                return
            if query.get("api_key") != [KEY]:
                fake.bad_keys += 1
                self._send(401, "application/json", b'{"status_code": 7}')
                return
            if fake.mode == "401":
                self._send(401, "application/json", b'{"status_code": 7}')
            elif parts.path == f"/3/movie/{HEAT_TMDB}":
                self._json({"id": HEAT_TMDB, "poster_path": "/heat.png"})
            elif parts.path == "/3/search/movie":
                found = query.get("query") == ["Amélie"] and query.get("year") == ["2001"]
                rows = [{"id": 194, "poster_path": None}, {"id": 195, "poster_path": "/am.png"}]
                self._json({"results": rows if found else []})
            else:
                self._send(404, "application/json", b'{"status_code": 34}')

        def _image(self) -> None:
            if fake.mode == "garbage":
                self._send(200, "image/png", b"<html>not a picture</html>")
            elif fake.mode == "huge":
                self._send(200, "image/png", PNG + b"\0" * 3_000_000)
            elif fake.mode == "slow":
                time.sleep(1.0)
                self._send(200, "image/png", PNG)
            elif fake.mode == "redirect":
                self.send_response(302)
                self.send_header("Location", "http://example.com/x.png")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._send(200, "image/png", PNG)

        def _json(self, body: object) -> None:
            self._send(200, "application/json", json.dumps(body).encode())

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (too big, too slow)
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def tmdb(fake_tmdb: FakeTmdb) -> FakeTmdb:
    fake_tmdb.mode, fake_tmdb.seen, fake_tmdb.bad_keys = "ok", [], 0
    return fake_tmdb


@pytest.fixture
def start(
    make_app: Callable[..., FastAPI], tmdb: FakeTmdb, tmp_path: Path
) -> Iterator[Callable[..., tuple[FastAPI, Browser]]]:
    """An app (TMDB at the fake, ``key`` or none) with Heat and Amélie, and a member in it."""
    clients: list[TestClient] = []

    def make(key: str | None = KEY, **overrides: object) -> tuple[FastAPI, Browser]:
        app = make_app(
            tmdb_api_key=key,
            tmdb_api_url=tmdb.url + "/3",
            tmdb_image_url=tmdb.url + "/img",
            tmdb_timeout_seconds=0.5,
            poster_dir=tmp_path / "posters",
            **overrides,
        )
        with unit_of_work(app.state.engine) as session:
            FilmRepository(session).insert_rows(
                [
                    {
                        "id": HEAT,
                        "title": "Heat",
                        "title_key": "heat",
                        "year": 1995,
                        "tmdb_id": HEAT_TMDB,
                    },
                    {"id": AMELIE, "title": "Amélie", "title_key": "amelie", "year": 2001},
                ],
                [{"film_id": HEAT, "genre": "Crime"}, {"film_id": AMELIE, "genre": "Romance"}],
            )
        client = TestClient(app)
        clients.append(client)
        member = Browser(client)
        assert member.sign_up("ann").status_code == 303
        return app, member

    yield make
    for client in clients:
        client.app.state.posters.stop()  # type: ignore[attr-defined]
        client.close()


def _settle(app: FastAPI) -> None:
    fetcher: PosterFetcher = app.state.posters
    assert fetcher.wait_idle(5.0)


def _no_key_anywhere(*responses: object) -> None:
    for response in responses:
        assert KEY not in response.text  # type: ignore[attr-defined]
        assert all(KEY not in v for v in response.headers.values())  # type: ignore[attr-defined]


def test_the_poster_is_fetched_once_then_served_from_disk_as_png(
    start: Callable[..., tuple[FastAPI, Browser]],
    tmdb: FakeTmdb,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    app, ann = start()
    first = ann.get(f"/films/{HEAT}/poster")  # at once: the drawn card, the fetch queued
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("image/svg+xml")
    assert first.headers["cache-control"] == "private, no-cache"
    _settle(app)
    answers = [ann.get(f"/films/{HEAT}/poster") for _ in range(4)]
    for answer in answers:
        assert answer.status_code == 200 and answer.content == PNG
        assert answer.headers["content-type"] == "image/png"
        assert answer.headers["cache-control"] == "private, max-age=604800"
    assert tmdb.seen == [f"/3/movie/{HEAT_TMDB}", "/img/heat.png"]  # one lookup, one download
    assert tmdb.bad_keys == 0
    assert (tmp_path / "posters" / f"{HEAT}.png").read_bytes() == PNG
    assert [p.name for p in (tmp_path / "posters").iterdir()] == [f"{HEAT}.png"]  # no temp left
    # The old link still draws the card; the film page points at the new one.
    assert ann.get(f"/films/{HEAT}/poster.svg").headers["content-type"].startswith("image/svg")
    page = ann.get(f"/films/{HEAT}")
    assert f'src="/films/{HEAT}/poster"' in page.text
    policy = page.headers["content-security-policy"]  # images from our origin only
    assert "default-src 'self'" in policy and "img-src" not in policy
    _no_key_anywhere(first, page, *answers)
    assert any("/3/movie/" in r.getMessage() for r in caplog.records)  # httpx logged the calls
    assert all(KEY not in r.getMessage() for r in caplog.records)  # ... with the key redacted


def test_a_film_without_a_tmdb_id_is_found_by_title_and_year(
    start: Callable[..., tuple[FastAPI, Browser]], tmdb: FakeTmdb
) -> None:
    app, ann = start()
    ann.get(f"/films/{AMELIE}/poster")
    _settle(app)
    assert ann.get(f"/films/{AMELIE}/poster").content == PNG
    assert tmdb.seen == ["/3/search/movie", "/img/am.png"]  # the first result with a poster


def test_many_requests_at_once_queue_one_fetch(
    start: Callable[..., tuple[FastAPI, Browser]], tmdb: FakeTmdb
) -> None:
    app, ann = start()
    fetcher: PosterFetcher = app.state.posters
    tmdb.mode = "slow"  # the first fetch is still under way while the others ask
    for _ in range(5):
        assert ann.get(f"/films/{HEAT}/poster").headers["content-type"].startswith("image/svg")
    _settle(app)
    assert tmdb.images == 1
    assert fetcher.files.image(HEAT) is None  # too slow: given up after 0.5 s


def test_without_a_key_nothing_is_fetched(
    start: Callable[..., tuple[FastAPI, Browser]], tmdb: FakeTmdb, tmp_path: Path
) -> None:
    app, ann = start(key=None)
    for _ in range(3):
        answer = ann.get(f"/films/{HEAT}/poster")
        assert answer.headers["content-type"].startswith("image/svg+xml")
        assert answer.headers["cache-control"] == "private, max-age=86400"
    _settle(app)
    assert tmdb.seen == []
    assert not (tmp_path / "posters").exists()


@pytest.mark.parametrize("mode", ["401", "garbage", "huge", "redirect"])
def test_a_failed_fetch_leaves_the_card_and_is_not_retried_soon(
    start: Callable[..., tuple[FastAPI, Browser]], tmdb: FakeTmdb, tmp_path: Path, mode: str
) -> None:
    app, ann = start()
    tmdb.mode = mode
    answers = [ann.get(f"/films/{HEAT}/poster")]
    _settle(app)
    asked = list(tmdb.seen)
    assert asked and asked[0] == f"/3/movie/{HEAT_TMDB}"
    answers += [ann.get(f"/films/{HEAT}/poster") for _ in range(3)]
    _settle(app)
    for answer in answers:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("image/svg+xml")
    assert tmdb.seen == asked  # remembered: not asked again
    assert [p.name for p in (tmp_path / "posters").iterdir()] == [f"{HEAT}.miss"]
    _no_key_anywhere(*answers)


def test_a_miss_is_tried_again_once_the_retry_time_has_passed(
    start: Callable[..., tuple[FastAPI, Browser]], tmdb: FakeTmdb
) -> None:
    app, ann = start(poster_retry_seconds=0)
    tmdb.mode = "401"
    ann.get(f"/films/{HEAT}/poster")
    _settle(app)
    tmdb.mode = "ok"
    ann.get(f"/films/{HEAT}/poster")
    _settle(app)
    assert ann.get(f"/films/{HEAT}/poster").content == PNG
    assert not app.state.posters.files.missed_recently(HEAT, time.time(), 86_400)


def test_only_image_bytes_of_the_type_they_claim_pass() -> None:
    assert looks_like("image/png", PNG)
    assert looks_like("image/jpeg", b"\xff\xd8\xff\xe0rest")
    assert looks_like("image/webp", b"RIFF\x10\0\0\0WEBPVP8 ")
    assert not looks_like("image/jpeg", PNG)
    assert not looks_like("image/svg+xml", b"<svg/>")
    assert not looks_like("image/png", b"")


def test_the_key_comes_from_the_environment_and_never_shows_in_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REELMATES_TMDB_API_KEY", KEY)
    settings = load_settings(data_dir=tmp_path)
    assert settings.tmdb_api_key is not None
    assert settings.tmdb_api_key.get_secret_value() == KEY
    assert KEY not in repr(settings) and KEY not in str(settings)
    assert settings.effective_poster_dir == tmp_path / "posters"
    assert PosterFetcher(settings).enabled
    monkeypatch.delenv("REELMATES_TMDB_API_KEY")
    assert not PosterFetcher(load_settings(data_dir=tmp_path)).enabled
