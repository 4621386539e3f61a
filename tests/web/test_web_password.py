"""Changing one's password, on the page and by the API: the current one proves it is you, the
new one is typed twice, every other log-in ends at once while this one goes on."""

from __future__ import annotations

from collections.abc import Callable

from web_browsers import PASSWORD, Browser

NEW = "a much longer new password"


def _change(browser: Browser, current: str, new: str, again: str | None = None) -> str:
    data = {"current_password": current, "new_password": new, "new_password_again": again or new}
    sent = browser.submit("/settings/password", "/settings/password", data)
    return f"{sent.status_code} {sent.text}"


def test_a_new_password_ends_every_other_log_in(new_browser: Callable[..., Browser]) -> None:
    phone, laptop, tablet = new_browser(), new_browser(), new_browser()
    assert phone.sign_up("jess").status_code == 303
    assert laptop.log_in("jess").status_code == 303
    assert tablet.log_in("jess").status_code == 303
    settings = phone.get("/settings").text
    assert 'href="/settings/password"' in settings
    page = phone.get("/settings/password")
    assert page.status_code == 200 and 'name="new_password_again"' in page.text
    done = _change(phone, PASSWORD, NEW)
    assert done.startswith("200 ") and "2 other log-ins ended" in done
    assert phone.get("/api/me").status_code == 200  # this log-in goes on
    for other in (laptop, tablet):  # the others' cookies stop working at once
        assert other.get("/api/me").status_code == 401
    assert new_browser().log_in("jess", PASSWORD).status_code == 401
    assert new_browser().log_in("jess", NEW).status_code == 303


def test_a_wrong_current_password_or_a_mismatch_changes_nothing(
    new_browser: Callable[..., Browser],
) -> None:
    phone, laptop = new_browser(), new_browser()
    phone.sign_up("jess")
    laptop.log_in("jess")
    wrong = _change(phone, "not my password", NEW)
    assert wrong.startswith("401 ") and "current password is wrong" in wrong
    mismatch = _change(phone, PASSWORD, NEW, NEW + "!")
    assert mismatch.startswith("400 ") and "not the same" in mismatch
    short = _change(phone, PASSWORD, "short")
    assert short.startswith("400 ") and "at least 8" in short
    assert laptop.get("/api/me").status_code == 200  # nothing ended
    assert new_browser().log_in("jess", PASSWORD).status_code == 303
    refused = phone.client.post(  # no CSRF token: refused before anything happens
        "/settings/password",
        data={"current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW},
    )
    assert refused.status_code == 403
    assert new_browser().log_in("jess", PASSWORD).status_code == 303


def test_the_api_changes_it_too(new_browser: Callable[..., Browser]) -> None:
    phone, laptop = new_browser(), new_browser()
    phone.sign_up("jess")
    laptop.log_in("jess")
    wrong = phone.api_post("/api/me/password", {"current": "nope nope", "new": NEW})
    assert wrong.status_code == 401
    done = phone.api_post("/api/me/password", {"current": PASSWORD, "new": NEW})
    assert done.status_code == 200 and done.json() == {"sessions_ended": 1}
    assert phone.get("/api/me").status_code == 200
    assert laptop.get("/api/me").status_code == 401
    assert new_browser().log_in("jess", NEW).status_code == 303
    outsider = new_browser()
    assert outsider.get("/settings/password", follow_redirects=False).status_code == 303
