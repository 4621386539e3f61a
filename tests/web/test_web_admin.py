"""The operator's accounts page and /api/admin: the list, disable / enable (sessions and tokens
stop at once), reset password (shown once, the old one fails, the member's log-ins end), and
nobody but the operator gets in."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_browsers import PASSWORD, Browser

from processes import reelmates_here

_LINK = re.compile(r'id="invite-link" class="wide" value="([^"]+)"')
_NEW_PASSWORD = re.compile(r'id="new-password" class="wide code" value="([^"]+)"')


def _team(new_browser: Callable[..., Browser]) -> tuple[Browser, Browser, Browser]:
    """jess (the operator), milly (a member), sam (a guest, Jess's friend)."""
    jess, milly, sam = new_browser(), new_browser(), new_browser()
    assert jess.sign_up("jess", display_name="Jess").status_code == 303
    assert milly.sign_up("milly", invite=jess.invite(), display_name="Milly").status_code == 303
    made = jess.follow(jess.submit("/friends", "/friends/invites", {}))
    found = _LINK.search(made.text)
    assert found
    link = httpx.URL(found.group(1)).path
    assert sam.submit(link + "/guest", link + "/guest", {"display_name": "Sam"}).status_code == 303
    return jess, milly, sam


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_operator_sees_every_account(new_browser: Callable[..., Browser]) -> None:
    jess, _, _ = _team(new_browser)
    listed = jess.get("/api/admin/accounts")
    assert listed.status_code == 200
    rows = [(a["display_name"], a["operator"], a["guest"], a["disabled"]) for a in listed.json()]
    assert rows == [
        ("Jess", True, False, False),
        ("Milly", False, False, False),
        ("Sam", False, True, False),
    ]
    page = jess.get("/admin/accounts")
    assert page.status_code == 200
    assert 'href="/admin/accounts" aria-current="page">Accounts</a>' in page.text
    assert page.text.count("Reset password<") == 1  # milly's: not the operator's, not a guest's
    assert page.text.count("Disable<") == 2  # milly and sam
    assert "<td>guest</td>" in page.text and "<td>operator</td>" in page.text


def test_nobody_but_the_operator_gets_in(new_browser: Callable[..., Browser]) -> None:
    _, milly, sam = _team(new_browser)
    for who in (milly, sam):
        assert ">Accounts</a>" not in who.get("/").text
        assert who.get("/admin/accounts").status_code == 403
        assert who.get("/api/admin/accounts").status_code == 403
        for action in ("disable", "reset-password"):
            refused = who.api_post(f"/api/admin/accounts/jess/{action}")
            assert refused.status_code == 403
            page = who.submit("/", f"/admin/accounts/jess/{action}", {})
            assert page.status_code == 403
    outsider = new_browser()
    assert outsider.get("/api/admin/accounts").status_code == 401
    assert outsider.get("/admin/accounts", follow_redirects=False).status_code == 303
    assert new_browser().log_in("jess").status_code == 303  # nothing happened to jess


def test_a_disabled_account_stops_at_once(new_browser: Callable[..., Browser]) -> None:
    jess, milly, _ = _team(new_browser)
    token = milly.api_post("/api/tokens", {"name": "script"}).json()["token"]
    assert milly.client.get("/api/me", headers=_bearer(token)).status_code == 200
    disabled = jess.submit("/admin/accounts", "/admin/accounts/milly/disable", {})
    assert disabled.status_code == 303 and disabled.headers["location"] == "/admin/accounts"
    assert milly.get("/api/me").status_code == 401  # her session, at once
    assert milly.client.get("/api/me", headers=_bearer(token)).status_code == 401  # and token
    refused = new_browser().log_in("milly")
    assert refused.status_code == 403 and "disabled" in refused.text
    assert "<strong>disabled</strong>" in jess.get("/admin/accounts").text
    enabled = jess.api_post("/api/admin/accounts/milly/enable")
    assert enabled.status_code == 200 and enabled.json()["disabled"] is False
    assert milly.get("/api/me").status_code == 401  # nothing comes back ...
    assert milly.client.get("/api/me", headers=_bearer(token)).status_code == 401
    assert new_browser().log_in("milly").status_code == 303  # ... but she can log in again
    by_api = jess.api_post("/api/admin/accounts/MILLY/disable")
    assert by_api.status_code == 200 and by_api.json()["disabled"] is True
    own = jess.api_post("/api/admin/accounts/jess/disable")
    assert own.status_code == 403 and "your own account" in own.json()["error"]
    nobody = jess.api_post("/api/admin/accounts/zed/disable")
    assert nobody.status_code == 404


def test_a_disabled_guest_is_logged_out(new_browser: Callable[..., Browser]) -> None:
    jess, _, sam = _team(new_browser)
    handle = sam.get("/api/me").json()["handle"]
    assert jess.api_post(f"/api/admin/accounts/{handle}/disable").status_code == 200
    assert sam.get("/api/me").status_code == 401
    guest = jess.api_post(f"/api/admin/accounts/{handle}/reset-password")
    assert guest.status_code == 409 and "guest" in guest.json()["error"]


def test_a_reset_password_is_shown_once_and_the_old_one_fails(
    new_browser: Callable[..., Browser],
) -> None:
    jess, milly, _ = _team(new_browser)
    laptop = new_browser()
    laptop.log_in("milly")
    reset = jess.submit("/admin/accounts", "/admin/accounts/milly/reset-password", {})
    assert reset.status_code == 200 and reset.headers["cache-control"] == "no-store"
    found = _NEW_PASSWORD.search(reset.text)
    assert found and "2 log-ins of theirs ended" in reset.text
    password = found.group(1)
    assert re.fullmatch(r"([a-z2-9]{4}-){3}[a-z2-9]{4}", password)
    assert password not in jess.get("/admin/accounts").text  # shown once
    assert milly.get("/api/me").status_code == 401 and laptop.get("/api/me").status_code == 401
    assert new_browser().log_in("milly", PASSWORD).status_code == 401
    assert new_browser().log_in("milly", password).status_code == 303
    again = jess.api_post("/api/admin/accounts/milly/reset-password")
    assert again.status_code == 200 and again.headers["cache-control"] == "no-store"
    body = again.json()
    assert body["account"]["handle"] == "milly" and body["sessions_ended"] == 1
    assert body["password"] != password
    assert new_browser().log_in("milly", password).status_code == 401
    assert new_browser().log_in("milly", body["password"]).status_code == 303
    own = jess.api_post("/api/admin/accounts/jess/reset-password")
    assert own.status_code == 403


def test_the_admin_forms_need_the_csrf_token(new_browser: Callable[..., Browser]) -> None:
    jess, milly, _ = _team(new_browser)
    for action in ("disable", "reset-password"):
        refused = jess.client.post(f"/admin/accounts/milly/{action}", follow_redirects=False)
        assert refused.status_code == 403 and "CSRF" in refused.text
    assert milly.get("/api/me").status_code == 200


def test_the_accounts_page_carries_the_root_path(make_app: Callable[..., FastAPI]) -> None:
    root = "/reelmates"
    app = make_app(root_path=root)
    with TestClient(app) as a, TestClient(app) as b:
        jess, milly = Browser(a, prefix=root), Browser(b, prefix=root)
        jess.sign_up("jess")
        milly.sign_up("milly", invite=jess.invite())
        html = jess.get("/admin/accounts").text
        refs = [r for r in re.findall(r'(?:href|src|action)="([^"]*)"', html) if r[0] != "#"]
        assert refs and all(r.startswith(root + "/") for r in refs), refs
        done = jess.submit("/admin/accounts", "/admin/accounts/milly/disable", {})
        assert done.headers["location"] == f"{root}/admin/accounts"


def test_an_operator_made_in_the_terminal_runs_the_accounts_page(
    make_app: Callable[..., FastAPI], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(signup_policy="closed")
    with TestClient(app) as a, TestClient(app) as b:
        jess, sam = Browser(a), Browser(b)
        assert jess.sign_up("jess").status_code == 303  # the first account: an operator
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        made = reelmates_here(
            monkeypatch,
            "admin",
            "create",
            "sam",
            "--name",
            "Sam",
            "--password-stdin",
            "--db",
            str(app.state.settings.effective_database_url),
            home=tmp_path,
            REELMATES_ARGON2_TIME_COST="1",
            REELMATES_ARGON2_MEMORY_KIB="64",
        )
        assert made.returncode == 0, made.stderr
        assert sam.log_in("sam").status_code == 303
        assert ">Accounts</a>" in sam.get("/").text
        handles = [x["handle"] for x in sam.get("/api/admin/accounts").json()]
        assert handles == ["jess", "sam"]
        assert sam.api_post("/api/admin/accounts/jess/disable").status_code == 200
        assert jess.get("/api/me").status_code == 401
