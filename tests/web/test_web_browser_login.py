"""In a real browser (chromium): Jess logs in through the form, lands on her home page, which
passes the axe audit, and logs out — with no console error or CSP violation on the way."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from live_browser import DESKTOP, LivePage

from processes import ServedDemo

if TYPE_CHECKING:
    from playwright.sync_api import Browser

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
    page.get_by_role("button", name="Invite a friend").click()
    page.wait_for_load_state()
    assert page.url == live_page.url("/friends/invites/new")
    assert page.get_by_role("heading", level=1).inner_text() == "Invite a friend"
    assert page.get_by_label("Invite link").input_value().startswith(live_demo.base_url)
    live_page.visit("invite")
    page.reload()  # the link was shown once: a reload makes no other invite
    assert page.get_by_role("status").inner_text().startswith("This invite was shown once")
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
        .startswith("The handle or the password is wrong.")
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


def test_a_guest_joins_by_jesss_link_and_keeps_the_account(
    live_page: LivePage, live_demo: ServedDemo, chromium: Browser
) -> None:
    """Jess makes a friend link and looks at her password page; a newcomer opens the link in
    another browser, joins as a guest with just a name, then keeps the account."""
    page = live_page.page
    live_page.log_in("Jess", live_demo.log_ins["Jess"])
    live_page.goto("/settings/password")
    live_page.visit("password")
    live_page.goto("/friends")
    page.get_by_role("button", name="Invite a friend").click()
    page.wait_for_load_state()
    link = page.get_by_label("Invite link").input_value()

    context = chromium.new_context(viewport=DESKTOP)  # type: ignore[arg-type]
    try:
        guest = LivePage(context.new_page(), live_demo.base_url, "")
        guest.page.goto(link)
        guest.page.get_by_role("link", name="Join as a guest").click()
        guest.page.wait_for_load_state()
        guest.visit("guest-join")
        guest.page.get_by_label("Your name").fill("Sam")
        with guest.page.expect_navigation():
            guest.page.get_by_label("Your name").press("Enter")
        assert guest.page.url == guest.url("/")
        headings = guest.page.get_by_role("heading", level=2).all_inner_texts()
        assert any(h.startswith("You're a guest") for h in headings), headings
        guest.visit("home-guest")
        guest.page.get_by_label("Handle").fill("sam-browser")
        guest.page.locator("#keep_password").fill("correct horse battery")
        guest.page.locator("#keep_password_again").fill("correct horse battery")
        with guest.page.expect_navigation():
            guest.page.get_by_role("button", name="Keep my account").click()
        assert guest.page.url == guest.url("/settings")
        assert "sam-browser" in guest.page.get_by_role("main").inner_text()
        guest.assert_clean()
    finally:
        context.close()
