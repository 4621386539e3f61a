"""End to end in a real browser (chromium), three people at once: Jess (a demo friend) invites Sam
by a friend link; Sam, who has no account, signs up through it, accepts, onboards (a few cards),
rates films, vetoes a genre and looks at his picks; Nana joins by another link as a guest with just
a name and rates a film; Jess watches together with both (filters, Sam's veto holds), picks a
film, looks at Sam's friend page; Sam downloads his data and deletes his account — every main page
on the way passes the axe audit, has no console error or CSP violation, and is photographed at
both widths."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from live_browser import DESKTOP, LivePage
from playwright.sync_api import Browser, expect

from processes import ServedDemo

pytestmark = pytest.mark.browser


def _another_device(chromium: Browser, live_demo: ServedDemo, who: str) -> Iterator[LivePage]:
    """Another person on another device: a context of its own (no shared cookies)."""
    context = chromium.new_context(viewport=DESKTOP, accept_downloads=True)  # type: ignore[arg-type]
    live = LivePage(context.new_page(), live_demo.base_url, f"{who}-")
    try:
        yield live
        live.assert_clean()
    finally:
        context.close()


@pytest.fixture
def second_page(chromium: Browser, live_demo: ServedDemo) -> Iterator[LivePage]:
    yield from _another_device(chromium, live_demo, "sam")


@pytest.fixture
def third_page(chromium: Browser, live_demo: ServedDemo) -> Iterator[LivePage]:
    yield from _another_device(chromium, live_demo, "guest")


def test_two_friends_meet_rate_and_one_leaves_with_his_data(
    live_page: LivePage, second_page: LivePage, third_page: LivePage, live_demo: ServedDemo
) -> None:
    jess, sam, guest = live_page, second_page, third_page

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

    # Sam teaches reelmates his taste: a few cards, a tap each (stars, or "haven't seen it").
    sam.goto("/")
    sam.page.get_by_role("link", name="Rate 20 films to start").click()
    sam.page.wait_for_load_state()
    sam.visit("onboarding")
    shown = []
    for answer in ("4 stars", "Haven't seen it", "5 stars", "2 stars", "Haven't seen it"):
        shown.append(sam.page.locator("main h2 a").first.inner_text())
        sam.page.get_by_role("button", name=answer, exact=True).click()
        sam.page.wait_for_load_state()
    assert len(set(shown)) == len(shown), f"a card came twice: {shown}"
    assert sam.page.get_by_label("Cards answered").get_attribute("value") == "5"

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

    # A guest joins by another of Jess's links with just a name.
    jess.goto("/friends")
    jess.page.get_by_role("button", name="Invite a friend").click()
    jess.page.wait_for_load_state()
    guest_link = jess.page.get_by_label("Invite link").input_value()
    guest.page.goto(guest_link)
    guest.page.locator("main").get_by_role("link", name="Join as a guest").click()
    guest.page.wait_for_load_state()
    guest.visit("guest-join")
    guest.page.get_by_label("Your name").fill("Nana")
    with guest.page.expect_navigation():
        guest.page.get_by_role("button", name="Join as a guest").click()
    guest.goto("/films?q=Beaches")
    guest.page.locator("main a[href*='/films/']").first.click()
    guest.page.wait_for_load_state()
    guest.page.get_by_role("button", name="5 stars", exact=True).click()
    guest.page.wait_for_load_state()
    guest.goto("/")
    guest.visit("home-guest")

    # Jess watches together with Sam and Nana: filters, Sam's horror veto holds, they pick one.
    jess.goto("/together")
    jess.visit("together-empty")
    jess.page.get_by_label("Sam <b>the</b> Brave").check()
    jess.page.get_by_label("Nana").check()
    jess.page.get_by_role("button", name="Show films").click()
    jess.page.wait_for_load_state()
    expect(jess.page.get_by_role("heading", level=2).first).to_contain_text("Nana")
    jess.page.locator("details.filters summary, details summary").first.click()
    jess.page.get_by_label("At most (minutes)").fill("130")
    jess.page.get_by_role("button", name="Show films").click()
    jess.page.wait_for_load_state()
    rows = jess.page.locator("ol.together > li")
    assert rows.count() > 0
    notes = rows.locator("p.note").all_inner_texts()
    assert not any("Horror" in n for n in notes), notes
    jess.visit("together")
    first = rows.first.locator("h3 a").inner_text()
    rows.first.get_by_role("button", name="We'll watch this").click()
    jess.page.wait_for_load_state()
    expect(jess.page.locator("main")).to_contain_text(f"we'll watch {first}")
    expect(jess.page.get_by_role("region", name="Recent picks")).to_contain_text(first)

    # Jess looks at how her taste and Sam's compare, and at a film with "who to see it with".
    jess.goto("/friends")
    jess.page.get_by_role("link", name="Sam <b>the</b> Brave").first.click()
    jess.page.wait_for_load_state()
    jess.visit("friend")
    jess.goto("/settings/password")
    jess.visit("password")

    # Sam was the first to sign up after the demo, so he runs this server: he disables the
    # guest's account, and her next page asks her to log in. Jess is no operator.
    sam.goto("/admin/accounts")
    sam.visit("admin-accounts")
    nana_row = sam.page.get_by_role("row").filter(has_text="Nana")
    expect(nana_row).to_contain_text("guest")
    sam.page.once("dialog", lambda dialog: dialog.accept())
    nana_row.get_by_role("button", name="Disable").click()
    sam.page.wait_for_load_state()
    expect(sam.page.get_by_role("row").filter(has_text="Nana")).to_contain_text("disabled")
    guest.goto("/picks")
    expect(guest.page.get_by_role("heading", level=1)).to_have_text("Log in")
    answer = jess.page.request.get(jess.url("/admin/accounts"))
    assert answer.status in (403, 404), answer.status

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
