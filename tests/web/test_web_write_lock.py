"""An import holding the database for a long time (15 s here, in one transaction, as the
importers do) does not hang the app: every page keeps loading, and a member's write either
succeeds or, on SQLite (one writer at a time), answers 503 with Retry-After within a few
seconds. On PostgreSQL, which locks rows, not the database, every write succeeds.

Requests run in threads while the import holds on; each is timed. A request stuck behind the
lock until the import ends (the failure this guards against) takes the full 15 s."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from web_browsers import Browser, web_settings

from reelmates.services.starter import seed_starter_catalog
from reelmates.services.uow import unit_of_work
from reelmates.store.migrate import open_database
from reelmates.store.models import LoginSession
from reelmates.store.people import PersonRepository
from reelmates.store.ratings import RatingRepository
from reelmates.web.app import create_app

HOLD_SECONDS = 15.0
PAGE_SECONDS = 3.0  # a page must load within this while the import holds on
WRITE_SECONDS = 8.0  # a write must be answered (saved or 503) within this: busy timeout is 5 s
FILMS = (1, 2, 3, 4, 5, 6)

pytestmark = pytest.mark.slow


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[FastAPI]:
    settings = web_settings(tmp_path, database_url=db_url, signup_policy="open")
    engine = open_database(settings)
    seed_starter_catalog(engine)
    engine.dispose()
    app = create_app(settings)
    yield app
    app.state.engine.dispose()


def _hold_like_an_import(app: FastAPI, started: threading.Event, done: threading.Event) -> None:
    """One long-wait unit of work (the importers' kind) that writes ratings for HOLD_SECONDS."""
    with unit_of_work(app.state.engine, long_wait=True) as session:
        person = PersonRepository(session).add_member("importer", "Importer")
        ratings = RatingRepository(session)
        ratings.set_rating(person.id, FILMS[0], 4.0, None)
        session.flush()  # the write lock is taken now
        started.set()
        deadline = time.monotonic() + HOLD_SECONDS
        n = 0
        while time.monotonic() < deadline:
            ratings.set_rating(person.id, FILMS[n % len(FILMS)], 1 + n % 5, None)
            session.flush()
            n += 1
            time.sleep(0.05)
    done.set()


@dataclass
class Answer:
    what: str
    status: int
    seconds: float
    retry_after: str | None
    during: bool  # sent while the import held the database


def test_pages_load_and_writes_answer_quickly_while_an_import_holds_the_database(
    app: FastAPI, db_url: str
) -> None:
    on_sqlite = db_url.startswith("sqlite")
    with TestClient(app) as client:
        member = Browser(client)
        assert member.sign_up("viewer").status_code == 303
        token = member.api_csrf()
        # Last seen an hour ago: each page now would note the use (a write of its own, best
        # effort), which must not wait behind the import (each page took the busy timeout).
        with app.state.engine.begin() as conn:
            conn.execute(
                update(LoginSession).values(last_seen_at=datetime.now(UTC) - timedelta(hours=1))
            )
        started, done = threading.Event(), threading.Event()
        holder = threading.Thread(target=_hold_like_an_import, args=(app, started, done))
        holder.start()
        assert started.wait(10), "the import never took the lock"
        answers: list[Answer] = []

        def timed(what: str) -> None:
            during = not done.is_set()
            t = time.perf_counter()
            if what.startswith("GET "):
                response = client.get(what[4:])
            else:
                film = what.rsplit("/", 2)[-2]
                response = client.post(
                    what[5:], json={"stars": 3 + int(film) % 3}, headers={"X-CSRF-Token": token}
                )
            took = time.perf_counter() - t
            answers.append(
                Answer(
                    what, response.status_code, took, response.headers.get("retry-after"), during
                )
            )

        pages = ["/", "/together", "/films/1", "/api/films?q=the", "/settings"]
        rounds = 0
        while not done.is_set():
            threads = [threading.Thread(target=timed, args=(f"GET {p}",)) for p in pages]
            threads += [
                threading.Thread(target=timed, args=(f"POST /api/films/{film}/rating",))
                for film in FILMS[1:4]
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(WRITE_SECONDS + 5)
            rounds += 1
        holder.join(HOLD_SECONDS + 10)
    sent_during = [a for a in answers if a.during]
    assert len(sent_during) >= 2 * (len(pages) + 3), "too few requests met the import"
    for answer in answers:
        if answer.what.startswith("GET "):
            assert answer.status == 200 and answer.seconds < PAGE_SECONDS, answer
        elif on_sqlite and answer.status == 503:
            assert answer.retry_after and int(answer.retry_after) > 0, answer
            assert answer.seconds < WRITE_SECONDS, answer
        else:
            assert answer.status == 200 and answer.seconds < WRITE_SECONDS, answer
    writes = [a for a in answers if a.what.startswith("POST ")]
    assert len(writes) == 3 * rounds
    if not on_sqlite:
        assert all(a.status == 200 for a in writes)  # row locks: the import is no obstacle
