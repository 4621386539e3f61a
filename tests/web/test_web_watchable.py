"""Only what we can watch, in the browser and over the API: watch together and the swipe deck
keep the films the group can watch (a media library one of them can use, their own marks), each
film says where (escaped text), a match links to the film in the server's web client, and a
member marks films on disc or on a service from the film's page (or the API).

Known answers (starter catalog, the demo's model): Braveheart, GoldenEye and Heat are the only
Action films of 1995. Ann's Jellyfin holds Braveheart and Heat: with the filter (the default once
she has a server) exactly those two are listed and dealt, and the page says only 2 films match;
without it, all three. Bob's mark of GoldenEye makes it the third, "on Netflix (Bob)".
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from test_web_together import befriend, handle
from web_browsers import Browser

from library_rows import own_library
from reelmates.services.uow import unit_of_work
from reelmates.store.people import PersonRepository

_n = itertools.count()
ACTION_1995 = {"genre": "Action", "year_min": "1995", "year_max": "1995", "seen": "show-all"}
BRAVEHEART_URL = "https://jellyfin.lan/web/index.html#!/details?id=b1&serverId=s"
HEAT_GENRES = ["Action", "Crime", "Thriller"]
_TITLES = re.compile(r'<h3><a href="/films/(\d+)">([^<]+)</a>')


@pytest.fixture
def people(trained_app: FastAPI) -> Iterator[Callable[[str, str], Browser]]:
    clients: list[TestClient] = []

    def make(name: str, display: str) -> Browser:
        client = TestClient(trained_app)
        clients.append(client)
        browser = Browser(client)
        assert browser.sign_up(f"{name}{next(_n)}", display_name=display).status_code == 303
        return browser

    yield make
    for client in clients:
        client.close()


def film_id(browser: Browser, title: str) -> int:
    hits = browser.get("/api/films", params={"q": title}).json()
    return int(next(h["id"] for h in hits if h["title"] == title and h["year"] == 1995))


def put_mark(browser: Browser, film: int | str, kind: str, json: object = None) -> object:
    headers = {"X-CSRF-Token": browser.api_csrf()}
    return browser.client.put(f"/api/films/{film}/marks/{kind}", json=json, headers=headers)


def a_server(app: FastAPI, owner: Browser, films: dict[int, str | None]) -> None:
    """A Jellyfin server of ``owner``'s (as a sync leaves it): one library holding ``films``."""
    with unit_of_work(app.state.engine, read_only=True) as s:
        person = PersonRepository(s).require(handle(owner))
    own_library(
        app.state.engine,
        person.id,
        person.display_name,
        sorted(films.items()),
        base_url="https://jellyfin.lan",
    )


def together(browser: Browser, friend: Browser, **params: str) -> dict[str, object]:
    query = {"with": handle(friend), **ACTION_1995, **params}
    answer = browser.get("/api/together", params=query)
    assert answer.status_code == 200, answer.text
    found: dict[str, object] = answer.json()
    return found


def where(answer: dict[str, object]) -> dict[str, list[tuple[str, str | None]]]:
    picks = answer["picks"]
    assert isinstance(picks, list)
    return {p["title"]: [(w["label"], w["web_url"]) for w in p["places"]] for p in picks}


def test_watch_together_keeps_what_the_group_can_watch_and_says_where(
    trained_app: FastAPI, people: Callable[[str, str], Browser]
) -> None:
    ann, bob = people("ann", "Ann <b>"), people("bob", "Bob")
    befriend(ann, bob)
    before = together(ann, bob)
    assert (before["library"], before["available_only"], before["available_note"]) == (
        False,
        False,
        None,
    )
    assert sorted(where(before)) == ["Braveheart", "GoldenEye", "Heat"]
    page = ann.get("/together", params={"with": handle(bob), **ACTION_1995}).text
    assert 'name="available"' not in page and "you can watch" not in page  # nothing to say

    braveheart, heat, goldeneye = (film_id(ann, t) for t in ("Braveheart", "Heat", "GoldenEye"))
    a_server(trained_app, ann, {braveheart: BRAVEHEART_URL, heat: "javascript:alert(1)"})
    jellyfin = "on Ann <b>'s Jellyfin"
    only = together(bob, ann)  # either of them asks: the same group
    assert (only["library"], only["available_only"], only["candidates"]) == (True, True, 2)
    # Bob reads where, with no link: a link carries the address of Ann's own server, which is
    # not his to know (he is not mapped on it); Ann, its owner, gets it.
    assert where(only) == {"Braveheart": [(jellyfin, None)], "Heat": [(jellyfin, None)]}
    assert where(together(ann, bob)) == {
        "Braveheart": [(jellyfin, BRAVEHEART_URL)],
        "Heat": [(jellyfin, None)],
    }
    assert only["available_note"] == (
        "only 2 films you can watch match these filters and everyone's vetoes; ask with "
        "available=false to show all films"
    )
    every = together(bob, ann, available="false")
    assert (every["available_only"], sorted(where(every))) == (
        False,
        ["Braveheart", "GoldenEye", "Heat"],
    )
    assert where(every)["GoldenEye"] == []

    # The page: the choice in the form (on), the two films, where, the way back to all.
    page = bob.get("/together", params={"with": handle(ann), **ACTION_1995}).text
    assert '<option value="on" selected>Only what we can watch' in page
    assert sorted(t for _, t in _TITLES.findall(page)) == ["Braveheart", "Heat"]
    assert "Only 2 films you can watch match these filters" in page
    show_all = re.search(r'<a href="([^"]+)">Show all films</a>', page)
    assert show_all is not None and "available=off" in html.unescape(show_all.group(1))
    assert "Ann &lt;b&gt;&#39;s Jellyfin" in page and "Ann <b>" not in page
    link = f'<a href="{html.escape(BRAVEHEART_URL)}" rel="noopener noreferrer">'
    assert link not in page and "jellyfin.lan" not in page and "javascript:" not in page
    owners = ann.get("/together", params={"with": handle(bob), **ACTION_1995}).text
    assert link in owners and "javascript:" not in owners
    everything = bob.get(html.unescape(show_all.group(1))).text
    assert sorted(t for _, t in _TITLES.findall(everything)) == ["Braveheart", "GoldenEye", "Heat"]
    assert '<option value="off" selected>Every film' in everything

    # Bob's mark of GoldenEye counts too.
    marked = put_mark(bob, goldeneye, "service", {"note": "Netflix"})
    assert marked.status_code == 200, marked.text  # type: ignore[attr-defined]
    assert where(together(ann, bob))["GoldenEye"] == [("on Netflix (Bob)", None)]
    assert together(ann, bob)["available_note"] == (
        "only 3 films you can watch match these filters and everyone's vetoes; ask with "
        "available=false to show all films"
    )


def test_the_deck_deals_only_what_the_room_can_watch_and_a_match_links_to_the_server(
    trained_app: FastAPI, people: Callable[[str, str], Browser]
) -> None:
    ann, bob = people("ann", "Ann"), people("bob", "Bob")
    befriend(ann, bob)
    braveheart, heat = film_id(ann, "Braveheart"), film_id(ann, "Heat")
    a_server(trained_app, ann, {braveheart: BRAVEHEART_URL, heat: None})
    query = f"with={handle(bob)}&genre=Action&year_min=1995&year_max=1995&seen=show-all"
    started = ann.submit(f"/together?{query}", f"/together/swipe?{query}", {})
    room = int(started.headers["location"].rsplit("/", 1)[1])
    state = ann.get(f"/api/swipe/{room}").json()
    assert (state["available_only"], state["deck_size"]) == (True, 2)
    assert "The deck holds only the 2 films you can watch" in ann.get(f"/swipe/{room}").text
    dealt = []
    while (card := ann.get(f"/api/swipe/{room}").json()["card"]) is not None:
        dealt.append(card["title"])
        assert card["places"][0]["label"] == "on Ann's Jellyfin"
        page = ann.get(f"/swipe/{room}").text
        assert "You can watch it on Ann&#39;s Jellyfin" in page
        for who in (ann, bob):
            liked = card["title"] == "Braveheart"
            sent = who.api_post(
                f"/api/swipe/{room}/swipes", {"film_id": card["id"], "liked": liked}
            )
            assert sent.status_code == 200, sent.text
    assert sorted(dealt) == ["Braveheart", "Heat"]
    # Ann, the server's owner, gets the link; Bob, not mapped on it, only where.
    (match,) = ann.get(f"/api/swipe/{room}").json()["matches"]
    assert match["places"] == [{"label": "on Ann's Jellyfin", "web_url": BRAVEHEART_URL}]
    (bobs,) = bob.get(f"/api/swipe/{room}").json()["matches"]
    assert bobs["places"] == [{"label": "on Ann's Jellyfin", "web_url": None}]
    link = f'<a href="{html.escape(BRAVEHEART_URL)}" rel="noopener noreferrer">'
    page = ann.get(f"/swipe/{room}?matched={braveheart}").text
    assert page.count(link) == 2  # in "It's a match" and in the list of matches
    bobs_page = bob.get(f"/swipe/{room}?matched={braveheart}").text
    assert "jellyfin.lan" not in bobs_page and "on Ann&#39;s Jellyfin" in bobs_page

    # Asked for every film: the three, and nothing said about a library.
    started = ann.api_post(f"/api/swipe?{query}&available=false")
    assert started.status_code == 201, started.text
    assert (started.json()["available_only"], started.json()["deck_size"]) == (False, 3)


def test_a_member_marks_films_on_the_film_page_and_the_api(
    people: Callable[[str, str], Browser],
) -> None:
    ann, bob = people("ann", "Ann"), people("bob", "Bob")
    heat = film_id(ann, "Heat")
    page = f"/films/{heat}"
    assert "We own it on disc</option>" in ann.get(page).text
    sent = ann.submit(page, f"/films/{heat}/marks", {"kind": "service", "note": "<b>Netflix</b>"})
    assert sent.status_code == 303 and sent.headers["location"] == page
    shown = ann.get(page).text
    assert "It&#39;s on a service I have: &lt;b&gt;Netflix&lt;/b&gt;" in shown
    assert "<b>Netflix</b>" not in shown
    assert "It&#39;s on a service I have:" not in bob.get(page).text  # Bob sees his own only
    bad = ann.submit(page, f"/films/{heat}/marks", {"kind": "vhs"})
    assert bad.status_code == 422 and "no mark" in bad.text
    gone = ann.submit(page, f"/films/{heat}/marks/service/remove", {})
    assert gone.status_code == 303
    assert "It&#39;s on a service I have:" not in ann.get(page).text

    # The API: set, list, change the note, remove; bad kinds and unknown films are 4xx.
    done = put_mark(ann, heat, "disc")
    assert done.status_code == 200  # type: ignore[attr-defined]
    assert done.json() == {  # type: ignore[attr-defined]
        "film": {
            "id": heat,
            "title": "Heat",
            "year": 1995,
            "genres": ["Action", "Crime", "Thriller"],
        },
        "kind": "disc",
        "note": "",
        "text": "We own it on disc",
    }
    assert put_mark(ann, heat, "service", {"note": "Mubi"}).status_code == 200  # type: ignore[attr-defined]
    mine = ann.get("/api/me/marks").json()
    assert [(m["kind"], m["note"]) for m in mine] == [("disc", ""), ("service", "Mubi")]
    assert bob.get("/api/me/marks").json() == []
    headers = {"X-CSRF-Token": bob.api_csrf()}
    assert bob.client.delete(f"/api/films/{heat}/marks/disc", headers=headers).status_code == 204
    assert len(ann.get("/api/me/marks").json()) == 2  # Bob removed only his own (none)
    wrong = put_mark(ann, heat, "vhs")
    assert wrong.status_code == 422 and "Kind is not one of" in wrong.text  # type: ignore[attr-defined]
    missing = put_mark(ann, 10**8, "disc")
    assert missing.status_code == 404  # type: ignore[attr-defined]
    assert "no film with id" in missing.json()["error"]  # type: ignore[attr-defined]
    long = put_mark(ann, heat, "disc", {"note": "x" * 81})
    assert long.status_code == 422 and "at most 80" in long.text  # type: ignore[attr-defined]
    headers = {"X-CSRF-Token": ann.api_csrf()}
    assert ann.client.delete(f"/api/films/{heat}/marks/disc", headers=headers).status_code == 204
    assert [m["kind"] for m in ann.get("/api/me/marks").json()] == ["service"]
    anonymous = TestClient(ann.client.app)
    assert anonymous.get("/api/me/marks").status_code == 401
