"""End to end in a real browser (chromium), two people at once: Jess (a demo friend) invites Sam by
a friend link; Sam, who has no account, signs up through it, accepts, rates films, vetoes a genre,
looks at his picks, downloads his data and deletes his account — every main page on the way passes
the axe audit, has no console error or CSP violation, and is photographed at both widths."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from live_browser import DESKTOP, LivePage
from playwright.sync_api import Browser, expect

from processes import ServedDemo

pytestmark = pytest.mark.browser


@pytest.fixture
def second_page(chromium: Browser, live_demo: ServedDemo) -> Iterator[LivePage]:
    """Another person on another device: a context of its own (no shared cookies)."""
    context = chromium.new_context(viewport=DESKTOP, accept_downloads=True)  # type: ignore[arg-type]
    live = LivePage(context.new_page(), live_demo.base_url, "sam-")
    try:
        yield live
        live.assert_clean()
    finally:
        context.close()


def test_two_friends_meet_rate_and_one_leaves_with_his_data(
    live_page: LivePage, second_page: LivePage, live_demo: ServedDemo
) -> None:
    jess, sam = live_page, second_page

    # Jess makes a friend invite and reads the link off the page.
    jess.log_in("Jess", live_demo.log_ins["Jess"])
    jess.goto("/friends")
    jess.visit("friends")
    jess.page.get_by_role("button", name="Invite a friend").click()
    jess.page.wait_for_load_state()
    expect(jess.page.get_by_role("heading", level=1)).to_have_text("Invite a friend")
    jess.visit("friends-invite")
    link = jess.page.get_by_label("Invite link").input_value()
    assert link.startswith(live_demo.base_url + "/friends/join/")

    # Sam opens it with no account, signs up through it and comes back to accept.
    sam.page.goto(link)
    expect(sam.page.get_by_role("heading", level=1)).to_contain_text("invites you to be friends")
    sam.visit("friend-join-logged-out")
    sam.page.locator("main").get_by_role("link", name="Sign up").click()
    sam.page.get_by_label("Handle").fill("sam")
    sam.page.get_by_label("Display name").fill("Sam <b>the</b> Brave")  # data, never markup
    sam.page.get_by_label("Password").fill("a long enough password")
    with sam.page.expect_navigation():
        sam.page.get_by_role("button", name="Create my account").click()
    assert sam.page.url == link, "sign-up returns to the invite"
    sam.page.get_by_role("button", name="Accept").click()
    sam.page.wait_for_load_state()
    expect(sam.page.locator("main")).to_contain_text("Jess")
    sam.visit("friends-after-accept")
    jess.goto("/friends")
    expect(jess.page.locator("main")).to_contain_text("Sam <b>the</b> Brave")
    assert jess.page.locator("main b").count() == 0

    # Sam finds films and rates them in one tap each.
    rated = []
    for query, stars in (("Miss You Already", "5 stars"), ("Beaches", "4 stars")):
        sam.goto(f"/films?q={query.replace(' ', '+')}")
        sam.page.locator("main a[href*='/films/']").first.click()
        sam.page.wait_for_load_state()
        title = sam.page.get_by_role("heading", level=1).inner_text()
        rated.append(title)
        sam.page.get_by_role("button", name=stars, exact=True).click()
        sam.page.wait_for_load_state()
        expect(sam.page.get_by_role("button", name=stars, exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
    sam.visit("film")
    sam.goto("/films?q=the")
    sam.visit("films-search")

    # He never wants horror offered; his picks follow.
    sam.goto("/settings")
    sam.visit("settings")
    sam.page.get_by_label("Genre", exact=True).select_option("Horror")
    sam.page.get_by_role("button", name="Never offer it").first.click()
    sam.page.wait_for_load_state()
    expect(sam.page.locator("main")).to_contain_text("Horror")
    sam.goto("/picks")
    sam.visit("picks")
    shown = sam.page.locator("ol.picks > li > .pick > a").all_inner_texts()
    answer = sam.page.request.get(sam.url("/api/picks?k=10"))
    assert answer.ok, answer.text()
    picks = answer.json()
    assert [p["title"] for p in picks] == shown[:10] and shown, "the page lists what the API ranks"
    assert all("Horror" not in p["genres"] for p in picks)
    sam.goto("/settings/import")
    sam.visit("import")

    # His data is his: the export holds both ratings, then the account goes.
    sam.goto("/settings")
    with sam.page.expect_download() as download_info:
        sam.page.get_by_role("link", name="Download your ratings, seen films and watchlist").click()
    data = download_info.value.path().read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        ratings = archive.read("ratings.csv").decode()
    for title in rated:
        assert title.split(" (")[0] in ratings
    sam.goto("/settings/delete")
    sam.visit("delete")
    sam.page.get_by_label("Type your handle").fill("sam")
    sam.page.get_by_role("button", name="Delete my account").click()
    sam.page.wait_for_load_state()
    sam.visit("deleted")

    # Gone for Jess too, and his log-in no longer works.
    jess.goto("/friends")
    expect(jess.page.locator("main")).not_to_contain_text("Sam")
    sam.log_in("sam", "a long enough password", refused=True)
