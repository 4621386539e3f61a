"""Film nights in the browser (TestClient, CSRF forms) and over the API, on the demo (starter
catalog, a trained model, once for the module), with new members who befriend each other: plan
the night from a recent pick, the poll, fixing and moving the time, RSVPs, the .ics and the
feed read back by a second parser (vobject), who may see and do what, bad input refused with a
reason, rating the film afterwards (the clock moved by the one clock dependency) and seeing the
picks change at once, the history with privacy, and e-mail through a real SMTP server.

Times are proposed in Europe/London, 30 and 31 days from now at 20:00 and 21:30 local time.
"""

from __future__ import annotations

import email
import email.policy
import html
import itertools
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject
from fastapi import FastAPI
from fastapi.testclient import TestClient
from test_web_security import _Page
from web_browsers import Browser

from reelmates.services.starter import seed_starter_catalog
from reelmates.web.night_deps import night_clock
from smtp_inbox import smtp_server

_n = itertools.count()
LONDON = ZoneInfo("Europe/London")
DAY1 = (datetime.now(UTC) + timedelta(days=30)).astimezone(LONDON).date()
DAY2 = DAY1 + timedelta(days=1)
T1, T2 = f"{DAY1.isoformat()}T20:00", f"{DAY2.isoformat()}T21:30"
_NIGHT = re.compile(r"^/nights/(\d+)$")


def _utc(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def people(trained_app: FastAPI) -> Iterator[Callable[[str], Browser]]:
    clients: list[TestClient] = []

    def make(name: str) -> Browser:
        client = TestClient(trained_app)
        clients.append(client)
        browser = Browser(client)
        assert browser.sign_up(f"{name}{next(_n)}", display_name=name.title()).status_code == 303
        return browser

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def clock(trained_app: FastAPI) -> Iterator[Callable[[datetime], None]]:
    """Move the nights' clock (the one dependency their routes read the time from)."""

    def move(to: datetime) -> None:
        trained_app.dependency_overrides[night_clock] = lambda: to

    yield move
    trained_app.dependency_overrides.pop(night_clock, None)


def handle(browser: Browser) -> str:
    me: str = browser.get("/api/me").json()["handle"]
    return me


def befriend(a: Browser, b: Browser) -> None:
    url = a.api_post("/api/friends/invites").json()["url"]
    assert b.api_post("/api/friends/accept", {"token": url.rsplit("/", 1)[1]}).status_code == 200


def film_id(browser: Browser, title: str) -> int:
    hits = browser.get("/api/films", params={"q": title}).json()
    return int(next(h["id"] for h in hits if h["title"] == title))


def pick(chooser: Browser, title: str, *friends: Browser) -> int:
    body = {"film_id": film_id(chooser, title), "with": [handle(f) for f in friends]}
    made = chooser.api_post("/api/together/picks", body)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def plan(organiser: Browser, pick_id: int, **data: Any) -> int:
    form = {"times": [T1, T2], "time_zone": "Europe/London", "place_kind": "home", "place": "Ann's"}
    done = organiser.submit(
        f"/together/picks/{pick_id}/night", f"/together/picks/{pick_id}/night", form | data
    )
    assert done.status_code == 303, done.text
    found = _NIGHT.match(done.headers["location"])
    assert found, done.headers["location"]
    return int(found.group(1))


def api_put(browser: Browser, path: str, json: object) -> Any:
    return browser.client.put(path, json=json, headers={"X-CSRF-Token": browser.api_csrf()})


def night(browser: Browser, night_id: int) -> dict[str, Any]:
    found = browser.get(f"/api/nights/{night_id}")
    assert found.status_code == 200, found.text
    data: dict[str, Any] = found.json()
    return data


def calendar(text: str) -> Any:
    parsed = vobject.readOne(text)
    assert parsed.method.value == "PUBLISH"
    return parsed


@pytest.fixture
def trio(people: Callable[[str], Browser]) -> tuple[Browser, Browser, Browser]:
    ann, bob, cat = people("ann"), people("bob"), people("cat")
    befriend(ann, bob)
    return ann, bob, cat


# --- the plan, from a pick to the calendar ---------------------------------------------------


def test_plan_the_night_from_a_pick_vote_fix_rsvp_move_and_the_ics_follows(
    trio: tuple[Browser, Browser, Browser],
) -> None:
    ann, bob, _ = trio
    pick_id = pick(ann, "Heat", bob)
    together = bob.get("/together").text
    assert f'href="/together/picks/{pick_id}/night">Plan the night' in together
    form = bob.get(f"/together/picks/{pick_id}/night").text
    assert re.search(r"</a> \(\d{4}\) with Ann\. Propose", form)  # the others: not Bob himself
    night_id = plan(bob, pick_id)  # Bob was there: he may plan it (and organises it)
    assert f'href="/nights/{night_id}">See the night' in ann.get("/together").text

    data = night(ann, night_id)
    assert data["status"] == "planning" and data["sequence"] == 0
    assert [t["starts_at"] for t in data["times"]] == [
        _utc(T1).isoformat().replace("+00:00", "Z"),
        _utc(T2).isoformat().replace("+00:00", "Z"),
    ]
    assert [m["handle"] for m in data["members"]] == [handle(bob), handle(ann)]
    assert data["organiser"]["handle"] == handle(bob) and data["chooser"]["handle"] == handle(ann)
    first, second = (t["id"] for t in data["times"])

    page = ann.get(f"/nights/{night_id}").text
    assert "Which times suit you?" in page and "Fix the time" not in page  # Ann is no organiser
    votes = {f"time-{first}": "no", f"time-{second}": "yes"}
    assert ann.submit(f"/nights/{night_id}", f"/nights/{night_id}/poll", votes).status_code == 303
    assert (
        bob.submit(
            f"/nights/{night_id}", f"/nights/{night_id}/poll", {f"time-{second}": "if-need-be"}
        ).status_code
        == 303
    )
    data = night(bob, night_id)
    assert [(t["yes"], t["if_need_be"], t["no"], t["best"]) for t in data["times"]] == [
        (0, 0, 1, False),
        (1, 1, 0, True),
    ]
    assert "Fix the time" in bob.get(f"/nights/{night_id}").text
    assert ann.get(f"/nights/{night_id}/night.ics").status_code == 409  # no time yet

    fixed = bob.submit(f"/nights/{night_id}", f"/nights/{night_id}/time", {"time_id": str(second)})
    assert fixed.status_code == 303
    assert (
        ann.submit(f"/nights/{night_id}", f"/nights/{night_id}/rsvp", {"answer": "yes"}).status_code
        == 303
    )
    data = night(ann, night_id)
    assert (data["status"], data["sequence"], data["my_rsvp"]) == ("fixed", 1, "yes")
    assert data["calendar"] == f"/nights/{night_id}/night.ics"

    download = ann.get(f"/nights/{night_id}/night.ics")
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/calendar; charset=utf-8"
    assert download.headers["content-disposition"] == f'attachment; filename="night-{night_id}.ics"'
    event = calendar(download.text).vevent
    uid = event.uid.value
    assert int(event.sequence.value) == 1 and event.status.value == "CONFIRMED"
    assert event.dtstart.value.astimezone(UTC) == _utc(T2)
    assert (event.dtstart.value.hour, event.dtstart.value.minute) == (21, 30)  # London's clock
    assert event.dtend.value - event.dtstart.value == timedelta(minutes=170)  # Heat's runtime
    assert event.valarm.trigger.value == timedelta(hours=-1)
    assert event.url.value == f"http://testserver/nights/{night_id}"
    assert event.location.value == "At home (Ann's)"

    moved = bob.submit(f"/nights/{night_id}", f"/nights/{night_id}/time", {"time_id": str(first)})
    assert moved.status_code == 303
    again = calendar(ann.get(f"/nights/{night_id}/night.ics").text).vevent
    assert (again.uid.value, int(again.sequence.value)) == (uid, 2)
    assert again.dtstart.value.astimezone(UTC) == _utc(T1)
    assert night(ann, night_id)["my_rsvp"] is None  # asked again for the new time


def test_only_members_see_a_night_and_only_its_organiser_organises(
    trio: tuple[Browser, Browser, Browser],
) -> None:
    ann, bob, cat = trio
    night_id = plan(ann, pick(ann, "Heat", bob))
    time_id = night(ann, night_id)["times"][0]["id"]
    for path in (f"/nights/{night_id}", f"/api/nights/{night_id}", f"/nights/{night_id}/night.ics"):
        refused = cat.get(path)
        assert refused.status_code == 404, path
        assert "no night of yours has id" in html.unescape(refused.text).lower()
    nobody = ann.get("/api/nights/999999")
    assert nobody.status_code == 404 and nobody.json()["error"] == "no night of yours has id 999999"
    vote = cat.submit("/", f"/nights/{night_id}/poll", {f"time-{time_id}": "yes"})
    assert vote.status_code == 404
    assert cat.api_post(f"/api/nights/{night_id}/time", {"time_id": time_id}).status_code == 404

    page = bob.submit(f"/nights/{night_id}", f"/nights/{night_id}/time", {"time_id": str(time_id)})
    assert page.status_code == 403 and "Only the night&#39;s organiser can do this." in page.text
    api = bob.api_post(f"/api/nights/{night_id}/cancel")
    assert (
        api.status_code == 403 and api.json()["error"] == "only the night's organiser can do this"
    )
    assert (
        api_put(
            bob, f"/api/nights/{night_id}/place", {"place_kind": "home", "place": "x"}
        ).status_code
        == 403
    )
    assert night(bob, night_id)["sequence"] == 0  # nothing changed

    no_token = bob.client.post(f"/nights/{night_id}/rsvp", data={"answer": "yes"})
    assert no_token.status_code == 403 and "CSRF" in no_token.text
    listed = cat.get("/api/nights").json()
    assert listed == {"planning": [], "upcoming": [], "to_rate": []}


def test_bad_input_is_refused_with_a_reason_on_the_page_and_in_the_api(
    trio: tuple[Browser, Browser, Browser],
) -> None:
    ann, bob, _ = trio
    pick_id = pick(ann, "Heat", bob)
    form_page = f"/together/picks/{pick_id}/night"

    def refused(data: dict[str, Any]) -> str:
        base = {"times": [T1, T2], "time_zone": "Europe/London", "place_kind": "home", "place": ""}
        done = ann.submit(form_page, form_page, base | data)
        assert done.status_code == 422, done.text
        return html.unescape(done.text)

    assert "Propose 2 to 5 times; 1 was given." in refused({"times": [T1, ""]})
    six = [f"{(DAY1 + timedelta(days=d)).isoformat()}T20:00" for d in range(6)]
    assert "Propose 2 to 5 times; 6 were given." in refused({"times": six})
    shown = refused({"time_zone": "Mars/Olympus"})
    assert "'Mars/Olympus' is not a time zone this server knows." in shown
    assert f'value="{T1}"' in shown  # the form keeps what was typed
    assert "'tomorrow' is not a date and time." in refused({"times": ["tomorrow", T2]})
    assert "Name the cinema." in refused({"place_kind": "cinema"})
    assert ann.get("/api/nights").json()["planning"] == []  # nothing was written

    api = ann.api_post(
        "/api/nights", {"pick_id": pick_id, "times": six, "time_zone": "Europe/London"}
    )
    assert api.status_code == 422 and api.json()["error"] == "propose 2 to 5 times; 6 were given"
    api = ann.api_post("/api/nights", {"pick_id": pick_id, "times": [T1], "time_zone": "UTC"})
    assert api.json()["error"] == "propose 2 to 5 times; 1 was given"
    api = ann.api_post(
        "/api/nights", {"pick_id": pick_id, "times": [T1, T2], "time_zone": "Nowhere"}
    )
    assert api.status_code == 422 and "'Nowhere' is not a time zone" in api.json()["error"]

    made = ann.api_post(
        "/api/nights", {"pick_id": pick_id, "times": [T1, T2], "time_zone": "Europe/London"}
    )
    assert made.status_code == 201
    night_id = made.json()["id"]
    page = ann.submit(f"/nights/{night_id}", f"/nights/{night_id}/time", {"time_id": "987654"})
    assert page.status_code == 422
    assert "Time 987654 is not one of this night&#39;s proposed times." in page.text
    api = ann.api_post(f"/api/nights/{night_id}/time", {"time_id": 987654})
    assert api.status_code == 422
    assert api.json()["error"] == "time 987654 is not one of this night's proposed times"
    rsvp = api_put(bob, f"/api/nights/{night_id}/rsvp", {"answer": "yes"})
    assert rsvp.status_code == 409 and rsvp.json()["error"].startswith("the time is not fixed yet")
    wrong = api_put(bob, f"/api/nights/{night_id}/rsvp", {"answer": "perhaps"})
    assert wrong.status_code == 422
    assert (
        ann.api_post(
            "/api/nights", {"pick_id": 999999, "times": [T1, T2], "time_zone": "UTC"}
        ).status_code
        == 404
    )


# --- afterwards ------------------------------------------------------------------------------


def test_after_the_night_the_film_is_rated_where_asked_and_the_picks_change_at_once(
    trio: tuple[Browser, Browser, Browser], clock: Callable[[datetime], None]
) -> None:
    ann, bob, _ = trio
    private = bob.client.patch(
        "/api/me/settings", json={"private": True}, headers={"X-CSRF-Token": bob.api_csrf()}
    )
    assert private.status_code == 200
    night_id = plan(ann, pick(ann, "Beaches", bob))
    time_id = night(ann, night_id)["times"][0]["id"]
    assert ann.api_post(f"/api/nights/{night_id}/time", {"time_id": time_id}).status_code == 200
    before = ann.get("/api/picks?k=5").json()
    assert [p["reason"]["kind"] for p in before] == ["no-ratings"] * 5  # Ann has rated nothing

    clock(_utc(T1) + timedelta(hours=1))  # Beaches is still on
    assert "How was the film?" not in ann.get("/").text
    early = ann.api_post(f"/api/nights/{night_id}/rating", {"stars": 5})
    assert early.status_code == 409 and "has not happened yet" in early.json()["error"]

    clock(_utc(T1) + timedelta(hours=4))
    home = ann.get("/").text
    assert "How was the film?" in home
    assert f'action="/nights/{night_id}/rating"' in home
    assert [n["id"] for n in ann.get("/api/nights").json()["to_rate"]] == [night_id]
    assert "The night is over: rate the film" in ann.get(f"/nights/{night_id}").text
    rated = ann.submit("/", f"/nights/{night_id}/rating", {"stars": "5"})
    assert rated.status_code == 303 and rated.headers["location"] == f"/nights/{night_id}"
    assert "How was the film?" not in ann.get("/").text
    assert ann.get("/api/nights").json()["to_rate"] == []

    after = ann.get("/api/picks?k=5").json()
    beaches = film_id(ann, "Beaches")
    assert beaches not in [p["id"] for p in after]  # seen now
    assert any(p["reason"]["text"] == "like Beaches, which you loved" for p in after)

    assert (
        api_put(bob, f"/api/nights/{night_id}/rsvp", {"answer": "yes"}).status_code == 409
    )  # over
    assert bob.api_post(f"/api/nights/{night_id}/rating", {"stars": 2}).status_code == 200
    history = ann.get("/api/nights/history").json()
    assert [n["id"] for n in history] == [night_id]
    assert [(r["handle"], r["stars"], r["hidden"]) for r in history[0]["ratings"]] == [
        (handle(ann), 5.0, False),
        (handle(bob), None, True),  # Bob keeps his taste private
    ]
    page = ann.get("/nights/history").text
    assert "Ann: 5★" in page and "Bob: private" in page and "2★" not in page
    assert "Bob: 2★" in bob.get("/nights/history").text  # his own, to him
    assert history[0]["chooser"]["handle"] == handle(ann)


def test_a_member_who_did_not_watch_says_so_and_is_asked_no_more(
    trio: tuple[Browser, Browser, Browser], clock: Callable[[datetime], None]
) -> None:
    ann, bob, _ = trio
    night_id = plan(ann, pick(ann, "Heat", bob))
    time_id = night(ann, night_id)["times"][1]["id"]
    assert ann.api_post(f"/api/nights/{night_id}/time", {"time_id": time_id}).status_code == 200
    clock(_utc(T2) + timedelta(days=1))
    assert [n["id"] for n in bob.get("/api/nights").json()["to_rate"]] == [night_id]
    assert bob.submit("/", f"/nights/{night_id}/rating/skip", {}).status_code == 303
    assert bob.get("/api/nights").json()["to_rate"] == []
    assert [n["id"] for n in ann.get("/api/nights").json()["to_rate"]] == [night_id]


# --- the feed and the calendar settings ------------------------------------------------------


def test_the_feed_address_is_shown_once_serves_without_log_in_and_can_be_revoked(
    trio: tuple[Browser, Browser, Browser], trained_app: FastAPI
) -> None:
    ann, bob, _ = trio
    night_id = plan(ann, pick(ann, "Heat", bob))
    times = night(ann, night_id)["times"]
    assert (
        ann.api_post(f"/api/nights/{night_id}/time", {"time_id": times[0]["id"]}).status_code == 200
    )

    made = bob.submit("/settings", "/settings/calendar/feed", {})
    assert made.status_code == 303 and made.headers["location"] == "/settings/calendar/feed"
    shown = bob.follow(made).text
    url = html.unescape(re.search(r'id="feed-url" class="wide" value="([^"]+)"', shown).group(1))  # type: ignore[union-attr]
    assert url.startswith("http://testserver/calendar/rmc_") and url.endswith(".ics")
    assert "feed-url" not in bob.get("/settings/calendar/feed").text  # shown once
    assert "You made one on" in bob.get("/settings").text

    with TestClient(trained_app) as app_client:  # a calendar app: no cookie, no log-in
        first = app_client.get(url)
        assert first.status_code == 200 and first.headers["content-type"].startswith(
            "text/calendar"
        )
        feed = calendar(first.text)
        assert feed.contents["x-wr-calname"][0].value == "Film nights (reelmates)"
        (event,) = feed.vevent_list
        assert int(event.sequence.value) == 1 and event.dtstart.value.astimezone(UTC) == _utc(T1)
        assert (
            ann.api_post(f"/api/nights/{night_id}/time", {"time_id": times[1]["id"]}).status_code
            == 200
        )
        moved = calendar(app_client.get(url).text).vevent
        assert (moved.uid.value, int(moved.sequence.value)) == (event.uid.value, 2)
        assert moved.dtstart.value.astimezone(UTC) == _utc(T2)
        assert ann.api_post(f"/api/nights/{night_id}/cancel").status_code == 200
        off = calendar(app_client.get(url).text).vevent
        assert (off.status.value, int(off.sequence.value)) == ("CANCELLED", 3)

        assert bob.submit("/settings", "/settings/calendar/feed/revoke", {}).status_code == 303
        gone = app_client.get(url)
        assert gone.status_code == 404 and "does not exist" in gone.text
        renewed = bob.api_post("/api/calendar/feed")
        assert renewed.status_code == 201
        assert app_client.get(renewed.json()["url"]).status_code == 200
        assert (
            bob.client.delete(
                "/api/calendar/feed", headers={"X-CSRF-Token": bob.api_csrf()}
            ).status_code
            == 204
        )
        assert app_client.get(renewed.json()["url"]).status_code == 404


def test_calendar_settings_a_zone_of_ones_own_and_an_address_shown_only_when_allowed(
    trio: tuple[Browser, Browser, Browser],
) -> None:
    ann, bob, _ = trio
    bad = ann.submit("/settings", "/settings/calendar", {"time_zone": "Atlantis/Capital"})
    assert bad.status_code == 422 and "Atlantis/Capital" in html.unescape(bad.text)
    saved = ann.submit(
        "/settings",
        "/settings/calendar",
        {"time_zone": "America/New_York", "email": "ann@example.org", "email_in_calendar": "on"},
    )
    assert saved.status_code == 303
    assert ann.get("/api/calendar").json() == {
        "time_zone": "America/New_York",
        "shown_zone": "America/New_York",
        "email": "ann@example.org",
        "email_in_calendar": True,
        "feed": False,
        "mail_on": False,
    }
    assert (
        api_put(bob, "/api/calendar", {"email": "bob@example.org"}).status_code == 200
    )  # not shown
    assert api_put(bob, "/api/calendar", {"email": "bob at home"}).status_code == 422

    night_id = plan(ann, pick(ann, "Heat", bob))
    data = night(ann, night_id)
    assert data["viewer_zone"] == "America/New_York"
    assert [t["local"][11:16] for t in data["times"]] == ["15:00", "16:30"]  # 20:00, 21:30 London
    assert night(bob, night_id)["viewer_zone"] == "Europe/London"  # the night's own
    assert (
        ann.api_post(
            f"/api/nights/{night_id}/time", {"time_id": data["times"][0]["id"]}
        ).status_code
        == 200
    )
    document = bob.get(f"/nights/{night_id}/night.ics").text
    assert "ann@example.org" in document.replace("\r\n ", "") and "bob@example.org" not in document
    page = ann.get(f"/nights/{night_id}").text
    assert "(America/New_York)" in page and "15:00" in page


# --- e-mail ----------------------------------------------------------------------------------


def test_with_smtp_configured_fixing_the_time_mails_each_member_who_gave_an_address(
    make_app: Callable[..., FastAPI], tmp_path: Path
) -> None:
    with smtp_server() as (inbox, port):
        app = make_app(
            signup_policy="open",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_from="nights@example.org",
        )
        seed_starter_catalog(app.state.engine)
        with TestClient(app) as a, TestClient(app) as b:
            ann, bob = Browser(a), Browser(b)
            assert ann.sign_up("ann", display_name="Ann").status_code == 303
            assert bob.sign_up("bob", display_name="Bob").status_code == 303
            befriend(ann, bob)
            assert (
                api_put(
                    bob, "/api/calendar", {"email": "bob@example.org", "time_zone": "Asia/Tokyo"}
                ).status_code
                == 200
            )
            night_id = plan(ann, pick(ann, "Heat", bob))
            assert inbox.messages == []  # nothing is sent before a time is fixed
            time_id = night(ann, night_id)["times"][0]["id"]
            assert (
                ann.api_post(f"/api/nights/{night_id}/time", {"time_id": time_id}).status_code
                == 200
            )
            assert [to for _, to, _ in inbox.messages] == [["bob@example.org"]]  # Ann gave none
            assert ann.api_post(f"/api/nights/{night_id}/cancel").status_code == 200
            assert len(inbox.messages) == 2
    fixed, cancelled = (
        email.message_from_bytes(raw, policy=email.policy.default) for _, _, raw in inbox.messages
    )
    tokyo = _utc(T1).astimezone(ZoneInfo("Asia/Tokyo"))
    assert fixed["Subject"] == f"Film night: Heat (1995), {tokyo:%a %d %b %H:%M}"
    assert cancelled["Subject"].startswith("Called off: Heat (1995)")
    events = []
    for message in (fixed, cancelled):
        (attached,) = list(message.iter_attachments())  # type: ignore[attr-defined]
        assert attached.get_content_type() == "text/calendar"
        events.append(calendar(attached.get_payload(decode=True).decode()).vevent)
    assert [(int(e.sequence.value), e.status.value) for e in events] == [
        (1, "CONFIRMED"),
        (2, "CANCELLED"),
    ]
    assert events[0].uid.value == events[1].uid.value


# --- the pages themselves --------------------------------------------------------------------


def test_night_pages_have_no_inline_script_or_style_and_label_every_input(
    trio: tuple[Browser, Browser, Browser], trained_app: FastAPI
) -> None:
    ann, bob, _ = trio
    pick_id = pick(ann, "Heat", bob)
    night_id = plan(ann, pick_id)
    paths = [
        f"/together/picks/{pick_id}/night",
        f"/nights/{night_id}",
        "/nights",
        "/nights/history",
        "/settings",
        "/settings/calendar/feed",
        "/",
    ]
    for path in paths:
        text = ann.get(path).text
        page = _Page()
        page.feed(text)
        assert (page.inline_scripts, page.style_attrs, page.style_blocks) == (0, 0, 0), path
        assert all(i is not None and i in page.labels for i, _ in page.inputs), (path, page.inputs)
        assert not re.search(r"(src|href|action)=\"(https?:)?//", text), path
    schema = trained_app.openapi()
    for path in (
        "/api/nights",
        "/api/nights/{night_id}",
        "/api/nights/{night_id}/poll",
        "/api/calendar/feed",
    ):
        assert path in schema["paths"], path
    assert "NightPublic" in schema["components"]["schemas"]


def test_after_nights_that_suited_one_friend_the_together_page_says_it_is_the_others_turn(
    people: Callable[[str], Browser], clock: Callable[[datetime], None]
) -> None:
    ann, bob = people("ann"), people("bob")
    befriend(ann, bob)
    for title in ("City Lights", "Duck Soup", "Frankenstein"):
        night_id = plan(ann, pick(ann, title, bob))
        time_id = night(ann, night_id)["times"][0]["id"]
        assert ann.api_post(f"/api/nights/{night_id}/time", {"time_id": time_id}).status_code == 200
        clock(_utc(T1) + timedelta(hours=4))
        assert ann.api_post(f"/api/nights/{night_id}/rating", {"stars": 5}).status_code == 200
        assert bob.api_post(f"/api/nights/{night_id}/rating", {"stars": 1}).status_code == 200
        clock(_utc(T1) - timedelta(days=1))  # the next night is planned before it

    clock(_utc(T1) + timedelta(hours=4))
    leaning = ann.get("/api/together", params={"with": handle(bob)}).json()
    assert leaning["turn"] == "Bob's turn: the last three picks suited Ann better"
    page = ann.get("/together", params={"with": handle(bob)}).text
    assert "Bob&#39;s turn: the last three picks suited Ann better." in page
    off = ann.get("/api/together", params={"with": handle(bob), "turns": "off"}).json()
    assert off["turn"] is None
    # Bob sees the same turn from his side (the nights are his too)
    assert bob.get("/api/together", params={"with": handle(ann)}).json()["turn"] == (
        "Bob's turn: the last three picks suited Ann better"
    )
