"""The whole story in a real browser (chromium) against ``reelmates demo`` served as a real
process: Jess starts a swipe session from watch together with Milly (Milly on a phone); a guest
opens the join link the room's QR code encodes and joins with just a name. All three swipe (arrow
keys, buttons); midway the server is stopped with Ctrl-C and started again on the same port and
home, and the session goes on where it was (the same counts, the swipes kept, the open pages'
event streams reconnect by themselves: no reload). All three see the match pushed, without
reloading; Milly accepts it; its "Plan the night" link leads Jess to the plan form. She proposes
three times at a cinema, everyone answers the poll, she fixes the best time, they RSVP; Milly's
.ics download and her private feed (fetched with no cookie) are read back by a second parser
(vobject): METHOD PUBLISH, the UID, SEQUENCE, DTSTART on London's clock, the reminder. Jess moves
the night: the feed's SEQUENCE grows and its DTSTART follows. Then the server is restarted with
its nights' clock five days on (``REELMATES_NIGHT_CLOCK_SHIFT_MINUTES``): the night is over, each
member rates the film from the night's page (not offered before), and Jess's picks change, her
own and hers with Milly (re-ranked; the film they rated suggested in neither).

Every step is screenshot at desktop and phone width; the plan form, the night's page (poll,
fixed, after) and the feed's page pass the axe audit; no page logs a console error or CSP
violation, except the event streams cut by the server stopping and their retries while it is down.

Times are proposed in Europe/London, 2 and 3 days from now (its dates) at 20:00, 21:30, 19:00.
"""

from __future__ import annotations

import contextlib
import re
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import segno
import vobject
from live_browser import DESKTOP, PHONE, LivePage
from playwright.sync_api import Browser, Page, expect

from processes import ServedDemo, free_port, served_demo

pytestmark = pytest.mark.browser
MAX_TURNS = 30
MARK = "window.reelmatesStayed"  # set once: a reload would clear it
LONDON = ZoneInfo("Europe/London")
DAY1 = (datetime.now(UTC) + timedelta(days=2)).astimezone(LONDON).date()
DAY2 = DAY1 + timedelta(days=1)
TIMES = (f"{DAY1}T20:00", f"{DAY1}T21:30", f"{DAY2}T19:00")
SHIFT_MINUTES = 5 * 24 * 60  # every proposed time, and the film after it, is over by then
# The event stream cut by the server stopping, and its retries while the server is down.
REFUSED = (
    r"/api/swipe/\d+/events\?after=\d+\): Failed to load resource: "
    r"net::ERR_(CONNECTION_REFUSED|INCOMPLETE_CHUNKED_ENCODING)$"
)
_SVG_STEP = re.compile(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?")


def _utc(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=LONDON).astimezone(UTC)


# --- the served demo, restartable on the same port and home ------------------------------------


class Server:
    """``reelmates demo`` in one home on one port, stopped (Ctrl-C) and started again at will."""

    def __init__(self, home: Path) -> None:
        self.home, self.port = home, free_port()
        self._stack = contextlib.ExitStack()
        self.served: ServedDemo | None = None

    def start(self, **env: str) -> ServedDemo:
        self.served = self._stack.enter_context(served_demo(self.home, port=self.port, **env))
        return self.served

    def stop(self) -> None:  # served_demo checks it stopped cleanly ("reelmates stopped.", 0)
        self._stack.close()
        self._stack = contextlib.ExitStack()
        self.served = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "home")
    running.home.mkdir()
    try:
        yield running
    finally:
        running.stop()


# --- the swipe room --------------------------------------------------------------------------


def _card(page: Page) -> str | None:
    found: str | None = page.evaluate(
        "() => document.getElementById('swipe-card')?.dataset.film ?? null"
    )
    return found


def _matched(*pages: LivePage) -> bool:
    return any(p.page.locator("#matches .matches-list li").count() for p in pages)


def _counts(page: Page) -> list[tuple[str, str]]:
    rows = page.locator("#progress li")
    return [
        (str(rows.nth(i).get_attribute("data-handle")), rows.nth(i).locator(".count").inner_text())
        for i in range(rows.count())
    ]


def _swipe(who: LivePage, how: str) -> None:
    """One swipe on the card shown: ``like-key``, ``pass-key``, ``like`` or ``pass`` (buttons);
    waits for the next card (or a match)."""
    page = who.page
    before = _card(page)
    assert before is not None, "out of cards"
    if how == "like-key":
        page.keyboard.press("ArrowRight")
    elif how == "pass-key":
        page.keyboard.press("ArrowLeft")
    else:
        page.get_by_role("button", name="Like" if how == "like" else "Pass").click()
    page.wait_for_function(
        "before => (document.getElementById('swipe-card')?.dataset.film ?? null) !== before"
        " || document.querySelector('#matches .matches-list li')",
        arg=before,
        timeout=10_000,
    )


def _qr_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules (column, row; the quiet zone counted) of a QR code drawn as segno draws
    one in SVG: one path of horizontal runs, ``M``/``m`` moves and ``h`` lines."""
    path = re.search(r'class="qrline"[^>]* d="([^"]+)"', svg)
    assert path, svg[:200]
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for step, a, b in _SVG_STEP.findall(path.group(1)):
        if step == "M":
            x, y = float(a), float(b)
        elif step == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark |= {(int(x) + i, int(y)) for i in range(int(a))}
            x += float(a)
    return dark


def _encodes(svg: str, link: str, border: int = 2) -> bool:
    """Whether the QR code drawn in ``svg`` is the one of ``link``."""
    matrix = segno.make(link, error="m").matrix
    expected = {
        (col + border, row + border)
        for row, line in enumerate(matrix)
        for col, module in enumerate(line)
        if module
    }
    return _qr_modules(svg) == expected


# --- the night -------------------------------------------------------------------------------


def _calendar(text: str) -> Any:
    parsed = vobject.readOne(text)
    assert parsed.method.value == "PUBLISH"
    return parsed


def _fetch(url: str) -> str:
    """``url`` as a calendar app fetches it: no cookie, no log-in."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
        text: str = answer.read().decode()
    return text


def _picks(who: LivePage) -> list[int]:
    """Their own picks, best first (the API of the "For you" page)."""
    answer = who.page.context.request.get(who.url("/api/picks?k=10"))
    assert answer.ok, answer.text()
    return [int(p["id"]) for p in answer.json()]


def _together(who: LivePage, friend: str) -> list[int]:
    """The films watch together suggests for them and ``friend``, best first."""
    answer = who.page.context.request.get(who.url(f"/api/together?with={friend}"))
    assert answer.ok, answer.text()
    return [int(p["id"]) for p in answer.json()["picks"]]


def test_three_swipe_through_a_restart_to_a_match_plan_the_night_and_rate_it_after(
    server: Server, chromium: Browser
) -> None:
    served = server.start()
    log_ins = dict(served.log_ins)
    contexts = [
        chromium.new_context(viewport=DESKTOP),  # type: ignore[arg-type]
        chromium.new_context(viewport=PHONE, has_touch=True),  # type: ignore[arg-type]
        chromium.new_context(viewport=DESKTOP),  # type: ignore[arg-type]
    ]
    jess, milly, guest = (LivePage(c.new_page(), served.base_url, "night-") for c in contexts)
    everyone = (jess, milly, guest)
    try:
        # --- Jess starts the session; the guest joins by the QR code's link ----------------
        jess.log_in("Jess", log_ins["Jess"])
        jess.goto("/together?with=Milly")
        with jess.page.expect_navigation():
            jess.page.get_by_role("button", name="Swipe together").click()
        room_url = jess.page.url
        link = jess.page.get_by_label("Join link").input_value()
        qr = jess.page.get_by_role("img", name="QR code of the join link")
        assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
        drawn = jess.page.context.request.get(jess.url(qr.get_attribute("src") or "?")).text()
        assert _encodes(drawn, link), "the QR code is not the join link's"
        assert not _encodes(drawn, link + "x")

        milly.log_in("Milly", log_ins["Milly"])
        milly.page.goto(room_url)
        milly.assert_clean()

        guest.page.goto(link)
        guest.assert_clean()
        guest.screenshots("join")
        guest.page.get_by_label("Your name").fill("Sam")
        with guest.page.expect_navigation():
            guest.page.get_by_role("button", name="Join as a guest").click()
        assert guest.page.url == room_url
        for who in everyone:
            expect(who.page.locator("#progress li")).to_have_count(3, timeout=10_000)
            who.page.evaluate(f"{MARK} = true")
        jess.screenshots("swipe")

        # --- a swipe each (Milly passes: no match yet), then the server restarts -----------
        _swipe(jess, "like-key")
        _swipe(milly, "pass")
        _swipe(guest, "like")
        for who in everyone:
            expect(who.page.locator("#progress .count")).to_have_text(["1", "1", "1"])
        assert not _matched(*everyone)
        cards = [_card(who.page) for who in everyone]
        counts = _counts(jess.page)

        server.stop()
        served = server.start()
        assert "reelmates stopped." not in served.output()  # a new process's log

        # The swipes were kept: the room as the new process draws it is the room as it was.
        fresh = jess.page.context.request.get(room_url).text()
        assert re.findall(r'data-handle="([^"]+)"', fresh) == [h for h, _ in counts]
        assert re.findall(r'<span class="count">(\d+)</span>', fresh) == ["1", "1", "1"]
        assert f'data-film="{cards[0]}"' in fresh  # Jess's next card, the same
        # The pages reconnect by themselves: Jess's next swipe reaches the others, pushed.
        _swipe(jess, "like-key")
        for who in (milly, guest):
            expect(who.page.locator("#progress .count")).to_have_text(["2", "1", "1"])
        assert [_card(who.page) for who in (milly, guest)] == cards[1:]  # where they were
        for who in everyone:
            assert who.page.evaluate(MARK) is True  # never reloaded
            dropped = who.forgive(REFUSED)  # the stream cut, and its retries while down
            assert 1 <= dropped <= 60, dropped
            who.assert_clean()

        # --- everyone likes until a match, which all three see without reloading -----------
        ways = [(milly, "like"), (guest, "like-key"), (jess, "like")]
        for _turn in range(MAX_TURNS):
            if _matched(*everyone):
                break
            for who, how in ways:
                if _matched(*everyone):
                    break
                _swipe(who, how)
        for who in everyone:
            expect(who.page.locator("#matches .matches-list li")).to_have_count(1, timeout=10_000)
            expect(who.page.locator("#announce")).to_contain_text("It's a match", timeout=10_000)
            assert who.page.evaluate(MARK) is True
        title = jess.page.locator("#matches .matches-list li a").first.inner_text()
        milly.screenshots("match")
        milly.page.set_viewport_size(PHONE)

        with milly.page.expect_navigation():
            milly.page.get_by_role("button", name="We'll watch this").click()
        for who in (jess, guest):
            expect(who.page.locator("#matches")).to_contain_text("You'll watch", timeout=10_000)
            assert who.page.evaluate(MARK) is True
        plan_link = jess.page.get_by_role("link", name="Plan the night")
        href = plan_link.get_attribute("href") or ""
        assert href.startswith("/together/picks/") and href.endswith("/night"), href

        # --- Jess plans the night: three times, at a cinema --------------------------------
        with jess.page.expect_navigation():
            plan_link.click()
        jess.assert_clean()
        intro = jess.page.locator("main p").first.inner_text()
        assert title in intro and "with Milly and Sam." in intro  # the others: not Jess
        jess.visit("plan")
        for number, local in enumerate(TIMES, start=1):
            jess.page.locator(f"#time-{number}").fill(local)
        jess.page.get_by_label("In the time zone").select_option("Europe/London")
        jess.page.get_by_label("At a cinema").check()
        jess.page.get_by_label("Which home or cinema").fill("The Electric")
        with jess.page.expect_navigation():
            jess.page.get_by_role("button", name="Ask everyone").click()
        night_path = jess.page.url.removeprefix(served.base_url)
        assert night_path.startswith("/nights/"), night_path
        jess.assert_clean()

        # --- the poll: yes / if need be / no (a list of pairs, not a dict of pages) --------
        votes = [
            (jess, ("Yes", "Yes", "If need be")),
            (milly, ("No", "Yes", "If need be")),
            (guest, ("Yes", "If need be", "No")),
        ]
        for who, answers in votes:
            who.goto(night_path)
            polls = who.page.locator("fieldset.poll")
            expect(polls).to_have_count(3)
            for number, answer in enumerate(answers):
                polls.nth(number).get_by_label(answer, exact=True).check()
            with who.page.expect_navigation():
                who.page.get_by_role("button", name="Send my answers").click()
            who.assert_clean()
        jess.goto(night_path)
        best = jess.page.locator("fieldset.poll").nth(1)
        expect(best.locator(".badge")).to_have_text("best so far")
        expect(best).to_contain_text("2 yes · 1 if need be · 0 no")
        jess.visit("poll")

        # --- Jess fixes the best time; everyone RSVPs --------------------------------------
        fix = jess.page.locator("#fix-time")
        assert "21:30" in fix.locator("option:checked").inner_text()  # the best, chosen already
        with jess.page.expect_navigation():
            jess.page.get_by_role("button", name="Fix this time").click()
        jess.assert_clean()
        for who, answer in ((jess, "Yes"), (milly, "Yes"), (guest, "Maybe")):
            who.goto(night_path)
            with who.page.expect_navigation():
                who.page.get_by_role("button", name=answer, exact=True).click()
            who.assert_clean()
        jess.goto(night_path)
        facts = jess.page.locator("dl.facts").inner_text()
        assert "21:30" in facts and "Europe/London" in facts and "The Electric" in facts
        assert facts.count("(Coming)") == 2 and facts.count("(Maybe)") == 1
        over = jess.page.get_by_role("heading", name="The night is over: rate the film")
        expect(over).to_have_count(0)  # not before the night has happened
        expect(jess.page.locator("form.stars")).to_have_count(0)
        jess.visit("fixed")

        # --- Milly's .ics, read back by vobject ---------------------------------------------
        milly.goto(night_path)
        with milly.page.expect_download() as downloading:
            milly.page.get_by_role("link", name="Add to your calendar (.ics)").click()
        ics = Path(downloading.value.path()).read_text()
        event = _calendar(ics).vevent
        uid = event.uid.value
        assert int(event.sequence.value) == 1 and event.status.value == "CONFIRMED"
        start = event.dtstart.value
        assert start.astimezone(UTC) == _utc(TIMES[1])
        assert (start.hour, start.minute, str(start.tzinfo)) == (21, 30, "Europe/London")
        assert event.valarm.trigger.value == timedelta(hours=-1)
        assert title.split(" (")[0] in event.summary.value
        assert "The Electric" in event.location.value

        # --- her private feed, fetched without a cookie ------------------------------------
        milly.goto("/settings")
        with milly.page.expect_navigation():
            milly.page.get_by_role("button", name="Make my feed address").click()
        feed_url = milly.page.get_by_label("Feed address").input_value()
        milly.visit("feed")
        milly.page.set_viewport_size(PHONE)
        (fed,) = _calendar(_fetch(feed_url)).vevent_list
        assert (fed.uid.value, int(fed.sequence.value)) == (uid, 1)

        # --- Jess moves the night: the feed's SEQUENCE grows, its DTSTART follows ----------
        jess.goto(night_path)
        jess.page.get_by_label("To another proposed time").select_option(index=1)  # 19:00
        with jess.page.expect_navigation():
            jess.page.get_by_role("button", name="Move it").click()
        jess.assert_clean()
        (moved,) = _calendar(_fetch(feed_url)).vevent_list
        assert moved.uid.value == uid and int(moved.sequence.value) > int(fed.sequence.value)
        assert moved.dtstart.value.astimezone(UTC) == _utc(TIMES[2])
        facts = jess.page.locator("dl.facts").inner_text()
        assert "19:00" in facts and facts.count("(not answered)") == 3  # asked again

        # --- after the night: the server's nights' clock five days on -----------------------
        server.stop()
        served = server.start(REELMATES_NIGHT_CLOCK_SHIFT_MINUTES=str(SHIFT_MINUTES))
        picks_before, together_before = _picks(jess), _together(jess, "Milly")
        assert _picks(jess) == picks_before  # nothing but a rating moves them
        rated: list[tuple[LivePage, str]] = [(jess, "4.5"), (milly, "3"), (guest, "5")]
        for number, (who, stars) in enumerate(rated):
            who.goto(night_path)
            heading = who.page.get_by_role("heading", name="The night is over: rate the film")
            expect(heading).to_be_visible()
            if number == 0:
                who.visit("rate-after")
            star = who.page.get_by_role("button", name=f"{stars} stars for {title}", exact=True)
            with who.page.expect_navigation():
                star.click()
            who.assert_clean()
            expect(who.page.get_by_role("heading", name="How everyone rated it")).to_be_visible()
        jess.goto(night_path)
        ratings = jess.page.locator("#ratings-heading + ul").inner_text()
        assert "4.5★" in ratings and "3★" in ratings and "5★" in ratings
        jess.visit("rated")

        picks_after = _picks(jess)
        film_href = jess.page.locator("dl.facts a").first.get_attribute("href") or ""
        film_id = int(film_href.rstrip("/").rsplit("/", 1)[1])
        together_after = _together(jess, "Milly")
        # Jess's own picks re-rank (her rating counts at once) and so do hers with Milly; the
        # film they have both seen now is suggested in neither.
        assert picks_after != picks_before and together_after != together_before
        assert film_id not in picks_after and film_id not in together_after
        for who in everyone:
            who.assert_clean()
    finally:
        for context in contexts:
            context.close()
