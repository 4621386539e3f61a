"""Sign-up policy, log-in (same message, rate limit), cookies, log-out, API tokens, escaping."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_browsers import PASSWORD, Browser

from reelmates.errors import ReelmatesError
from reelmates.services import operator
from reelmates.services.accounts import LOGIN_FAILED
from reelmates.services.demo import demo_log_in
from reelmates.services.people import RESERVED_HANDLES, add_member
from reelmates.services.uow import unit_of_work
from reelmates.store.accounts import AccountRepository
from reelmates.web import templating
from reelmates.web.templating import sentence

# --- sign-up policy --------------------------------------------------------------------------


def test_the_first_account_is_the_operator_and_is_logged_in(browser: Browser) -> None:
    assert "yours will be the operator" in browser.get("/signup").text
    done = browser.sign_up("Jess", display_name="Jess M.")
    assert done.status_code == 303 and done.headers["location"] == "/"
    me = browser.get("/api/me").json()
    assert me == {
        "person_id": me["person_id"],
        "handle": "Jess",
        "display_name": "Jess M.",
        "role": "operator",
        "via": "session",
    }


def test_on_the_demo_database_the_first_real_sign_up_is_the_operator(
    app: FastAPI, new_browser: Callable[..., Browser]
) -> None:
    with unit_of_work(app.state.engine) as session:  # what `reelmates demo` leaves
        for handle in ("Jess", "Milly"):
            add_member(session, handle)
            assert demo_log_in(session, app.state.passwords, handle, datetime.now(UTC))
    ana, zed = new_browser(), new_browser()
    assert "yours will be the operator" in ana.get("/signup").text
    assert ana.sign_up("ana").status_code == 303
    assert ana.get("/api/me").json()["role"] == "operator"
    assert "by invitation" in zed.get("/signup").text
    assert zed.sign_up("zed").status_code == 403


def test_a_handle_that_would_hide_a_friends_page_is_refused(
    app: FastAPI, new_browser: Callable[..., Browser]
) -> None:
    # Every fixed word beside /friends/{handle} and /api/friends/{handle} is on the one list.
    fixed = set()
    for path in app.openapi()["paths"]:  # every route, pages too
        if path.startswith(("/friends/", "/api/friends/")):
            word = path.removeprefix("/api").split("/")[2]
            if not word.startswith("{"):
                fixed.add(word)
    assert fixed == {"code", "invites", "join", "remove", "accept", "decline", "accept-code",
                     "join-as-guest"} and fixed <= RESERVED_HANDLES  # fmt: skip
    browser = new_browser()
    for handle in ("code", "Invites", "JOIN"):
        refused = browser.sign_up(handle)
        assert refused.status_code == 400
        assert f"The handle &#39;{handle}&#39; is reserved" in refused.text
        assert f'value="{handle}"' in refused.text  # the form keeps what was typed
    api = browser.client.post(
        "/api/signup",
        json={"handle": "code", "password": PASSWORD},
        headers={"X-CSRF-Token": browser.api_csrf()},
    )
    assert api.status_code == 400 and api.json()["error"].startswith("the handle 'code' is")
    with pytest.raises(ReelmatesError, match="reserved"), unit_of_work(app.state.engine) as s:
        operator.create_operator(
            s, app.state.passwords, handle="invites", display_name=None, password=PASSWORD,
            now=datetime.now(UTC),
        )  # fmt: skip
    assert browser.sign_up("codes").status_code == 303  # only the words themselves


def test_invite_only_refuses_a_second_account_without_an_invite(
    new_browser: Callable[..., Browser],
) -> None:
    jess, milly = new_browser(), new_browser()
    jess.sign_up("jess")
    page = milly.get("/signup")
    assert page.status_code == 200 and "by invitation" in page.text
    assert 'name="password"' not in page.text
    refused = milly.sign_up("milly")
    assert refused.status_code == 403 and "by invitation" in refused.text
    assert milly.get("/api/me").status_code == 401


def test_an_invite_lets_one_friend_sign_up_once(new_browser: Callable[..., Browser]) -> None:
    jess, milly, sam = new_browser(), new_browser(), new_browser()
    jess.sign_up("jess")
    invite = jess.invite()
    assert len(invite) >= 43  # 256 random bits, URL-safe
    assert milly.sign_up("milly", invite=invite).status_code == 303
    assert milly.get("/api/me").json()["role"] == "member"
    again = sam.sign_up("sam", invite=invite)
    assert again.status_code == 403 and "used already or has expired" in again.text
    assert "used already or has expired" in sam.get(f"/signup?invite={invite}").text
    forged = sam.sign_up("sam", invite="x" * 43)
    assert forged.status_code == 403


def test_closed_sign_up_still_lets_the_first_account_in(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(signup_policy="closed")
    with TestClient(app) as a, TestClient(app) as b:
        first, second = Browser(a), Browser(b)
        assert first.sign_up("op").status_code == 303
        assert "closed" in second.get("/signup").text
        assert second.sign_up("late").status_code == 403
        refused = first.api_post("/api/invites")
        assert refused.status_code == 403 and "closed" in refused.json()["error"]


def test_open_sign_up_needs_no_invite(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(signup_policy="open")
    with TestClient(app) as a, TestClient(app) as b:
        Browser(a).sign_up("op")
        assert Browser(b).sign_up("anyone").status_code == 303
        assert Browser(b).get("/api/me").json()["role"] == "member"


def test_a_taken_handle_in_another_case_is_refused_and_nothing_is_written(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(signup_policy="open")
    with TestClient(app) as a, TestClient(app) as b:
        Browser(a).sign_up("Jess")
        taken = Browser(b).sign_up("JESS", display_name="Other")
        assert taken.status_code == 409 and "is taken" in taken.text
        assert 'value="Other"' in taken.text  # the form keeps what was typed
        short = Browser(b).submit("/signup", "/signup", {"handle": "zed", "password": "short"})
        assert short.status_code == 400 and "at least 8" in short.text
    with unit_of_work(app.state.engine, read_only=True) as session:
        assert AccountRepository(session).count() == 1


def test_a_display_name_is_text_never_markup(new_browser: Callable[..., Browser]) -> None:
    browser = new_browser()
    browser.sign_up("jess", display_name="<script>alert(1)</script>")
    html = browser.get("/").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- log-in ----------------------------------------------------------------------------------


def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(
    new_browser: Callable[..., Browser],
) -> None:
    new_browser().sign_up("jess")
    browser = new_browser()
    wrong = browser.log_in("jess", "not the password")
    unknown = browser.log_in("nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    shown = "The handle or the password is wrong."  # a sentence on the page
    assert shown in wrong.text and shown in unknown.text and LOGIN_FAILED not in wrong.text
    assert wrong.text.replace('value="jess"', "") == unknown.text.replace('value="nobody"', "")
    api = browser.api_post("/api/login", {"handle": "nobody", "password": "x"})
    assert api.status_code == 401 and api.json()["error"] == LOGIN_FAILED  # JSON: as worded


def test_every_page_shows_a_domain_message_as_a_sentence() -> None:
    assert sentence(LOGIN_FAILED) == "The handle or the password is wrong."
    assert sentence("sign-up is closed.") == "Sign-up is closed."
    assert sentence("is it?") == "Is it?" and sentence("") == ""
    # A file name is shown as it is (it is the member's data), only the full stop is added.
    assert sentence("x.zip: ratings.csv:3: not a rating") == "x.zip: ratings.csv:3: not a rating."
    templates = Path(templating.__file__).with_name("templates")
    for page in templates.glob("*.html"):
        html = page.read_text()
        # error.html's message and every inline alert's message and hint go through the filter.
        shown = re.findall(r"{{ (?:error\.message|error\.hint|message|detail)\b([^}]*)}}", html)
        assert all("| sentence" in s for s in shown), page.name


def test_log_in_in_any_case_and_go_back_where_you_were(
    new_browser: Callable[..., Browser],
) -> None:
    new_browser().sign_up("Jess")
    browser = new_browser()
    browser.get("/login")
    sent = browser.submit(
        "/login", "/login", {"handle": "jESS", "password": PASSWORD, "next": "/signup"}
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/signup"
    assert browser.get("/api/me").json()["handle"] == "Jess"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil", "x"])
def test_after_log_in_only_paths_of_this_app_are_followed(
    new_browser: Callable[..., Browser], target: str
) -> None:
    new_browser().sign_up("jess")
    browser = new_browser()
    sent = browser.submit(
        "/login", "/login", {"handle": "jess", "password": PASSWORD, "next": target}
    )
    assert sent.headers["location"] == "/"


def test_log_in_is_rate_limited_per_account(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(login_failures_per_account=3, login_failures_per_address=100)
    with TestClient(app) as a, TestClient(app) as b:
        Browser(a).sign_up("jess")
        attacker = Browser(b)
        for _ in range(3):
            assert attacker.log_in("jess", "guess").status_code == 401
        blocked = attacker.log_in("jess", PASSWORD)  # even the right password now
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
        assert "Too many failed log-ins" in blocked.text
        api = attacker.api_post("/api/login", {"handle": "JESS", "password": PASSWORD})
        assert api.status_code == 429 and "retry-after" in api.headers


def test_log_in_is_rate_limited_per_address(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(login_failures_per_account=100, login_failures_per_address=4)
    with TestClient(app) as a, TestClient(app) as b:
        Browser(a).sign_up("jess")
        attacker = Browser(b)
        for handle in ("a", "b", "c", "d"):
            assert attacker.log_in(handle, "guess").status_code == 401
        assert attacker.log_in("jess", PASSWORD).status_code == 429


@pytest.mark.parametrize(("trusted", "after"), [(False, 429), (True, 303)])
def test_forwarded_addresses_count_only_behind_a_trusted_proxy(
    make_app: Callable[..., FastAPI], trusted: bool, after: int
) -> None:
    app = make_app(
        login_failures_per_account=100, login_failures_per_address=2, trusted_proxy=trusted
    )
    with TestClient(app) as a, TestClient(app) as b, TestClient(app) as c:
        Browser(a).sign_up("jess")
        attacker = Browser(b)
        attacker.client.headers["X-Forwarded-For"] = "198.51.100.7"
        for handle in ("a", "b"):
            assert attacker.log_in(handle, "guess").status_code == 401
        friend = Browser(c)
        friend.client.headers["X-Forwarded-For"] = "203.0.113.9"
        # Trusted: the friend is another address. Untrusted: the header means nothing, both
        # come from the same (test client) address, which is blocked.
        assert friend.log_in("jess").status_code == after


# --- cookies and log-out ---------------------------------------------------------------------


def _cookie_header(response: object, name: str) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    found = [h for h in headers if h.startswith(name + "=")]
    assert found, headers
    return str(found[0])


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(
    new_browser: Callable[..., Browser],
) -> None:
    plain = _cookie_header(new_browser().sign_up("jess"), "reelmates_session")
    assert "HttpOnly" in plain and "SameSite=lax" in plain and "Path=/;" in plain + ";"
    assert "Secure" not in plain
    tls = new_browser(base_url="https://testserver")
    secure = _cookie_header(tls.log_in("jess"), "reelmates_session")
    assert "Secure" in secure and "HttpOnly" in secure


@pytest.mark.parametrize(("trusted", "secure"), [(False, False), (True, True)])
def test_x_forwarded_proto_counts_only_behind_a_trusted_proxy(
    make_app: Callable[..., FastAPI], trusted: bool, secure: bool
) -> None:
    with TestClient(make_app(trusted_proxy=trusted)) as client:
        # The proxy talks plain HTTP to the app; the browser spoke HTTPS to the proxy.
        client.headers["X-Forwarded-Proto"] = "https"
        csrf = client.get("/api/csrf")
        nonce = _cookie_header(csrf, "reelmates_csrf").split(";")[0]
        assert ("Secure" in _cookie_header(csrf, "reelmates_csrf")) is secure
        client.cookies.clear()  # the test client would not send a Secure cookie over HTTP
        done = client.post(
            "/api/signup",
            json={"handle": "jess", "password": PASSWORD},
            headers={"X-CSRF-Token": csrf.json()["csrf_token"], "Cookie": nonce},
        )
        assert done.status_code == 201
        cookie = _cookie_header(done, "reelmates_session")
    assert ("Secure" in cookie) is secure


@pytest.mark.parametrize(("trusted", "scheme"), [(False, "http"), (True, "https")])
def test_links_the_app_builds_say_https_only_behind_a_trusted_proxy(
    make_app: Callable[..., FastAPI], trusted: bool, scheme: str
) -> None:
    with TestClient(make_app(trusted_proxy=trusted)) as client:
        browser = Browser(client)
        assert browser.sign_up("jess").status_code == 303  # the operator: may make invites
        client.headers["X-Forwarded-Proto"] = "https"
        url = browser.api_post("/api/invites").json()["url"]
        assert url.startswith(f"{scheme}://testserver/signup?invite=")
        client.headers["X-Forwarded-Proto"] = "ftp, http"  # the last hop is the proxy's
        assert browser.api_post("/api/invites").json()["url"].startswith("http://testserver/")


def test_log_out_ends_the_session_even_for_a_copied_cookie(
    browser: Browser, new_browser: Callable[..., Browser]
) -> None:
    browser.sign_up("jess")
    stolen = browser.client.cookies["reelmates_session"]
    assert browser.submit("/", "/logout", {}).status_code == 303
    assert browser.get("/api/me").status_code == 401
    thief = new_browser()
    thief.client.cookies.set("reelmates_session", stolen)
    assert thief.get("/api/me").status_code == 401
    assert "Log in" in thief.get("/").text  # a dead cookie is just "logged out"


def test_log_out_everywhere_ends_every_session_of_that_person(
    new_browser: Callable[..., Browser],
) -> None:
    phone, laptop, friend = new_browser(), new_browser(), new_browser()
    phone.sign_up("jess")
    friend.sign_up("milly", invite=phone.invite())
    laptop.log_in("jess")
    assert laptop.get("/api/me").status_code == 200
    done = phone.submit("/", "/logout-everywhere", {})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert phone.get("/api/me").status_code == 401
    assert laptop.get("/api/me").status_code == 401
    assert friend.get("/api/me").json()["handle"] == "milly"  # someone else's stay


def test_a_page_that_needs_a_log_in_sends_you_to_log_in(browser: Browser) -> None:
    response = browser.get("/api/me")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    token = browser.csrf_from("/login")
    refused = browser.client.post("/logout-everywhere", data={"csrf_token": token})
    assert refused.status_code == 401


def test_a_disabled_account_cannot_log_in_and_its_sessions_stop(
    app: FastAPI, new_browser: Callable[..., Browser]
) -> None:
    jess = new_browser()
    jess.sign_up("jess")
    person_id = jess.get("/api/me").json()["person_id"]
    with unit_of_work(app.state.engine) as session:
        AccountRepository(session).set_disabled(person_id, True)
    assert jess.get("/api/me").status_code == 401
    again = new_browser().log_in("jess")
    assert again.status_code == 403 and "disabled" in again.text


# --- the API ---------------------------------------------------------------------------------


def test_api_log_in_returns_a_csrf_token_for_the_session(
    new_browser: Callable[..., Browser],
) -> None:
    new_browser().sign_up("jess")
    client = new_browser()
    done = client.api_post("/api/login", {"handle": "jess", "password": PASSWORD})
    assert done.status_code == 200
    body = done.json()
    assert body["handle"] == "jess" and body["via"] == "session"
    made = client.client.post(
        "/api/tokens", json={"name": "x"}, headers={"X-CSRF-Token": body["csrf_token"]}
    )
    assert made.status_code == 201


def test_api_sign_up_then_log_out(new_browser: Callable[..., Browser]) -> None:
    client = new_browser()
    made = client.api_post(
        "/api/signup", {"handle": "op", "password": PASSWORD, "display_name": "Op"}
    )
    assert made.status_code == 201 and made.json()["role"] == "operator"
    assert client.api_post("/api/logout").status_code == 204
    assert client.get("/api/me").status_code == 401


def test_a_personal_api_token_works_until_revoked(
    browser: Browser, new_browser: Callable[..., Browser]
) -> None:
    browser.sign_up("jess")
    made = browser.api_post("/api/tokens", {"name": "  my script  "})
    assert made.status_code == 201
    body = made.json()
    assert body["name"] == "my script" and body["token"].startswith("rmt_")
    script = new_browser()
    bearer = {"Authorization": f"Bearer {body['token']}"}
    me = script.client.get("/api/me", headers=bearer).json()
    assert me["handle"] == "jess" and me["via"] == "token"
    listed = browser.get("/api/tokens").json()
    assert [t["name"] for t in listed] == ["my script"]
    assert "token" not in listed[0]  # shown once, never again
    assert listed[0]["last_used_at"] is not None
    gone = script.client.delete(f"/api/tokens/{body['id']}", headers=bearer)
    assert gone.status_code == 204
    refused = script.client.get("/api/me", headers=bearer)
    assert refused.status_code == 401 and "does not work" in refused.json()["error"]
    assert browser.get("/api/tokens").json() == []


def test_a_bad_authorization_header_is_an_error_not_anonymous(browser: Browser) -> None:
    for value in ("Bearer nonsense", "Basic amVzczpwdw==", "Bearer "):
        response = browser.client.get("/api/me", headers={"Authorization": value})
        assert response.status_code == 401


def test_someone_elses_token_cannot_be_revoked(new_browser: Callable[..., Browser]) -> None:
    jess, milly = new_browser(), new_browser()
    jess.sign_up("jess")
    token_id = jess.api_post("/api/tokens", {"name": "mine"}).json()["id"]
    milly.sign_up("milly", invite=jess.invite())
    csrf = milly.api_csrf()
    refused = milly.client.delete(f"/api/tokens/{token_id}", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 404
    assert len(jess.get("/api/tokens").json()) == 1


def test_the_openapi_document_lists_the_account_api(browser: Browser) -> None:
    paths = browser.get("/api/openapi.json").json()["paths"]
    assert {"/api/me", "/api/login", "/api/tokens", "/api/invites"} <= set(paths)
