"""The app factory: everything a request needs is built here, from settings, and kept on
``app.state`` (nothing happens at import time; tests build their own apps)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import Depends, FastAPI
from starlette.staticfiles import StaticFiles

from reelmates.services import accounts
from reelmates.services.accounts import LoginLimiter, Passwords
from reelmates.services.media.scheduler import BackgroundSync
from reelmates.services.night_mail import Mailer
from reelmates.services.posters import PosterFetcher
from reelmates.services.refit import BackgroundRefit
from reelmates.services.swipes import SwipeRooms
from reelmates.services.taste import ModelHolder
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.films import InstallationRepository
from reelmates.store.migrate import open_database
from reelmates.web.api import account as account_api
from reelmates.web.api import admin as admin_api
from reelmates.web.api import compat as compat_api
from reelmates.web.api import data as data_api
from reelmates.web.api import films as films_api
from reelmates.web.api import friends as friends_api
from reelmates.web.api import guests as guests_api
from reelmates.web.api import match_requests as match_requests_api
from reelmates.web.api import media as media_api
from reelmates.web.api import night_requests as night_requests_api
from reelmates.web.api import nights as nights_api
from reelmates.web.api import onboarding as onboarding_api
from reelmates.web.api import swipe as swipe_api
from reelmates.web.api import together as together_api
from reelmates.web.deps import csrf_guard
from reelmates.web.errors import API_ERRORS, install_error_handlers
from reelmates.web.limits import BodyLimitMiddleware
from reelmates.web.live import broadcaster_for
from reelmates.web.pages import account as account_pages
from reelmates.web.pages import admin as admin_pages
from reelmates.web.pages import compat as compat_pages
from reelmates.web.pages import data as data_pages
from reelmates.web.pages import films as films_pages
from reelmates.web.pages import friends as friends_pages
from reelmates.web.pages import guests as guests_pages
from reelmates.web.pages import match_requests as match_requests_pages
from reelmates.web.pages import media as media_pages
from reelmates.web.pages import night_requests as night_requests_pages
from reelmates.web.pages import nights as nights_pages
from reelmates.web.pages import onboarding as onboarding_pages
from reelmates.web.pages import password as password_pages
from reelmates.web.pages import swipe as swipe_pages
from reelmates.web.pages import together as together_pages
from reelmates.web.security import (
    ForwardedSchemeMiddleware,
    RootPathMiddleware,
    SecurityHeadersMiddleware,
)
from reelmates.web.slots import RequestSlots, request_slot
from reelmates.web.templating import build_templates

STATIC_DIR = Path(__file__).with_name("static")


def create_app(settings: Settings) -> FastAPI:
    """The web app over the database ``settings`` names (migrated to the newest schema)."""
    engine = open_database(settings)
    with unit_of_work(engine, read_only=True) as session:
        csrf_key = accounts.csrf_key(session)
        database_id = InstallationRepository(session).database_id()

    holder = ModelHolder(settings.effective_model_dir, engine)
    refit = BackgroundRefit(holder, settings)
    media_sync = BackgroundSync(engine, settings)  # scheduled syncs of the media servers
    posters = PosterFetcher(settings)  # its thread starts with the first poster it fetches
    rooms = SwipeRooms(holder)
    # Redis pub/sub when REELMATES_REDIS_URL is set (server processes share rooms), else a hub.
    broadcaster = broadcaster_for(settings.redis_url, database_id)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # A thread for each request slot (web/slots.py), and a few for static files.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads + 8
        refit.start()  # a thread: refits never run inside a request
        media_sync.start()  # a thread too: a server's answers never hold up a request
        yield
        media_sync.stop()
        refit.stop()
        posters.stop()
        await broadcaster.close()
        engine.dispose()

    app = FastAPI(
        title="reelmates",
        summary="Pick a film to watch together.",
        version="0.1.0",
        # FastAPI's docs pages load their scripts from a CDN: only the document is served.
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        # First a request's slot (nothing held while it queues), then the CSRF check.
        dependencies=[Depends(request_slot), Depends(csrf_guard)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.holder = holder
    app.state.refit = refit
    app.state.media_sync = media_sync
    app.state.posters = posters
    app.state.mailer = Mailer.from_settings(settings)  # None: e-mail is off
    app.state.rooms = rooms
    app.state.broadcaster = broadcaster
    # Set by `reelmates serve` when it begins to stop: open event streams end (api/swipe.py).
    app.state.stopping = threading.Event()
    app.state.templates = build_templates(settings)
    app.state.passwords = Passwords.from_settings(settings)
    app.state.login_limiter = LoginLimiter.from_settings(settings)
    app.state.csrf_key = csrf_key
    app.state.request_slots = RequestSlots(settings.web_threads, settings.web_queue_seconds)

    app.include_router(account_pages.router)
    app.include_router(account_api.router, responses=API_ERRORS)
    app.include_router(films_pages.router)
    app.include_router(films_api.router, responses=API_ERRORS)
    app.include_router(data_pages.router)
    app.include_router(data_api.router, responses=API_ERRORS)
    app.include_router(media_pages.router)
    app.include_router(media_api.router, responses=API_ERRORS)
    app.include_router(friends_pages.router)
    app.include_router(friends_api.router, responses=API_ERRORS)
    app.include_router(together_pages.router)
    app.include_router(together_api.router, responses=API_ERRORS)
    app.include_router(nights_pages.router)
    app.include_router(nights_api.router, responses=API_ERRORS)
    app.include_router(night_requests_pages.router)
    app.include_router(night_requests_api.router, responses=API_ERRORS)
    app.include_router(swipe_pages.router)
    app.include_router(swipe_api.router, responses=API_ERRORS)
    app.include_router(match_requests_pages.router)
    app.include_router(match_requests_api.router, responses=API_ERRORS)
    app.include_router(onboarding_pages.router)
    app.include_router(onboarding_api.router, responses=API_ERRORS)
    app.include_router(password_pages.router)
    app.include_router(guests_pages.router)
    app.include_router(guests_api.router, responses=API_ERRORS)
    app.include_router(admin_pages.router)
    app.include_router(admin_api.router, responses=API_ERRORS)
    # Last: after every other /friends/... route (/friends/code is not a handle).
    app.include_router(compat_pages.router)
    app.include_router(compat_api.router, responses=API_ERRORS)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.trusted_proxy:
        app.add_middleware(ForwardedSchemeMiddleware)
    app.add_middleware(RootPathMiddleware, root_path=settings.root_path)  # outermost
    return app
