"""A web app on a fresh SQLite database per test (argon2 made cheap), and browsers for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from live_browser import chromium, live_demo, live_page  # noqa: F401  (browser test fixtures)
from web_browsers import Browser, web_settings

from reelmates.services.demo import run_demo
from reelmates.store.migrate import open_database
from reelmates.web.app import create_app


@pytest.fixture(scope="module")
def trained_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The demo (starter catalog, Jess and Milly, a trained model) with open sign-up: one per
    test module that asks for it."""
    settings = web_settings(tmp_path_factory.mktemp("trained"), signup_policy="open")
    engine = open_database(settings)
    run_demo(engine, settings)
    engine.dispose()
    app = create_app(settings)
    yield app
    app.state.engine.dispose()


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., FastAPI]]:
    apps: list[FastAPI] = []

    def make(**overrides: Any) -> FastAPI:
        app = create_app(web_settings(tmp_path, **overrides))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app()


@pytest.fixture
def new_browser(app: FastAPI) -> Iterator[Callable[..., Browser]]:
    clients: list[TestClient] = []

    def make(base_url: str = "http://testserver", **kwargs: Any) -> Browser:
        client = TestClient(app, base_url=base_url, **kwargs)
        clients.append(client)
        return Browser(client)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def browser(new_browser: Callable[..., Browser]) -> Browser:
    return new_browser()
