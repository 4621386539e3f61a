"""In a real browser (chromium): Jess starts a swipe session from watch together with Milly (friends
from the demo on); Milly opens the room's link on her phone. Jess likes by the arrow key, Milly by
dragging the card and by the Like button, each at their own pace, until a match, which both pages
show without reloading (pushed by the event stream). The room and its join page pass the axe
audit, with no console error or CSP violation."""

from __future__ import annotations

import pytest
from live_browser import PHONE, LivePage
from playwright.sync_api import Browser, Page, expect

from processes import ServedDemo

pytestmark = pytest.mark.browser
MAX_TURNS = 30
MARK = "window.reelmatesStayed"  # set once: a reload would clear it


def _card(page: Page) -> str | None:
    found: str | None = page.evaluate(
        "() => document.getElementById('swipe-card')?.dataset.film ?? null"
    )
    return found


def _matches(page: Page) -> int:
    return page.locator("#matches .matches-list li").count()


def _wait_for_new_card(page: Page, before: str | None) -> None:
    page.wait_for_function(
        "before => (document.getElementById('swipe-card')?.dataset.film ?? null) !== before"
        " || document.querySelector('#matches .matches-list li')",
        arg=before,
        timeout=10_000,
    )


def _drag_like(page: Page) -> None:
    box = page.locator("#swipe-card .poster").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 80, y, steps=4)
    page.mouse.move(x + 200, y, steps=4)
    page.mouse.up()


def test_two_members_swipe_until_a_match_and_both_see_it_live(
    live_page: LivePage, live_demo: ServedDemo, chromium: Browser
) -> None:
    jess = live_page
    jess.log_in("Jess", live_demo.log_ins["Jess"])
    jess.goto("/together?with=Milly")
    with jess.page.expect_navigation():
        jess.page.get_by_role("button", name="Swipe together").click()
    assert "/swipe/" in jess.page.url
    rule = jess.page.locator(".rule").inner_text()
    assert "A film is a match when everyone likes it" in rule
    link = jess.page.get_by_label("Join link").input_value()
    qr = jess.page.get_by_role("img", name="QR code of the join link")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    jess.visit("swipe-room")

    # Someone logged out who opens the link sees how to join (audited, not joined).
    outsider = LivePage(chromium.new_context().new_page(), live_demo.base_url, "")
    milly_context = chromium.new_context(viewport=PHONE, has_touch=True)  # type: ignore[arg-type]
    milly = LivePage(milly_context.new_page(), live_demo.base_url, "")
    try:
        outsider.page.goto(link)
        assert outsider.page.get_by_role("button", name="Join as a guest").is_visible()
        outsider.visit("swipe-join")

        milly.log_in("Milly", live_demo.log_ins["Milly"])
        milly.page.goto(link)  # she is in it already: the link takes her to the room
        assert milly.page.url == jess.page.url
        milly.assert_clean()
        for who in (jess, milly):
            who.page.evaluate(f"{MARK} = true")

        for turn in range(MAX_TURNS):
            if _matches(jess.page) or _matches(milly.page):
                break
            before = _card(jess.page)
            assert before is not None, "Jess ran out of cards"
            jess.page.keyboard.press("ArrowRight")
            _wait_for_new_card(jess.page, before)
            if _matches(milly.page) or _matches(jess.page):
                break
            before = _card(milly.page)
            assert before is not None, "Milly ran out of cards"
            if turn == 0:
                _drag_like(milly.page)
            else:
                milly.page.get_by_role("button", name="Like").click()
            _wait_for_new_card(milly.page, before)
        # Both see the match, pushed, without a reload.
        for who in (jess, milly):
            expect(who.page.locator("#matches .matches-list li")).to_have_count(1, timeout=10_000)
            expect(who.page.locator("#announce")).to_contain_text("It's a match", timeout=10_000)
            assert who.page.evaluate(MARK) is True
        title = jess.page.locator("#matches .matches-list li a").first.inner_text()
        assert title == milly.page.locator("#matches .matches-list li a").first.inner_text()
        assert "Jess" in jess.page.locator("#progress").inner_text()
        milly.visit("swipe-match")
        # Milly accepts it; Jess's page shows it too, still without a reload.
        with milly.page.expect_navigation():
            milly.page.get_by_role("button", name="We'll watch this").click()
        expect(jess.page.locator("#matches")).to_contain_text("You'll watch", timeout=10_000)
        assert jess.page.evaluate(MARK) is True
        jess.visit("swipe-accepted")
    finally:
        outsider.page.context.close()
        milly_context.close()
