"""Every kind of link or credential the web app hands out keeps the rules the product promises:
it works fresh; it is refused once expired (just before, it still works), once revoked, and (if
single use) the second time, with a clear 4xx reason and nothing written (no account, friendship,
membership or log-in made); a multi-use one keeps working; after the allowed number of wrong
tries the limited one is refused even with the right value, until its window passes.

The rules are the table below, written by hand from the product's promises (README, settings.py
defaults), not read from the code it checks. The app runs with its default settings; every
request goes through it (TestClient browsers, CSRF forms), every row checked is a real row.
How each kind is made, used, aged and revoked: link_drivers.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from link_drivers import DRIVERS, OPERATOR, Cred, Driver, World
from web_browsers import PASSWORD, Browser, web_settings

from reelmates.services.demo import run_demo
from reelmates.services.friends import LINK_GONE
from reelmates.store.migrate import open_database
from reelmates.store.models import Account, Friendship, SwipeSessionMember
from reelmates.web.app import create_app
from reelmates.web.security import SESSION_COOKIE

MINUTE = timedelta(minutes=1)
GONE_INVITE = (403, "used already or has expired")  # the sign-up form's answer
GONE_LINK = (404, "This invite link has been used or has expired")
WRONG_CODE = (400, "does not match a live invite")
LOGGED_OUT = (401, "you need to log in first")
WRONG_PASSWORD = (401, "The handle or the password is wrong")
TOO_MANY = (429, "Too many failed log-ins")


@dataclass(frozen=True)
class Rule:
    kind: str
    expires_after: timedelta | None  # None: it never expires
    revoked_by: str | None  # how its owner (or the operator) ends it; None: it cannot be
    single_use: bool | None  # False: multi-use, a second use works too
    attempts: int | None  # wrong tries before even the right value is refused; None: no limit
    window: timedelta | None  # when the limit lifts; None: never (the credential is dead)
    refused: tuple[int, str]  # the answer once expired, revoked or used up: status, reason
    limited: tuple[int, str] | None = None  # the answer once the attempt limit is reached


# fmt: off
RULES: list[Rule] = [
    # POST /api/invites (the operator's sign-up-only invite). Revoked: None, the app has no way
    # to withdraw one (it dies when used or after 7 days). Attempts: None, 256 random bits.
    Rule("signup-invite", timedelta(days=7), None, True, None, None, GONE_INVITE),
    # A friend invite's link, accepted by a member. 256 bits: no attempt limit. The sign-up
    # invite that rides on its token ends with it: test_the_sign_up_invite_on_a_friend_link...
    Rule("friend-link", timedelta(days=7), "the inviter cancels the invite", True, None, None,
         GONE_LINK),
    # The same invite's short code, typed with the inviter's handle: an hour, five wrong tries
    # for that inviter kill it for good (window None: a new invite is needed).
    Rule("friend-code", timedelta(minutes=60), "the inviter cancels the invite", True, 5, None,
         WRONG_CODE, WRONG_CODE),
    # A friend's link opened by someone new who joins as a guest with just a name.
    Rule("guest-by-friend-link", timedelta(days=7), "the inviter cancels the invite", True, None,
         None, GONE_LINK),
    # A swipe room's join link: no end (expires None: it lasts as long as the room; revoked None:
    # a room cannot be closed, its members may show the link again), multi-use (up to 8
    # people), 192 random bits (no attempt limit). Refused only when wrong: 404.
    Rule("room-link-member", None, None, False, None, None, (404, "does not work")),
    Rule("room-link-guest", None, None, False, None, None, (404, "does not work")),
    # A member's log-in: session_days (30) at most, even when used every day ...
    Rule("member-session", timedelta(days=30), "log out everywhere", False, None, None,
         LOGGED_OUT),
    # ... and session_idle_days (14) unused. (Plain log-out of a copied cookie, and a password
    # change ending the others: test_web_accounts and test_web_password.)
    Rule("member-session-idle", timedelta(days=14), "log out everywhere", False, None, None,
         LOGGED_OUT),
    # A guest's log-in (their only way in: no password): guest_days (30); idle as a member's.
    Rule("guest-session", timedelta(days=30), "the guest logs out", False, None, None,
         LOGGED_OUT),
    # A personal API token: no expiry (until revoked), 256 bits (no attempt limit). Disabling
    # the account revokes it too: test_web_admin.test_a_disabled_account_stops_at_once.
    Rule("api-token", None, "DELETE /api/tokens/{id}", False, None, None,
         (401, "this API token does not work")),
    # The private calendar feed address: no expiry, revoked (or replaced by a new one) on the
    # settings page; 256 bits. Replacing it: test_web_nights (the feed test).
    Rule("calendar-feed", None, "DELETE /api/calendar/feed", False, None, None,
         (404, "This calendar feed does not exist")),
    # What the operator's reset issues: a password (not a link), shown once; it is the
    # member's password until changed, so it does not expire and is not single use. Revoked:
    # another reset. Attempts: None here: it is typed at /login like any password (the
    # password rows' limits). The sessions a reset ends: test_web_admin (the reset test).
    Rule("admin-reset-password", None, "the operator resets it again", False, None, None,
         WRONG_PASSWORD),
    # Log-in by password: 5 failures per account, 20 per address, in a 15-minute window.
    Rule("password-per-account", None, "the member changes the password", False, 5,
         timedelta(seconds=900), WRONG_PASSWORD, TOO_MANY),
    Rule("password-per-address", None, "the member changes the password", False, 20,
         timedelta(seconds=900), WRONG_PASSWORD, TOO_MANY),
]
# fmt: on

BY_KIND = {rule.kind: rule for rule in RULES}


def _rows(**where: Callable[[Rule], bool]) -> list[Any]:
    return [pytest.param(r, id=r.kind) for r in RULES if all(p(r) for p in where.values())]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, Browser]]:
    """One app for the module, on the demo (a swipe room needs a taste model), with the
    default rules; its operator signed up. Each test makes its own fresh credentials."""
    settings = web_settings(tmp_path_factory.mktemp("links"))
    engine = open_database(settings)
    run_demo(engine, settings)
    engine.dispose()
    app = create_app(settings)
    with TestClient(app) as client:
        operator = Browser(client)
        assert operator.sign_up(OPERATOR).status_code == 303
        assert operator.get("/api/me").json()["role"] == "operator"
        yield app, operator
    app.state.engine.dispose()


@pytest.fixture
def world(demo_app: tuple[FastAPI, Browser]) -> Iterator[World]:
    w = World(*demo_app)
    yield w
    w.close()


def _driver(rule: Rule) -> Driver:
    return DRIVERS[rule.kind]


def _cookie(browser: Browser) -> str:
    raw = browser.client.cookies.get(SESSION_COOKIE)
    assert raw
    return raw


def _works(response: httpx.Response) -> None:
    assert 200 <= response.status_code < 400, response.text[:2000]


def _refused(response: httpx.Response, expected: tuple[int, str]) -> None:
    status, reason = expected
    assert response.status_code == status, response.text[:2000]
    assert reason in response.text, response.text[:2000]


def test_every_kind_has_a_row_and_a_driver() -> None:
    assert list(BY_KIND) == list(DRIVERS)
    for rule in RULES:  # a limit either lifts after a window or kills the credential
        assert (rule.attempts is None) == (rule.limited is None)
        assert rule.window is None or rule.attempts is not None


@pytest.mark.parametrize("rule", _rows())
def test_a_fresh_one_works_and_writes_what_it_should(world: World, rule: Rule) -> None:
    driver = _driver(rule)
    cred = driver.issue(world)
    before = driver.effect(world)
    _works(driver.use(world, cred))
    after = driver.effect(world)
    if before is not None:
        assert after is not None and all(a > b for a, b in zip(after, before, strict=True))


@pytest.mark.parametrize("rule", _rows(e=lambda r: r.expires_after is not None))
def test_it_works_until_it_expires_then_is_refused_and_nothing_is_written(
    world: World, rule: Rule
) -> None:
    assert rule.expires_after is not None
    driver = _driver(rule)
    almost = driver.issue(world)
    driver.age(world, almost, rule.expires_after - MINUTE)
    _works(driver.use(world, almost))
    late = driver.issue(world)
    driver.age(world, late, rule.expires_after + MINUTE)
    before = driver.effect(world)
    _refused(driver.use(world, late), rule.refused)
    assert driver.effect(world) == before


@pytest.mark.parametrize(
    "rule", _rows(e=lambda r: r.expires_after is None and DRIVERS[r.kind].can_age)
)
def test_one_that_never_expires_still_works_a_year_on(world: World, rule: Rule) -> None:
    driver = _driver(rule)
    cred = driver.issue(world)
    driver.age(world, cred, timedelta(days=366))
    _works(driver.use(world, cred))


@pytest.mark.parametrize("rule", _rows(r=lambda r: r.revoked_by is not None))
def test_a_revoked_one_is_refused_and_nothing_is_written(world: World, rule: Rule) -> None:
    driver = _driver(rule)
    cred = driver.issue(world)
    driver.revoke(world, cred)
    before = driver.effect(world)
    _refused(driver.use(world, cred), rule.refused)
    assert driver.effect(world) == before


@pytest.mark.parametrize("rule", _rows(s=lambda r: r.single_use is not None))
def test_a_second_use_is_refused_if_single_use_and_works_if_not(world: World, rule: Rule) -> None:
    driver = _driver(rule)
    cred = driver.issue(world)
    _works(driver.use(world, cred))
    before = driver.effect(world)
    second = driver.use(world, cred)
    after = driver.effect(world)
    if rule.single_use:
        _refused(second, rule.refused)
        assert after == before
    else:
        _works(second)
        if before is not None:
            assert after is not None and all(a > b for a, b in zip(after, before, strict=True))


@pytest.mark.parametrize("rule", _rows(a=lambda r: r.attempts is not None))
def test_one_wrong_try_fewer_than_the_limit_leaves_it_working(world: World, rule: Rule) -> None:
    assert rule.attempts is not None
    driver = _driver(rule)
    cred = driver.issue(world)
    for attempt in range(rule.attempts - 1):
        assert 400 <= driver.wrong(world, cred, attempt).status_code < 500
    _works(driver.use(world, cred))


@pytest.mark.parametrize("rule", _rows(a=lambda r: r.attempts is not None))
def test_after_the_wrong_tries_the_right_value_is_refused_until_the_window_passes(
    world: World, rule: Rule
) -> None:
    assert rule.attempts is not None and rule.limited is not None
    driver = _driver(rule)
    cred = driver.issue(world)
    for attempt in range(rule.attempts):
        assert 400 <= driver.wrong(world, cred, attempt).status_code < 500
    before = driver.effect(world)
    _refused(driver.use(world, cred), rule.limited)
    assert driver.effect(world) == before
    if rule.window is not None:
        world.ticks[0] += rule.window.total_seconds() - 1
        _refused(driver.use(world, cred), rule.limited)  # not a second early
        world.ticks[0] += 2
    else:  # dead for good, even once any window would have passed
        world.ticks[0] += 86_400
        _refused(driver.use(world, cred), rule.limited)
    _works(driver.use(world, driver.after_window(world, cred)))


@pytest.mark.parametrize("ending", ["accepted", "declined", "cancelled"])
def test_the_sign_up_invite_on_a_friend_link_ends_with_the_link(world: World, ending: str) -> None:
    """On an invite-only server a friend link is also a sign-up invite (for a friend with no
    account): once the invite is over, however it ended, nobody new signs up with it."""
    cred = DRIVERS["friend-link"].issue(world)
    path = f"/friends/join/{cred.secret}"
    if ending == "cancelled":
        DRIVERS["friend-link"].revoke(world, cred)
    else:
        member, _ = world.member()
        action = {"accepted": "accept", "declined": "decline"}[ending]
        assert member.submit(path, f"{path}/{action}", {}).status_code in (200, 303)
    assert world.browser().get(path).status_code == 404
    accounts = world.count(Account)
    _refused(world.browser().sign_up(f"late{ending}", invite=cred.secret), GONE_INVITE)
    assert world.count(Account) == accounts


def test_disabling_an_account_stops_every_credential_it_holds(world: World) -> None:
    """The operator disables a member: their log-in, API token, calendar feed and password
    stop at once (the feed shows the member's nights, with the others' names in them); enabled
    again, only the password works (nothing else comes back: a new feed is made anew)."""
    member, handle = world.member()
    raw_token = member.api_post("/api/tokens", {"name": "script"}).json()["token"]
    feed = str(httpx.URL(member.api_post("/api/calendar/feed").json()["url"]).path)
    creds = {
        "member-session": _cookie(member),
        "api-token": raw_token,
        "calendar-feed": feed,
        "password-per-account": PASSWORD,
    }
    for kind, secret in creds.items():
        _works(DRIVERS[kind].use(world, Cred(secret, handle=handle)))
    assert world.operator.api_post(f"/api/admin/accounts/{handle}/disable").status_code == 200
    disabled = (403, "This account is disabled")
    for kind, secret in creds.items():
        answer = disabled if kind == "password-per-account" else BY_KIND[kind].refused
        _refused(DRIVERS[kind].use(world, Cred(secret, handle=handle)), answer)
    assert world.operator.api_post(f"/api/admin/accounts/{handle}/enable").status_code == 200
    for kind, secret in creds.items():
        if kind == "password-per-account":
            _works(DRIVERS[kind].use(world, Cred(secret, handle=handle)))
        else:
            _refused(DRIVERS[kind].use(world, Cred(secret, handle=handle)), BY_KIND[kind].refused)


def test_over_the_api_an_expired_or_used_link_is_refused_too(world: World) -> None:
    """The pages above; the JSON API's own routes keep the same rules, with the reason in the
    body: sign-up by an expired invite, accepting and joining as a guest by an expired or used
    friend link, a swipe room by a mistyped link, and the right code after five wrong ones."""
    expired = DRIVERS["signup-invite"].issue(world)
    DRIVERS["signup-invite"].age(world, expired, timedelta(days=7) + MINUTE)
    link = DRIVERS["friend-link"].issue(world)
    DRIVERS["friend-link"].age(world, link, timedelta(days=7) + MINUTE)
    used = DRIVERS["friend-link"].issue(world)
    member, _ = world.member()
    assert member.api_post("/api/friends/accept", {"token": used.secret}).status_code == 200
    rows = (world.count(Account), world.count(Friendship), world.count(SwipeSessionMember))
    stranger = world.browser()
    answers = [
        stranger.api_post(
            "/api/signup", {"handle": "late", "password": PASSWORD, "invite": expired.secret}
        ),
        world.member()[0].api_post("/api/friends/accept", {"token": link.secret}),
        stranger.api_post(
            "/api/friends/join-as-guest", {"token": link.secret, "display_name": "Sam"}
        ),
        stranger.api_post(
            "/api/friends/join-as-guest", {"token": used.secret, "display_name": "Sam"}
        ),
        stranger.api_post("/api/swipe/join-as-guest", {"token": "x" * 32, "display_name": "Sam"}),
    ]
    statuses = [(a.status_code, a.json()["error"]) for a in answers]
    assert statuses == [
        (403, "this invite link has been used already or has expired"),
        (404, LINK_GONE),
        (404, LINK_GONE),
        (404, LINK_GONE),
        (404, "this swipe session link does not work (mistyped, or the session is gone)"),
    ]
    code = DRIVERS["friend-code"].issue(world)
    for attempt in range(5):
        DRIVERS["friend-code"].wrong(world, code, attempt)
    right = world.member()[0].api_post(
        "/api/friends/accept-code", {"handle": OPERATOR, "code": code.extra["code"]}
    )
    assert right.status_code == 400 and "does not match" in right.json()["error"]
    assert rows[:2] == (world.count(Account) - 3, world.count(Friendship))  # 3 new members
    assert rows[2] == world.count(SwipeSessionMember)
