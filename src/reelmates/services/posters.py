"""Use case: a film's poster — a real one from TMDB when the operator has set an API key and it
has been fetched, else the card drawn as SVG (``web/posters.py``), which needs no network.

A request never waits on the network: :func:`poster_for` serves the file on disk if there is
one, and otherwise asks :class:`PosterFetcher` (one background thread, a small queue, each film
queued once) to fetch it, and the drawn card is shown meanwhile. A fetch:

1. asks TMDB for the film's ``poster_path``: ``/movie/{tmdb_id}`` when the catalog knows the
   film's TMDB id, else ``/search/movie?query=title&year=year`` (the first result with one);
2. downloads ``tmdb_image_url + poster_path`` (a path of our own shape only, so the host is
   always the configured one; redirects are never followed), within ``tmdb_timeout_seconds`` in
   all and ``poster_max_bytes``, and keeps it only if it says it is a JPEG, PNG or WebP image
   and starts like one;
3. writes it as ``{film_id}.{jpg|png|webp}`` in ``poster_dir`` (a temporary file renamed into
   place, so a reader never sees half a file). A failure (no network, 401, 404, no poster,
   garbage, too big, too slow) writes ``{film_id}.miss`` with the time instead, and the film is
   not tried again for ``poster_retry_seconds``.

The API key goes only into the requests to TMDB: never into a page, an error or a log line
(httpx logs request URLs, which carry it, so those lines are redacted).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

from reelmates.errors import NotFoundError
from reelmates.services.films_page import FilmCard
from reelmates.settings import Settings
from reelmates.store.films import FilmRepository

log = logging.getLogger(__name__)

QUEUE_SIZE = 32  # films waiting for a fetch; more are dropped (asked again on a later request)
JSON_MAX_BYTES = 256 * 1024
# What TMDB's poster paths look like ("/kyeqWdyUXW608qlYkRqosgbbJyK.jpg"): nothing else is used.
POSTER_PATH = re.compile(r"/[A-Za-z0-9_-]{1,100}\.(?:jpg|jpeg|png|webp)")
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
TYPE_OF_SUFFIX = {suffix: kind for kind, suffix in IMAGE_TYPES.items()}


@dataclass(frozen=True)
class PosterSubject:
    """What a fetch needs to know of a film (no database in the background thread)."""

    film_id: int
    tmdb_id: int | None
    title: str
    year: int | None


@dataclass(frozen=True)
class PosterImage:
    body: bytes
    content_type: str  # one of IMAGE_TYPES


@dataclass(frozen=True)
class Poster:
    """A film's poster: the fetched image, or None and the card to draw."""

    card: FilmCard
    image: PosterImage | None
    fetching: bool  # real posters are on: the image may come later (do not cache the card)


class PosterFailedError(Exception):
    """Why a fetch gave no poster, in words that never hold the key or a URL."""


def looks_like(content_type: str, body: bytes) -> bool:
    """Whether ``body`` starts the way an image of ``content_type`` does."""
    if content_type == "image/jpeg":
        return body.startswith(b"\xff\xd8\xff")
    if content_type == "image/png":
        return body.startswith(b"\x89PNG\r\n\x1a\n")
    if content_type == "image/webp":
        return body[:4] == b"RIFF" and body[8:12] == b"WEBP"
    return False


class PosterFiles:
    """The posters on disk, one file per film, and the markers of recent failures."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def image(self, film_id: int) -> PosterImage | None:
        for suffix, kind in TYPE_OF_SUFFIX.items():
            try:
                return PosterImage((self.folder / f"{film_id}.{suffix}").read_bytes(), kind)
            except FileNotFoundError:
                continue
        return None

    def missed_recently(self, film_id: int, now: float, retry_seconds: int) -> bool:
        try:
            when = float((self.folder / f"{film_id}.miss").read_text("ascii"))
        except (OSError, ValueError):
            return False  # no marker, or not one of ours: try again
        return now - when < retry_seconds

    def save(self, film_id: int, image: PosterImage) -> None:
        self._write(f"{film_id}.{IMAGE_TYPES[image.content_type]}", image.body)
        (self.folder / f"{film_id}.miss").unlink(missing_ok=True)

    def remember_miss(self, film_id: int, now: float) -> None:
        self._write(f"{film_id}.miss", repr(now).encode("ascii"))

    def _write(self, name: str, body: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(body)
            Path(temp).replace(self.folder / name)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


class _Redact(logging.Filter):
    """Takes the API keys out of httpx's log lines (they log every request's URL)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "[redacted]")
            record.msg, record.args = message, None
        return True


_REDACT = _Redact()  # installed on httpx's loggers by the first fetcher with a key


class TmdbClient:
    """One poster from TMDB, or :class:`PosterFailedError`."""

    def __init__(self, settings: Settings, key: str) -> None:
        self.api_url = settings.tmdb_api_url.rstrip("/")
        self.image_url = settings.tmdb_image_url.rstrip("/")
        self.timeout = settings.tmdb_timeout_seconds
        self.max_bytes = settings.poster_max_bytes
        self._key = key

    def fetch(self, subject: PosterSubject) -> PosterImage:
        deadline = time.monotonic() + self.timeout
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                path = self._poster_path(client, subject, deadline)
                kind, body = self._get(client, self.image_url + path, {}, self.max_bytes, deadline)
        except httpx.HTTPError as exc:  # its words may hold the URL, and so the key
            raise PosterFailedError(f"no answer from TMDB ({type(exc).__name__})") from None
        kind = kind.split(";")[0].strip().lower()
        if kind not in IMAGE_TYPES or not looks_like(kind, body):
            raise PosterFailedError("the poster is not a JPEG, PNG or WebP image")
        return PosterImage(body, kind)

    def _poster_path(self, client: httpx.Client, subject: PosterSubject, deadline: float) -> str:
        key = {"api_key": self._key}
        if subject.tmdb_id is not None:
            found = self._json(client, f"/movie/{subject.tmdb_id}", key, deadline)
            paths = [found.get("poster_path")] if isinstance(found, dict) else []
        else:
            query = {"query": subject.title} | ({"year": str(subject.year)} if subject.year else {})
            found = self._json(client, "/search/movie", key | query, deadline)
            results = found.get("results") if isinstance(found, dict) else None
            rows = results if isinstance(results, list) else []
            paths = [row.get("poster_path") for row in rows if isinstance(row, dict)]
        for path in paths:
            if isinstance(path, str) and POSTER_PATH.fullmatch(path):
                return path
        raise PosterFailedError("TMDB has no poster for this film")

    def _json(
        self, client: httpx.Client, path: str, params: dict[str, str], deadline: float
    ) -> object:
        _kind, body = self._get(client, self.api_url + path, params, JSON_MAX_BYTES, deadline)
        try:
            found: object = json.loads(body)
        except ValueError:
            raise PosterFailedError("TMDB's answer is not JSON") from None
        return found

    def _get(
        self,
        client: httpx.Client,
        url: str,
        params: dict[str, str],
        limit: int,
        deadline: float,
    ) -> tuple[str, bytes]:
        with client.stream("GET", url, params=params) as response:
            if response.status_code != 200:
                raise PosterFailedError(f"TMDB answered {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdecimal() and int(declared) > limit:
                raise PosterFailedError(f"TMDB's answer is larger than {limit:,} bytes")
            parts: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise PosterFailedError(f"TMDB's answer is larger than {limit:,} bytes")
                if time.monotonic() > deadline:
                    raise PosterFailedError("TMDB took too long")
                parts.append(chunk)
            return response.headers.get("content-type", ""), b"".join(parts)


class PosterFetcher:
    """The posters on disk and the one thread that fetches missing ones (started on the first
    film asked for, stopped with the app). Without an API key it never fetches anything."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.files = PosterFiles(settings.effective_poster_dir)
        key = settings.tmdb_api_key.get_secret_value() if settings.tmdb_api_key else ""
        self._client = TmdbClient(settings, key) if key else None
        if key:
            _REDACT.secrets.add(key)
            # httpcore's lines name hosts, not URLs; httpx's hold the query (and so the key).
            logging.getLogger("httpx").addFilter(_REDACT)  # once: a logger keeps no duplicate
        self._queue: queue.Queue[PosterSubject | None] = queue.Queue(QUEUE_SIZE)
        self._pending: set[int] = set()  # queued or being fetched
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self._client is not None

    def ask(self, subject: PosterSubject) -> None:
        """Queue a fetch of the film's poster unless it is on disk, failed recently, is queued
        already or the queue is full (a later request asks again). Never waits."""
        if self._client is None or self.files.image(subject.film_id) is not None:
            return
        if self.files.missed_recently(subject.film_id, time.time(), self._retry_seconds):
            return
        with self._idle:
            if subject.film_id in self._pending:
                return
            try:
                self._queue.put_nowait(subject)
            except queue.Full:
                return
            self._pending.add(subject.film_id)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="reelmates-posters", daemon=True
                )
                self._thread.start()

    def fetch_now(self, subject: PosterSubject) -> PosterImage | None:
        """Fetch and keep one film's poster in this thread (the background thread's work)."""
        if self._client is None:
            return None
        try:
            image = self._client.fetch(subject)
        except PosterFailedError as exc:
            log.info("no TMDB poster for film %d: %s", subject.film_id, exc)
            self.files.remember_miss(subject.film_id, time.time())
            return None
        self.files.save(subject.film_id, image)
        return image

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or being fetched; False when ``timeout`` ran out."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending, timeout)

    def stop(self, timeout: float = 5.0) -> None:
        with self._idle:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)  # blocks only while the queue is full, behind real work
            thread.join(timeout)

    @property
    def _retry_seconds(self) -> int:
        return self.settings.poster_retry_seconds

    def _run(self) -> None:
        while (subject := self._queue.get()) is not None:
            try:
                self.fetch_now(subject)
            except Exception:  # a full disk, say: the card is drawn, and the thread goes on
                log.exception("fetching the poster of film %d failed", subject.film_id)
            finally:
                with self._idle:
                    self._pending.discard(subject.film_id)
                    self._idle.notify_all()


def poster_for(session: Session, fetcher: PosterFetcher, film_id: int) -> Poster:
    """The film's poster as it is now: the image on disk, or the card to draw while a fetch is
    queued in the background (when real posters are on)."""
    film = FilmRepository(session).get(film_id)
    if film is None:
        raise NotFoundError(
            f"no film with id {film_id} in the catalog", hint="Search the catalog for it."
        )
    card = FilmCard(film_id=film.id, title=film.title, year=film.year, genres=film.genre_names)
    image = fetcher.files.image(film.id)
    if image is None:
        fetcher.ask(PosterSubject(film.id, film.tmdb_id, film.title, film.year))
    return Poster(card, image, fetcher.enabled)
