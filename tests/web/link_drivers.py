"""How each kind of link or credential of the web app is made, used, aged, revoked and guessed
at, through real requests (TestClient browsers) and real database rows: the drivers behind the
table of rules in test_web_links.py.

Time is moved the way the other web tests move it: the rows' own timestamps are shifted back in
the database (created, expires, last seen), so a link made now looks as if made ``by`` ago; the
log-in limiter's clock is the world's ``ticks``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web_browsers import PASSWORD, Browser

from reelmates.services.accounts import LoginLimiter, token_hash
from reelmates.services.uow import unit_of_work
from reelmates.store.models import (
    Account,
    ApiToken,
    Base,
    CalendarFeed,
    FriendInvite,
    Friendship,
    LoginSession,
    SignupInvite,
    SwipeSession,
    SwipeSessionMember,
)
from reelmates.store.swipes import SwipeRepository
from reelmates.web.security import SESSION_COOKIE

_n = itertools.count()
OPERATOR = "op"  # the demo has its own Jess and Milly


class World:
    """One test's view of the module's app (the demo's catalog and model, the default rules):
    its operator, logged in, and a fresh log-in limiter on a clock the test moves."""

    def __init__(self, app: FastAPI, operator: Browser) -> None:
        self.app = app
        self.clients: list[TestClient] = []
        self.ticks = [1000.0]
        s = app.state.settings
        app.state.login_limiter = LoginLimiter(
            s.login_failures_per_account,
            s.login_failures_per_address,
            s.login_failure_window_seconds,
            clock=lambda: self.ticks[0],
        )
        self.operator = operator  # the operator (handle OPERATOR), who makes the invites
        self._attacker: Browser | None = None

    def browser(self, **kwargs: Any) -> Browser:
        client = TestClient(self.app, **kwargs)
        self.clients.append(client)
        return Browser(client)

    def member(self) -> tuple[Browser, str]:
        """A new member (signed up with an invite of Jess's), logged in; and their handle."""
        handle = f"m{next(_n)}"
        browser = self.browser()
        assert browser.sign_up(handle, invite=self.operator.invite()).status_code == 303
        return browser, handle

    def attacker(self) -> Browser:
        if self._attacker is None:
            self._attacker = self.member()[0]
        return self._attacker

    def count(self, model: type[Base]) -> int:
        with unit_of_work(self.app.state.engine, read_only=True) as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def shift(self, model: type[Base], where: Any, by: timedelta, *columns: str) -> None:
        """Move the matching rows' ``columns`` back by ``by`` (as if made that long ago)."""
        with unit_of_work(self.app.state.engine) as session:
            rows = list(session.scalars(select(model).where(where)))
            assert rows, f"no {model.__name__} row to age"
            for row in rows:
                for column in columns:
                    setattr(row, column, getattr(row, column) - by)

    def close(self) -> None:
        for client in self.clients:
            client.close()


@dataclass
class Cred:
    """What was handed out: the secret, and what the driver needs to act on it later."""

    secret: str
    ref: int | None = None  # an invite's or token's id
    handle: str | None = None  # whose it is
    holder: Browser | None = None  # the browser that made or holds it
    extra: dict[str, Any] = field(default_factory=dict)


Effect = Callable[[World], tuple[int, ...] | None]


class Driver:
    """The defaults: a credential nothing ages, revokes or guesses at (a row says None)."""

    can_age = False

    def issue(self, w: World) -> Cred:
        raise NotImplementedError

    def use(self, w: World, c: Cred) -> httpx.Response:
        raise NotImplementedError

    def effect(self, w: World) -> tuple[int, ...] | None:
        """Counts of the rows a use writes (None: a use writes nothing, it reads)."""
        return None

    def age(self, w: World, c: Cred, by: timedelta) -> None:
        raise NotImplementedError

    def revoke(self, w: World, c: Cred) -> None:
        raise NotImplementedError

    def wrong(self, w: World, c: Cred, attempt: int) -> httpx.Response:
        raise NotImplementedError

    def after_window(self, w: World, c: Cred) -> Cred:
        """The credential to try once the limit's window has passed (the same one)."""
        return c


def _friend_invite(w: World) -> Cred:
    made = w.operator.api_post("/api/friends/invites")
    assert made.status_code == 201, made.text
    body = made.json()
    return Cred(
        body["url"].rsplit("/", 1)[1], body["id"], OPERATOR, w.operator, {"code": body["code"]}
    )


def _age_friend_invite(w: World, c: Cred, by: timedelta) -> None:
    h = token_hash(c.secret)
    w.shift(
        FriendInvite, FriendInvite.token_hash == h, by, "created_at", "expires_at",
        "code_expires_at",
    )  # fmt: skip
    with unit_of_work(w.app.state.engine, read_only=True) as session:
        rides = session.scalar(select(func.count()).where(SignupInvite.token_hash == h))
    if rides:  # the sign-up invite on the same token ages with it
        w.shift(SignupInvite, SignupInvite.token_hash == h, by, "created_at", "expires_at")


def _cancel_friend_invite(w: World, c: Cred) -> None:
    done = w.operator.submit("/friends", f"/friends/invites/{c.ref}/cancel", {})
    assert done.status_code == 303, done.text


class SignupInviteDriver(Driver):
    can_age = True

    def issue(self, w: World) -> Cred:
        return Cred(w.operator.invite())

    def use(self, w: World, c: Cred) -> httpx.Response:
        return w.browser().sign_up(f"new{next(_n)}", invite=c.secret)

    def effect(self, w: World) -> tuple[int, ...]:
        return (w.count(Account),)

    def age(self, w: World, c: Cred, by: timedelta) -> None:
        w.shift(
            SignupInvite, SignupInvite.token_hash == token_hash(c.secret), by, "created_at",
            "expires_at",
        )  # fmt: skip


class FriendLinkDriver(Driver):
    can_age = True

    def issue(self, w: World) -> Cred:
        return _friend_invite(w)

    def use(self, w: World, c: Cred) -> httpx.Response:
        friend, _ = w.member()
        path = f"/friends/join/{c.secret}"
        return friend.submit("/friends", path + "/accept", {})

    def effect(self, w: World) -> tuple[int, ...]:
        return (w.count(Friendship),)

    def age(self, w: World, c: Cred, by: timedelta) -> None:
        _age_friend_invite(w, c, by)

    def revoke(self, w: World, c: Cred) -> None:
        _cancel_friend_invite(w, c)


class FriendCodeDriver(FriendLinkDriver):
    def use(self, w: World, c: Cred) -> httpx.Response:
        friend, _ = w.member()
        return friend.submit(
            "/friends/code",
            "/friends/code",
            {"handle": OPERATOR.upper(), "code": c.extra["code"].lower()},
        )

    def wrong(self, w: World, c: Cred, attempt: int) -> httpx.Response:
        code = c.extra["code"]
        guess = ("00000-00000", "11111-11111")[code == "00000-00000"]
        who = w.attacker()
        if attempt % 2:  # every other wrong try by the API: both count
            return who.api_post("/api/friends/accept-code", {"handle": OPERATOR, "code": guess})
        return who.submit("/friends/code", "/friends/code", {"handle": OPERATOR, "code": guess})

    def after_window(self, w: World, c: Cred) -> Cred:
        """A dead code stays dead (there is no window): a new invite's code is what works."""
        return _friend_invite(w)


class GuestLinkDriver(FriendLinkDriver):
    def use(self, w: World, c: Cred) -> httpx.Response:
        path = f"/friends/join/{c.secret}/guest"
        return w.browser().submit(path, path, {"display_name": "Sam"})

    def effect(self, w: World) -> tuple[int, ...]:
        return (w.count(Account), w.count(Friendship), w.count(LoginSession))


class RoomLinkDriver(Driver):
    """A room made in the database for Jess and a friend (joining needs no model)."""

    can_age = True

    def __init__(self, as_guest: bool) -> None:
        self.as_guest = as_guest

    def issue(self, w: World) -> Cred:
        token = f"room{next(_n):04d}-" + "x" * 24
        friend, _ = w.member()
        me = w.operator.get("/api/me").json()["person_id"]
        other = friend.get("/api/me").json()["person_id"]
        with unit_of_work(w.app.state.engine) as session:
            room = SwipeRepository(session).create_room(me, [me, other], 7, None, "{}", token)
        return Cred(token, room)

    def use(self, w: World, c: Cred) -> httpx.Response:
        path = f"/swipe/join/{c.secret}"
        if self.as_guest:
            return w.browser().submit(path, path + "/guest", {"display_name": "Sam"})
        joiner, _ = w.member()
        return joiner.submit(path, path, {})

    def effect(self, w: World) -> tuple[int, ...]:
        return (w.count(SwipeSessionMember), w.count(Account))

    def age(self, w: World, c: Cred, by: timedelta) -> None:
        w.shift(SwipeSession, SwipeSession.id == c.ref, by, "created_at")


def _session_of(browser: Browser) -> str:
    raw = browser.client.cookies.get(SESSION_COOKIE)
    assert raw
    return raw


class SessionDriver(Driver):
    """A log-in session's cookie, used by a copy of it in another client (GET /api/me)."""

    can_age = True

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = columns  # what ageing moves back: "last_seen_at" left out = used daily

    def issue(self, w: World) -> Cred:
        browser, handle = w.member()
        return Cred(_session_of(browser), handle=handle, holder=browser)

    def use(self, w: World, c: Cred) -> httpx.Response:
        copy = w.browser()
        copy.client.cookies.set(SESSION_COOKIE, c.secret)
        return copy.get("/api/me")

    def age(self, w: World, c: Cred, by: timedelta) -> None:
        w.shift(LoginSession, LoginSession.token_hash == token_hash(c.secret), by, *self.columns)

    def revoke(self, w: World, c: Cred) -> None:
        other = w.browser()  # another device of theirs logs out everywhere
        assert other.log_in(c.handle or "").status_code == 303
        assert other.submit("/", "/logout-everywhere", {}).status_code == 303


class GuestSessionDriver(SessionDriver):
    def issue(self, w: World) -> Cred:
        path = f"/friends/join/{_friend_invite(w).secret}/guest"
        guest = w.browser()
        assert guest.submit(path, path, {"display_name": "Sam"}).status_code == 303
        return Cred(_session_of(guest), holder=guest)

    def revoke(self, w: World, c: Cred) -> None:
        assert c.holder is not None  # the guest logs out (a copied cookie ends with it)
        assert c.holder.submit("/", "/logout", {}).status_code == 303


class ApiTokenDriver(Driver):
    can_age = True

    def issue(self, w: World) -> Cred:
        browser, handle = w.member()
        made = browser.api_post("/api/tokens", {"name": "script"}).json()
        return Cred(made["token"], made["id"], handle, browser)

    def use(self, w: World, c: Cred) -> httpx.Response:
        return w.browser().get("/api/me", headers={"Authorization": f"Bearer {c.secret}"})

    def age(self, w: World, c: Cred, by: timedelta) -> None:
        w.shift(ApiToken, ApiToken.id == c.ref, by, "created_at")

    def revoke(self, w: World, c: Cred) -> None:
        assert c.holder is not None
        gone = c.holder.client.delete(
            f"/api/tokens/{c.ref}", headers={"X-CSRF-Token": c.holder.api_csrf()}
        )
        assert gone.status_code == 204


class FeedDriver(Driver):
    can_age = True

    def issue(self, w: World) -> Cred:
        browser, handle = w.member()
        made = browser.api_post("/api/calendar/feed")
        assert made.status_code == 201, made.text
        return Cred(str(httpx.URL(made.json()["url"]).path), handle=handle, holder=browser)

    def use(self, w: World, c: Cred) -> httpx.Response:
        return w.browser().get(c.secret)  # a calendar app: no cookie, no log-in

    def age(self, w: World, c: Cred, by: timedelta) -> None:
        raw = c.secret.rsplit("/", 1)[1].removesuffix(".ics")
        w.shift(CalendarFeed, CalendarFeed.token_hash == token_hash(raw), by, "created_at")

    def revoke(self, w: World, c: Cred) -> None:
        assert c.holder is not None
        gone = c.holder.client.delete(
            "/api/calendar/feed", headers={"X-CSRF-Token": c.holder.api_csrf()}
        )
        assert gone.status_code == 204


class LoginDriver(Driver):
    """A member's password, typed at /login by a new browser."""

    def __init__(self, per_address: bool) -> None:
        self.per_address = per_address

    def issue(self, w: World) -> Cred:
        _, handle = w.member()
        return Cred(PASSWORD, handle=handle)

    def use(self, w: World, c: Cred) -> httpx.Response:
        return w.browser().log_in(c.handle or "", c.secret)

    def effect(self, w: World) -> tuple[int, ...]:
        return (w.count(LoginSession),)

    def revoke(self, w: World, c: Cred) -> None:
        """The member changes the password (from a log-in of theirs)."""
        browser = w.browser()
        assert browser.log_in(c.handle or "", c.secret).status_code == 303
        new = "a brand new pass phrase"
        changed = browser.api_post("/api/me/password", {"current": c.secret, "new": new})
        assert changed.status_code == 200, changed.text

    def wrong(self, w: World, c: Cred, attempt: int) -> httpx.Response:
        handle = f"nobody{attempt}" if self.per_address else (c.handle or "").upper()
        return w.attacker().log_in(handle, "not the password")


class ResetPasswordDriver(LoginDriver):
    """The new password the operator's reset shows once."""

    def __init__(self) -> None:
        super().__init__(per_address=False)

    def issue(self, w: World) -> Cred:
        _, handle = w.member()
        reset = w.operator.api_post(f"/api/admin/accounts/{handle}/reset-password")
        assert reset.status_code == 200, reset.text
        return Cred(reset.json()["password"], handle=handle)

    def revoke(self, w: World, c: Cred) -> None:
        """The operator resets it again."""
        again = w.operator.api_post(f"/api/admin/accounts/{c.handle}/reset-password")
        assert again.status_code == 200 and again.json()["password"] != c.secret


DRIVERS: dict[str, Driver] = {
    "signup-invite": SignupInviteDriver(),
    "friend-link": FriendLinkDriver(),
    "friend-code": FriendCodeDriver(),
    "guest-by-friend-link": GuestLinkDriver(),
    "room-link-member": RoomLinkDriver(as_guest=False),
    "room-link-guest": RoomLinkDriver(as_guest=True),
    "member-session": SessionDriver(("created_at", "expires_at")),
    "member-session-idle": SessionDriver(("created_at", "expires_at", "last_seen_at")),
    "guest-session": GuestSessionDriver(("created_at", "expires_at")),
    "api-token": ApiTokenDriver(),
    "calendar-feed": FeedDriver(),
    "admin-reset-password": ResetPasswordDriver(),
    "password-per-account": LoginDriver(per_address=False),
    "password-per-address": LoginDriver(per_address=True),
}
