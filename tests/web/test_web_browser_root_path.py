"""In a real browser, served under ``--root-path /reelmates`` (as behind a reverse proxy): Jess logs
in through the form and out again, every link, form, redirect and asset staying under the prefix."""

from __future__ import annotations

import pytest
from live_browser import LivePage

from processes import ServedDemo

pytestmark = pytest.mark.browser

ROOT_PATH = "/reelmates"  # read by the live_demo fixture


def test_log_in_and_out_under_the_root_path(live_page: LivePage, live_demo: ServedDemo) -> None:
    page = live_page.page
    assert live_page.base_url.endswith("/reelmates")
    assets: list[str] = []
    page.on("request", lambda request: assets.append(request.url))
    live_page.log_in("Jess", live_demo.log_ins["Jess"])
    assert page.url == live_page.url("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Jess"
    # The stylesheet, script and icon came from under the prefix (and applied: no 404 was logged).
    assert {url.rsplit("/", 1)[1] for url in assets if "/reelmates/static/" in url} >= {
        "app.css",
        "app.js",
    }
    assert all(url.startswith(live_page.base_url) for url in assets)
    live_page.visit("home")
    # The new pages too: every link and form on them stays under the prefix, and they work.
    page.get_by_role("link", name="Watch together").click()
    page.wait_for_load_state()
    assert page.url == live_page.url("/together")
    page.get_by_label("Milly").check()
    page.get_by_role("button", name="Show films").click()
    page.wait_for_load_state()
    assert page.url.startswith(live_page.url("/together?"))
    assert page.locator("ol.together > li").count() > 0
    live_page.visit("together")
    for path in ("/onboarding", "/friends", "/picks", "/settings"):
        live_page.goto(path)
        hrefs = page.eval_on_selector_all(
            "a[href], form[action], img[src]",
            "els => els.map(e => e.getAttribute('href') || e.getAttribute('action')"
            " || e.getAttribute('src'))",
        )
        local = [h for h in hrefs if h.startswith("/")]
        assert local and all(h.startswith("/reelmates/") for h in local), (path, local)
    live_page.visit("onboarding")
    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_url(live_page.url("/"))
    assert page.get_by_role("link", name="Log in").first.get_attribute("href") == "/reelmates/login"
    live_page.assert_clean()
