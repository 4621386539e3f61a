"""Friends in the browser and over the API: invite by link (a newcomer signs up with it and
comes back) and by code, single use, the limit on wrong codes, decline, cancel, removal, whose
list one sees, CSRF on every form, escaped names, and the root path."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_browsers import Browser

ROOT = "/reelmates"
_LINK = re.compile(r'id="invite-link" class="wide" value="([^"]+)"')
_CODE = re.compile(r'<p class="code" aria-label="Invite code">([0-9A-Z-]+)</p>')
_REFS = re.compile(r'(?:href|src|action)="([^"]*)"')


def _members(new_browser: Callable[..., Browser], *handles: str) -> list[Browser]:
    """Browsers logged in as ``handles`` (the first is the operator; the others sign up with
    sign-up invites the first makes)."""
    first = new_browser()
    assert first.sign_up(handles[0]).status_code == 303
    browsers = [first]
    for handle in handles[1:]:
        other = new_browser()
        assert other.sign_up(handle, invite=first.invite()).status_code == 303
        browsers.append(other)
    return browsers


def _invite_page(browser: Browser) -> tuple[str, str]:
    """(link path, code) from the page the invite button opens."""
    made = browser.follow(browser.submit("/friends", "/friends/invites", {}))
    assert made.status_code == 200
    link, code = _LINK.search(made.text), _CODE.search(made.text)
    assert link and code
    return httpx.URL(link.group(1)).path, code.group(1)


def _friends(browser: Browser) -> list[str]:
    return [f["handle"] for f in browser.get("/api/friends").json()]


def test_a_newcomer_signs_up_with_a_friend_link_and_comes_back_to_accept(
    new_browser: Callable[..., Browser],
) -> None:
    (jess,) = _members(new_browser, "jess")
    path, _ = _invite_page(jess)
    assert path.startswith("/friends/join/") and len(path.rsplit("/", 1)[1]) >= 43
    milly = new_browser()
    landing = milly.get(path)
    assert landing.status_code == 200 and "jess invites you to be friends" in landing.text
    assert "Log in or sign up first" in landing.text
    # Sign-up is invite-only (the default): the friend link serves as the sign-up invite.
    token = path.rsplit("/", 1)[1]
    assert f"invite={token}" in landing.text and "next=%2Ffriends%2Fjoin%2F" in landing.text
    signed_up = milly.submit(
        f"/signup?invite={token}&next={path}",
        "/signup",
        {"handle": "milly", "password": "correct horse battery", "invite": token, "next": path},
    )
    assert signed_up.status_code == 303 and signed_up.headers["location"] == path
    page = milly.get(path)
    assert "Accept" in page.text and "Decline" in page.text
    accepted = milly.submit(path, path + "/accept", {})
    assert accepted.status_code == 303 and accepted.headers["location"] == "/friends"
    assert _friends(milly) == ["jess"] and _friends(jess) == ["milly"]
    assert "milly" in jess.get("/friends").text
    sam = new_browser()  # used once: neither sign-up nor the link works again
    gone = sam.get(path)
    assert gone.status_code == 404 and "invites you to be friends" not in gone.text
    assert "<h1>This invite link has been used or has expired</h1>" in gone.text
    assert "Ask your friend for a new link" in gone.text
    late = milly.submit("/friends", path + "/accept", {})  # a second tap, logged in
    assert late.status_code == 404 and "has been used or has expired</h1>" in late.text
    again = sam.sign_up("sam", invite=token)
    assert again.status_code == 403


def test_the_home_pages_invite_is_the_friend_invite_shown_once(
    new_browser: Callable[..., Browser],
) -> None:
    """One kind of invite in the pages: the home page's button makes a friend invite (post,
    redirect, get); a reload says it was shown once and makes no other invite."""
    (jess,) = _members(new_browser, "jess")
    home = jess.get("/").text
    assert 'action="/friends/invites"' in home and "Make an invite link" not in home
    made = jess.submit("/", "/friends/invites", {})
    assert made.status_code == 303 and made.headers["location"] == "/friends/invites/new"
    cookie = made.headers["set-cookie"]
    assert "Path=/friends/invites/new" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Max-Age=300" in cookie
    shown = jess.follow(made)
    link, code = _LINK.search(shown.text), _CODE.search(shown.text)
    assert shown.status_code == 200 and link and code
    assert link.group(1).startswith("http://testserver/friends/join/")
    assert "a friend without an account can sign up with it" in shown.text
    again = jess.get("/friends/invites/new")  # the reload
    assert again.status_code == 200 and "This invite was shown once" in again.text
    assert link.group(1) not in again.text and code.group(1) not in again.text
    assert len(jess.get("/api/friends/invites").json()) == 1
    # The cookie is signed and bound to Jess's log-in: nobody else's browser shows it.
    flash = made.cookies["reelmates_flash"]
    sam = new_browser()
    assert sam.sign_up("sam", invite=jess.invite()).status_code == 303
    sam.client.cookies.set("reelmates_flash", flash, path="/friends/invites/new")
    forged = sam.get("/friends/invites/new")
    assert "reelmates_flash" in forged.headers["set-cookie"]  # it was sent, and is deleted
    assert link.group(1) not in forged.text and "This invite was shown once" in forged.text
    assert new_browser().get("/friends/invites/new", follow_redirects=False).status_code == 303


def test_a_logged_in_friend_accepts_by_link_and_the_api_says_who(
    new_browser: Callable[..., Browser],
) -> None:
    jess, milly, sam = _members(new_browser, "jess", "milly", "sam")
    made = jess.api_post("/api/friends/invites")
    assert made.status_code == 201
    body = made.json()
    assert body["url"].startswith("http://testserver/friends/join/")
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", body["code"])
    assert [i["id"] for i in jess.get("/api/friends/invites").json()] == [body["id"]]
    token = body["url"].rsplit("/", 1)[1]
    own = jess.api_post("/api/friends/accept", {"token": token})
    assert own.status_code == 403 and "your own invite" in own.json()["error"]
    assert "This is your own invite" in jess.get(f"/friends/join/{token}").text
    accepted = milly.api_post("/api/friends/accept", {"token": token})
    assert accepted.status_code == 200 and accepted.json()["handle"] == "jess"
    assert sam.api_post("/api/friends/accept", {"token": token}).status_code == 404
    second = jess.api_post("/api/friends/invites").json()["url"].rsplit("/", 1)[1]
    already = milly.api_post("/api/friends/accept", {"token": second})
    assert already.status_code == 409 and "friends already" in already.json()["error"]
    assert "friends already" in milly.get(f"/friends/join/{second}").text


def test_a_code_typed_on_the_page_makes_friends_once(new_browser: Callable[..., Browser]) -> None:
    jess, milly, sam = _members(new_browser, "jess", "milly", "sam")
    _, code = _invite_page(jess)
    typed = milly.submit("/friends/code", "/friends/code", {"handle": "Jess", "code": code.lower()})
    assert typed.status_code == 303 and _friends(milly) == ["jess"]
    late = sam.submit("/friends/code", "/friends/code", {"handle": "jess", "code": code})
    assert late.status_code == 400 and "does not match a live invite" in late.text
    via_api = sam.api_post("/api/friends/accept-code", {"handle": "jess", "code": code})
    assert via_api.status_code == 400 and "does not match" in via_api.json()["error"]


def test_after_a_few_wrong_codes_the_right_one_no_longer_works(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(friend_code_tries=2)
    with TestClient(app) as a, TestClient(app) as b:
        jess, milly = Browser(a), Browser(b)
        jess.sign_up("jess")
        milly.sign_up("milly", invite=jess.invite())
        _, code = _invite_page(jess)
        wrong = "00000-00000" if code != "00000-00000" else "11111-11111"
        # One wrong try on the page, one by the API: both count (both are committed).
        page = milly.submit("/friends/code", "/friends/code", {"handle": "jess", "code": wrong})
        assert page.status_code == 400
        api = milly.api_post("/api/friends/accept-code", {"handle": "jess", "code": wrong})
        assert api.status_code == 400
        right = milly.submit("/friends/code", "/friends/code", {"handle": "jess", "code": code})
        assert right.status_code == 400 and _friends(milly) == []


def test_decline_cancel_and_remove(new_browser: Callable[..., Browser]) -> None:
    jess, milly = _members(new_browser, "jess", "milly")
    path, _ = _invite_page(jess)
    declined = milly.submit(path, path + "/decline", {})
    assert declined.status_code == 200 and "You declined jess" in declined.text
    assert milly.get(path).status_code == 404 and _friends(milly) == []
    _invite_page(jess)
    page = jess.get("/friends")
    assert "Invites nobody has used yet" in page.text
    cancel = re.search(r'action="(/friends/invites/\d+/cancel)"', page.text)
    assert cancel
    assert jess.submit("/friends", cancel.group(1), {}).status_code == 303
    assert jess.get("/api/friends/invites").json() == []
    path, _ = _invite_page(jess)
    milly.submit(path, path + "/accept", {})
    assert _friends(jess) == ["milly"]
    removed = jess.submit("/friends", "/friends/remove", {"handle": "milly"})
    assert removed.status_code == 303 and _friends(jess) == [] and _friends(milly) == []
    gone = jess.client.delete("/api/friends/milly", headers={"X-CSRF-Token": jess.api_csrf()})
    assert gone.status_code == 404


def test_one_sees_only_ones_own_friends(new_browser: Callable[..., Browser]) -> None:
    jess, milly, sam = _members(new_browser, "jess", "milly", "sam")
    path, _ = _invite_page(jess)
    milly.submit(path, path + "/accept", {})
    assert _friends(sam) == [] and "milly" not in sam.get("/friends").text
    stranger = sam.client.delete("/api/friends/jess", headers={"X-CSRF-Token": sam.api_csrf()})
    nobody = sam.client.delete("/api/friends/zed", headers={"X-CSRF-Token": sam.api_csrf()})
    assert stranger.status_code == nobody.status_code == 404  # a stranger is not revealed
    assert stranger.json()["error"].replace("jess", "X") == nobody.json()["error"].replace(
        "zed", "X"
    )
    outsider = new_browser()
    assert outsider.get("/api/friends").status_code == 401
    to_login = outsider.get("/friends", follow_redirects=False)
    assert to_login.status_code == 303 and to_login.headers["location"].startswith("/login?next=")


def test_every_friends_form_needs_the_csrf_token(new_browser: Callable[..., Browser]) -> None:
    jess, milly = _members(new_browser, "jess", "milly")
    path, code = _invite_page(jess)
    for action, data in (
        ("/friends/invites", {}),
        ("/friends/remove", {"handle": "milly"}),
        ("/friends/code", {"handle": "jess", "code": code}),
        (path + "/accept", {}),
        (path + "/decline", {}),
    ):
        refused = milly.client.post(action, data=data, follow_redirects=False)
        assert refused.status_code == 403, action
        assert "CSRF" in refused.text
    refused_api = milly.client.post("/api/friends/accept", json={"token": path.rsplit("/", 1)[1]})
    assert refused_api.status_code == 403
    assert _friends(milly) == [] and milly.get(path).status_code == 200  # nothing happened


def test_names_are_text_not_markup(new_browser: Callable[..., Browser]) -> None:
    evil = "<script>alert(1)</script>"
    jess = new_browser()
    jess.sign_up("jess", display_name=evil)
    milly = new_browser()
    milly.sign_up("milly", invite=jess.invite(), display_name=f"{evil} M")
    path, _ = _invite_page(jess)
    landing = milly.get(path)
    assert evil not in landing.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in landing.text
    milly.submit(path, path + "/accept", {})
    for page in (jess.get("/friends"), milly.get("/friends")):
        assert evil not in page.text and "&lt;script&gt;" in page.text


def test_friends_pages_carry_the_root_path(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(root_path=ROOT)
    with TestClient(app) as a, TestClient(app) as b:
        jess, milly = Browser(a, prefix=ROOT), Browser(b, prefix=ROOT)
        jess.sign_up("jess")
        made = jess.submit("/friends", "/friends/invites", {})
        assert made.headers["location"] == f"{ROOT}/friends/invites/new"
        link = _LINK.search(jess.follow(made).text)
        assert link and link.group(1).startswith(f"http://testserver{ROOT}/friends/join/")
        path = httpx.URL(link.group(1)).path
        landing = milly.get(path.removeprefix(ROOT))
        refs = [r for r in _REFS.findall(landing.text) if not r.startswith("#")]
        assert refs and all(r.startswith(ROOT + "/") for r in refs), refs
        token = path.rsplit("/", 1)[1]
        signed_up = milly.submit(
            f"/signup?invite={token}&next={path}",
            "/signup",
            {"handle": "milly", "password": "correct horse battery", "invite": token, "next": path},
        )
        assert signed_up.headers["location"] == path
        join = path.removeprefix(ROOT)
        page = milly.get(join)
        assert f'action="{path}/accept"' in page.text
        accepted = milly.submit(join, join + "/accept", {})
        assert accepted.headers["location"] == f"{ROOT}/friends"
        for page_path in ("/friends", "/friends/code"):
            html = milly.get(page_path).text
            refs = [r for r in _REFS.findall(html) if not r.startswith("#")]
            assert all(r.startswith(ROOT + "/") for r in refs), (page_path, refs)
        assert f'href="{ROOT}/friends"' in milly.get("/").text  # the navigation link
