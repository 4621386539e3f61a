"""Guests: a friend's link lets someone join with just a name; they are the inviter's friend at
once, rate films, can be chosen as a friend, cannot invite or make tokens, and keep the account
by choosing a handle and a password. The link works once and not after it expires; a closed
server refuses guests; a guest never counts as the server's first account. Someone logged in
is never swapped for a guest."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from web_browsers import PASSWORD, Browser

from reelmates.services import friends
from reelmates.services.uow import unit_of_work
from reelmates.store.models import Film, FriendInvite, LoginSession

KEEP = "You're a guest: set a password to keep your account"
GONE = "<h1>This invite link has been used or has expired</h1>"
_LINK = re.compile(r'id="invite-link" class="wide" value="([^"]+)"')


def _friend_link(browser: Browser) -> str:
    """The path of a new friend invite link made by ``browser`` on the friends page."""
    made = browser.follow(browser.submit("/friends", "/friends/invites", {}))
    found = _LINK.search(made.text)
    assert found
    return httpx.URL(found.group(1)).path


def _join(browser: Browser, link: str, name: str) -> httpx.Response:
    return browser.submit(link + "/guest", link + "/guest", {"display_name": name})


def _friends(browser: Browser) -> list[str]:
    return [f["display_name"] for f in browser.get("/api/friends").json()]


def _add_film(app: FastAPI) -> int:
    with unit_of_work(app.state.engine) as session:
        film = Film(title="Heat", title_key="heat", year=1995)
        session.add(film)
        session.flush()
        return film.id


def _max_age(response: httpx.Response) -> int:
    found = re.search(r"reelmates_session=[^;]+;.*?Max-Age=(\d+)", response.headers["set-cookie"])
    assert found, response.headers["set-cookie"]
    return int(found.group(1))


def test_a_guest_joins_rates_and_keeps_the_account(
    app: FastAPI, new_browser: Callable[..., Browser]
) -> None:
    film_id = _add_film(app)
    jess = new_browser()
    jess.sign_up("jess", display_name="Jess")
    link = _friend_link(jess)
    sam = new_browser()
    landing = sam.get(link)
    assert f'href="{link}/guest"' in landing.text and "Join as a guest" in landing.text
    page = sam.get(link + "/guest")
    assert page.status_code == 200 and "Join Jess as a guest" in page.text
    assert 'name="password"' not in page.text  # just a name
    joined = _join(sam, link, "Sam")
    assert joined.status_code == 303 and joined.headers["location"] == "/"
    assert _max_age(joined) == 30 * 86400  # guest_days, the default
    me = sam.get("/api/me").json()
    assert me["role"] == "guest" and me["display_name"] == "Sam"
    assert me["handle"].startswith("guest-")
    assert KEEP in sam.get("/").text and KEEP in sam.get("/settings").text
    assert _friends(sam) == ["Jess"] and _friends(jess) == ["Sam"]
    rated = sam.api_post(f"/api/films/{film_id}/rating", {"stars": 4.5})
    assert rated.status_code == 200 and rated.json()["stars"] == 4.5
    with unit_of_work(app.state.engine, read_only=True) as session:  # the rule picks ask
        (chosen,) = friends.require_friends(
            session, jess.get("/api/me").json()["person_id"], [me["handle"]]
        )
    assert chosen.display_name == "Sam"
    # Nobody can log in as a guest: there is no password.
    assert new_browser().log_in(me["handle"], "").status_code in (401, 422)
    # Keeping the account: the two passwords must match, the handle must be free.
    keep = {"handle": "sam", "password": PASSWORD, "password_again": PASSWORD + "x"}
    mismatch = sam.submit("/settings/keep", "/settings/keep", keep)
    assert mismatch.status_code == 400 and "not the same" in mismatch.text
    taken = sam.submit(
        "/settings/keep", "/settings/keep", keep | {"handle": "JESS", "password_again": PASSWORD}
    )
    assert taken.status_code == 409 and "taken" in taken.text
    reserved = sam.submit(
        "/settings/keep", "/settings/keep", keep | {"handle": "Join", "password_again": PASSWORD}
    )
    assert reserved.status_code == 400 and "The handle &#39;Join&#39; is reserved" in reserved.text
    kept = sam.submit("/settings/keep", "/settings/keep", keep | {"password_again": PASSWORD})
    assert kept.status_code == 303 and kept.headers["location"] == "/settings"
    assert _max_age(kept) == 30 * 86400  # session_days now
    after = sam.get("/api/me").json()  # the same browser goes on, with a fresh log-in
    assert after["role"] == "member" and after["handle"] == "sam"
    assert after["person_id"] == me["person_id"]
    assert KEEP not in sam.get("/").text and "Change your password" in sam.get("/settings").text
    elsewhere = new_browser()
    assert elsewhere.log_in("sam").status_code == 303
    film = elsewhere.get(f"/api/films/{film_id}").json()
    assert film["my_stars"] == 4.5 and _friends(elsewhere) == ["Jess"]
    again = sam.submit("/settings/keep", "/settings/keep", keep | {"password_again": PASSWORD})
    assert again.status_code == 409


def test_the_link_works_once(new_browser: Callable[..., Browser]) -> None:
    jess = new_browser()
    jess.sign_up("jess")
    link = _friend_link(jess)
    assert _join(new_browser(), link, "Sam").status_code == 303
    late = new_browser()
    assert late.get(link).status_code == 404
    assert late.get(link + "/guest").status_code == 404
    again = late.client.post(  # the form as it was: refused, nobody new
        link + "/guest", data={"csrf_token": late.api_csrf(), "display_name": "Zed"}
    )
    assert again.status_code == 404 and late.get("/api/me").status_code == 401
    token = link.rsplit("/", 1)[1]
    assert late.sign_up("zed", invite=token).status_code == 403  # its sign-up invite is used
    api = late.api_post("/api/friends/join-as-guest", {"token": token, "display_name": "Zed"})
    assert api.status_code == 404
    assert _friends(jess) == ["Sam"]


def test_an_expired_link_is_refused(app: FastAPI, new_browser: Callable[..., Browser]) -> None:
    jess = new_browser()
    jess.sign_up("jess")
    link = _friend_link(jess)
    with unit_of_work(app.state.engine) as session:  # a week has gone by
        session.execute(
            update(FriendInvite).values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    sam = new_browser()
    for page in (sam.get(link), sam.get(link + "/guest"), _join(sam, link, "Sam")):
        assert page.status_code == 404
        assert GONE in page.text and "invites you" not in page.text and "Join jess" not in page.text
        assert "Ask your friend for a new link" in page.text
    token = link.rsplit("/", 1)[1]
    refused = sam.api_post("/api/friends/join-as-guest", {"token": token, "display_name": "Sam"})
    assert refused.status_code == 404 and "expired" in refused.json()["error"]
    assert sam.get("/api/me").status_code == 401 and _friends(jess) == []


def test_guests_cannot_invite_or_make_tokens(new_browser: Callable[..., Browser]) -> None:
    jess = new_browser()
    jess.sign_up("jess")
    sam = new_browser()
    assert _join(sam, _friend_link(jess), "Sam").status_code == 303
    assert 'action="/friends/invites"' not in sam.get("/").text
    for path in ("/api/friends/invites", "/api/invites"):
        refused = sam.api_post(path)
        assert refused.status_code == 403 and "guests cannot invite" in refused.json()["error"]
    page = sam.submit("/friends", "/friends/invites", {})
    assert page.status_code == 403
    token = sam.api_post("/api/tokens", {"name": "script"})
    assert token.status_code == 403 and "API tokens" in token.json()["error"]
    assert sam.get("/api/friends/invites").json() == []
    password = sam.api_post("/api/me/password", {"current": "", "new": PASSWORD})
    assert password.status_code == 403


def test_a_closed_server_refuses_guests(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(signup_policy="closed")
    with TestClient(app) as a, TestClient(app) as b:
        jess, sam = Browser(a), Browser(b)
        jess.sign_up("jess")
        link = _friend_link(jess)
        landing = sam.get(link)
        assert "Join as a guest" not in landing.text
        assert "closed" in sam.get(link + "/guest").text
        refused = _join(sam, link, "Sam")
        assert refused.status_code == 403 and "closed" in refused.text
        token = link.rsplit("/", 1)[1]
        api = sam.api_post("/api/friends/join-as-guest", {"token": token, "display_name": "Sam"})
        assert api.status_code == 403
        assert sam.get("/api/me").status_code == 401
        assert sam.get(link).status_code == 200  # the link was not used up


def test_the_api_joins_and_keeps_and_the_guest_lifetime_holds(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(guest_days=2, session_days=20)
    with TestClient(app) as a, TestClient(app) as b:
        jess, sam = Browser(a), Browser(b)
        jess.sign_up("jess")
        token = jess.api_post("/api/friends/invites").json()["url"].rsplit("/", 1)[1]
        joined = sam.api_post(
            "/api/friends/join-as-guest", {"token": token, "display_name": " Sam "}
        )
        assert joined.status_code == 201 and joined.json()["role"] == "guest"
        assert joined.json()["display_name"] == "Sam" and _max_age(joined) == 2 * 86400
        with unit_of_work(app.state.engine, read_only=True) as session:
            (row,) = session.scalars(
                select(LoginSession).where(LoginSession.person_id == joined.json()["person_id"])
            )
            assert row.expires_at - row.created_at == timedelta(days=2)
        assert _friends(sam) == ["jess"]
        kept = sam.client.post(
            "/api/me/keep-account",
            json={"handle": "sam", "password": PASSWORD},
            headers={"X-CSRF-Token": joined.json()["csrf_token"]},
        )
        assert kept.status_code == 200 and kept.json()["role"] == "member"
        assert _max_age(kept) == 20 * 86400
        assert kept.json()["csrf_token"] != joined.json()["csrf_token"]  # a fresh log-in
        assert sam.get("/api/me").json()["handle"] == "sam"
        assert Browser(TestClient(app)).log_in("sam").status_code == 303


def test_someone_logged_in_is_never_swapped_for_a_guest(
    new_browser: Callable[..., Browser],
) -> None:
    """Joining as a guest is for the logged out: an account posting it to the API is refused
    (it stays logged in as itself, no guest is made), and the page sends it to the link."""
    jess, milly = new_browser(), new_browser()
    jess.sign_up("jess")
    assert milly.sign_up("milly", invite=jess.invite()).status_code == 303
    token = jess.api_post("/api/friends/invites").json()["url"].rsplit("/", 1)[1]
    refused = milly.api_post("/api/friends/join-as-guest", {"token": token, "display_name": "M"})
    assert refused.status_code == 409 and "logged in" in refused.json()["error"]
    assert "set-cookie" not in refused.headers
    assert milly.get("/api/me").json()["handle"] == "milly"
    assert _friends(jess) == []
    page = milly.submit(
        f"/friends/join/{token}", f"/friends/join/{token}/guest", {"display_name": "M"}
    )
    assert page.status_code == 303 and page.headers["location"] == f"/friends/join/{token}"
    assert milly.get("/api/me").json()["handle"] == "milly" and _friends(jess) == []
    assert milly.api_post("/api/friends/accept", {"token": token}).status_code == 200


def test_a_guest_is_never_the_first_account(
    app: FastAPI, new_browser: Callable[..., Browser]
) -> None:
    jess = new_browser()
    jess.sign_up("jess")
    sam = new_browser()
    assert _join(sam, _friend_link(jess), "Sam").status_code == 303
    gone = jess.submit("/settings/delete", "/settings/delete", {"confirm_handle": "jess"})
    assert gone.status_code == 200
    assert sam.get("/api/me").json()["role"] == "guest"  # the guest is still here
    newcomer = new_browser()
    assert "yours will be the operator" in newcomer.get("/signup").text
    assert newcomer.sign_up("op").status_code == 303
    assert newcomer.get("/api/me").json()["role"] == "operator"


def test_the_guest_form_needs_the_csrf_token(new_browser: Callable[..., Browser]) -> None:
    jess = new_browser()
    jess.sign_up("jess")
    link = _friend_link(jess)
    sam = new_browser()
    sam.get(link + "/guest")  # the CSRF cookie, but no token sent
    refused = sam.client.post(link + "/guest", data={"display_name": "Sam"})
    assert refused.status_code == 403
    assert sam.get(link).status_code == 200 and _friends(jess) == []


def test_names_are_escaped_on_the_guest_pages(new_browser: Callable[..., Browser]) -> None:
    evil = "<script>alert(1)</script>"
    jess = new_browser()
    jess.sign_up("jess", display_name=evil)
    link = _friend_link(jess)
    sam = new_browser()
    page = sam.get(link + "/guest")
    assert evil not in page.text and "&lt;script&gt;" in page.text
    _join(sam, link, evil + " S")
    for html in (sam.get("/").text, jess.get("/friends").text):
        assert evil not in html and "&lt;script&gt;" in html


def test_the_guest_pages_carry_the_root_path(make_app: Callable[..., FastAPI]) -> None:
    root = "/reelmates"
    app = make_app(root_path=root)
    refs = re.compile(r'(?:href|src|action)="([^"]*)"')
    with TestClient(app) as a, TestClient(app) as b:
        jess, sam = Browser(a, prefix=root), Browser(b, prefix=root)
        jess.sign_up("jess")
        link = _friend_link(jess).removeprefix(root)
        assert f'href="{root}{link}/guest"' in sam.get(link).text

        def check(path: str) -> None:
            page = sam.get(path)
            found = [r for r in refs.findall(page.text) if not r.startswith("#")]
            assert page.status_code == 200, path
            assert found and all(r.startswith(root + "/") for r in found), (path, found)

        check(link + "/guest")
        joined = _join(sam, link, "Sam")
        assert joined.headers["location"] == f"{root}/"
        for path in ("/", "/settings", "/settings/keep"):
            check(path)
        keep = {"handle": "sam", "password": PASSWORD, "password_again": PASSWORD}
        kept = sam.submit("/settings/keep", "/settings/keep", keep)
        assert kept.headers["location"] == f"{root}/settings"
