"""In a real browser (chromium): Jess logs in through the form, lands on her home page, which
passes the axe audit, and logs out — with no console error or CSP violation on the way."""

from __future__ import annotations

import pytest
from live_browser import LivePage

from processes import ServedDemo

pytestmark = pytest.mark.browser


def test_jess_logs_in_through_the_form_and_out_again(
    live_page: LivePage, live_demo: ServedDemo
) -> None:
    page = live_page.page
    live_page.goto("/")
    live_page.visit("welcome")
    live_page.goto("/login")
    live_page.visit("login")
    live_page.goto("/signup")
    live_page.visit("signup")

    live_page.log_in("Jess", live_demo.log_ins["Jess"])
    assert page.url == live_page.url("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Jess"
    live_page.visit("home")
    page.get_by_role("button", name="Make an invite link").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Invite a friend"
    live_page.visit("invite")
    live_page.goto("/")

    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_url(live_page.url("/"))
    assert page.get_by_role("link", name="Log in").first.is_visible()
    live_page.assert_clean()


def test_a_wrong_password_is_said_on_the_form(live_page: LivePage) -> None:
    live_page.log_in("Jess", "not her password", refused=True)
    assert (
        live_page.page.get_by_role("alert")
        .inner_text()
        .startswith("the handle or the password is wrong")
    )
    live_page.visit("login-error")


def test_the_skip_link_comes_first_by_keyboard(live_page: LivePage) -> None:
    live_page.goto("/login")
    live_page.page.keyboard.press("Tab")
    focused = live_page.page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to the content"


def test_console_errors_and_csp_violations_are_caught(live_page: LivePage) -> None:
    """The checks themselves: an inline script (forbidden by the CSP), an inline style attribute,
    a console error and an uncaught exception are each recorded, and fail the test."""
    live_page.goto("/login")
    page = live_page.page
    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.ran = true";
        document.body.append(script);
        document.body.setAttribute("style", "color: red");
        console.error("something went wrong");
        setTimeout(() => { throw new Error("boom"); }, 0);
    }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran === undefined")  # the CSP stopped the inline script
    found = "\n".join(live_page.problems)
    csp = [p for p in live_page.problems if "Content Security Policy" in p]
    assert any("inline script" in p for p in csp), found
    assert any("inline style" in p for p in csp), found
    assert "something went wrong" in found
    assert "uncaught exception" in found and "boom" in found
    with pytest.raises(AssertionError):
        live_page.assert_clean()
    assert live_page.problems == []
