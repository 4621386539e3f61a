"""The people and things the authorization matrix (test_web_authz.py) is played over.

One world: Jess (the owner) owns a rating, a seen mark, a watchlist entry, vetoes, a friend
invite, an API token, a calendar feed, a swipe session and a planned night. Milly is her friend;
Cat is in Jess's swipe session and night but not her friend (she joined by the session's link);
Sam is a guest of that session (joined by the link with a display name); Stan has an account
and nothing to do with any of them; the anonymous browser is logged out (it holds a CSRF
cookie, so what it meets is the log-in rule, not the CSRF one). Jess keeps her taste private.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from web_browsers import Browser

CALLERS = ("owner", "friend", "member", "guest", "stranger", "anonymous")

_n = itertools.count()
_CARD = re.compile(r'name="film_id" value="(\d+)"')
_NIGHT = re.compile(r"^/nights/(\d+)$")
MAX_CARDS = 60

# Films Jess rates, marks seen and puts on her watchlist: her private taste. Titles from the
# starter catalog (the demo's), none of which is the night's film.
RATED = ("Titanic", "Toy Story", "Pulp Fiction")
SEEN = "Forrest Gump"
WATCHLIST = "The Matrix"
VETOED_FILM = "Fargo"
VETOED_GENRE = "Horror"
MARKED = "Heat"  # on disc, Jess's (media marks, issue 12)


@dataclass
class World:
    browsers: dict[str, Browser]
    ids: dict[str, str] = field(default_factory=dict)

    def handle(self, caller: str) -> str:
        return self.ids[f"{caller}_handle"]


def handle_of(browser: Browser) -> str:
    me: str = browser.get("/api/me").json()["handle"]
    return me


def film_id(browser: Browser, title: str) -> int:
    hits = browser.get("/api/films", params={"q": title}).json()
    return int(next(h["id"] for h in hits if h["title"] == title))


def _ok(response: object, *codes: int) -> None:
    status = getattr(response, "status_code", None)
    assert status in codes, (status, getattr(response, "text", ""))


def befriend(a: Browser, b: Browser) -> None:
    url = a.api_post("/api/friends/invites").json()["url"]
    _ok(b.api_post("/api/friends/accept", {"token": url.rsplit("/", 1)[1]}), 200)


def _card(browser: Browser, room: int) -> int | None:
    found = _CARD.search(browser.get(f"/swipe/{room}").text.split('id="matches"')[0])
    return int(found.group(1)) if found else None


def _match(players: list[Browser], room: int) -> int:
    """Every member likes each card they are dealt, in turns, until one is a match."""
    for _ in range(MAX_CARDS):
        for who in players:
            film = _card(who, room)
            assert film is not None
            sent = who.api_post(f"/api/swipe/{room}/swipes", {"film_id": film, "liked": True})
            _ok(sent, 200)
            if sent.json().get("matched"):
                return film
    raise AssertionError("no match")


def build_world(
    new_browser: Callable[[], Browser], *, owner: Browser | None = None, night: bool = True
) -> World:
    """A fresh world (``owner``: an already signed-up Jess, e.g. the server's operator; without
    ``night``: no match, pick or night, which is most of the cost)."""
    n = next(_n)
    people: dict[str, Browser] = {}
    for caller, name in (
        ("owner", "jess"),
        ("friend", "milly"),
        ("member", "cat"),
        ("stranger", "stan"),
        ("victim", "vic"),
    ):
        if caller == "owner" and owner is not None:
            people[caller] = owner
            continue
        browser = new_browser()
        _ok(browser.sign_up(f"{name}{n}", display_name=name.title()), 303)
        people[caller] = browser
    jess, milly, cat = people["owner"], people["friend"], people["member"]
    befriend(jess, milly)
    world = World(people)
    ids = world.ids
    for caller, browser in people.items():
        ids[f"{caller}_handle"] = handle_of(browser)
        ids[f"{caller}_display"] = browser.get("/api/me").json()["display_name"]

    # Jess's taste, private.
    for stars, title in zip(("0.5", "1.5", "4.5"), RATED, strict=True):
        _ok(
            jess.api_post(f"/api/films/{film_id(jess, title)}/rating", {"stars": float(stars)}), 200
        )
    _ok(jess.api_post(f"/api/films/{film_id(jess, SEEN)}/seen"), 200)
    _ok(jess.api_post(f"/api/films/{film_id(jess, WATCHLIST)}/watchlist"), 200)
    ids["film"] = str(film_id(jess, RATED[0]))
    ids["other_film"] = str(film_id(jess, RATED[1]))
    ids["vetoed_film"] = str(film_id(jess, VETOED_FILM))
    ids["genre"] = VETOED_GENRE
    ids["ratings_file"], ids["watchlist_file"] = "ratings.csv", "watchlist.csv"
    _ok(jess.api_post("/api/me/vetoes/genres", {"genre": VETOED_GENRE}), 200)
    _ok(jess.api_post("/api/me/vetoes/films", {"film_id": int(ids["vetoed_film"])}), 200)
    patched = jess.client.patch(
        "/api/me/settings", json={"private": True}, headers={"X-CSRF-Token": jess.api_csrf()}
    )
    _ok(patched, 200)

    # A swipe session: Jess and Milly; Cat joins by its link, Sam as a guest.
    started = jess.api_post(f"/api/swipe?with={ids['friend_handle']}")
    _ok(started, 201)
    room = int(started.json()["id"])
    token = urlsplit(started.json()["join_url"]).path.rsplit("/", 1)[1]
    _ok(cat.api_post("/api/swipe/join", {"token": token}), 200)
    sam = new_browser()
    sam.get("/api/csrf")
    _ok(sam.api_post("/api/swipe/join-as-guest", {"token": token, "display_name": "Sam"}), 201)
    people["guest"] = sam
    ids["guest_handle"] = handle_of(sam)
    ids["guest_display"] = "Sam"
    ids["room"] = str(room)
    ids["room_token"] = token
    if night:
        _plan_night(world, [jess, milly, cat, sam])

    # Jess's friend invites (pending), API token and calendar feed.
    for key in ("invite_id", "invite_id2"):
        invite = jess.api_post("/api/friends/invites").json()
        ids[key] = str(invite["id"])
    ids["invite_token"] = invite["url"].rsplit("/", 1)[1]
    made = jess.api_post("/api/tokens", {"name": "script"})
    _ok(made, 201)
    ids["token_id"] = str(made.json()["id"])
    feed = jess.api_post("/api/calendar/feed")
    _ok(feed, 201)
    ids["feed"] = urlsplit(feed.json()["url"]).path.rsplit("/", 1)[1].removesuffix(".ics")

    # --- media marks (issue 12): Jess owns a film on disc (after the swipe session and the
    # night, whose deck is every film: the mark makes "only what we can watch" her groups' default).
    ids["marked_film"] = str(film_id(jess, MARKED))
    ids.update(mark_kind="service", disc_kind="disc", bad_kind="vhs", no_film="999999999")
    marked = jess.client.put(
        f"/api/films/{ids['marked_film']}/marks/disc",
        json={"note": "the Blu-ray"},
        headers={"X-CSRF-Token": jess.api_csrf()},
    )
    _ok(marked, 200)

    anonymous = new_browser()
    anonymous.get("/api/csrf")  # a CSRF cookie, as any browser that opened a page has
    people["anonymous"] = anonymous
    return world


def _plan_night(world: World, players: list[Browser]) -> None:
    """A match everyone liked, accepted by Jess as the pick; the night of it, planned by her."""
    ids, jess = world.ids, players[0]
    room = int(ids["room"])
    match = _match(players, room)
    accepted = jess.api_post(f"/api/swipe/{room}/accept", {"film_id": match})
    _ok(accepted, 201)
    ids["pick"] = str(accepted.json()["id"])
    ids["match_film"] = str(match)

    # The night of that pick, planned by Jess.
    plan = {
        "pick_id": int(ids["pick"]),
        "times": ["2031-06-01T20:00", "2031-06-02T21:30"],
        "time_zone": "Europe/London",
        "place_kind": "home",
        "place": "Jess's",
    }
    night = jess.api_post("/api/nights", plan)
    _ok(night, 201)
    ids["night"] = str(night.json()["id"])
    ids["time"] = str(night.json()["times"][0]["id"])


def seed_media(world: World, url: str, key: str) -> None:
    """Two media servers on the Jellyfin at ``url`` (tests/media_loopback.py): the club's,
    shared with every member (Jess, the operator, connected it; she and Milly are its users),
    and Milly's own (Cat is its user, mapped by the operator: Cat is not Milly's friend, so
    Milly could not). Jess is no user of Milly's server: its syncs never touch her taste. Two
    more (one of each kind) are there to be removed."""
    ids, jess, milly = world.ids, world.browsers["owner"], world.browsers["friend"]

    def put(browser: Browser, path: str, body: object) -> None:
        _ok(browser.client.put(path, json=body, headers={"X-CSRF-Token": browser.api_csrf()}), 200)

    connect = {"kind": "jellyfin", "base_url": url, "api_key": key}
    shared = jess.api_post("/api/media/servers", {**connect, "name": "The club's Jellyfin"})
    _ok(shared, 201)
    own = milly.api_post("/api/media/servers", connect)
    _ok(own, 201)
    ids["media_shared"], ids["media_own"] = str(shared.json()["id"]), str(own.json()["id"])
    ids["media_library"] = str(own.json()["libraries"][0]["id"])
    # And one of each for the rows that remove them (the others' reads must stay as they are).
    for gone, browser, name in (
        ("media_shared_gone", jess, "The old Jellyfin"),
        ("media_own_gone", milly, "Milly's old Jellyfin"),
    ):
        made = browser.api_post("/api/media/servers", {**connect, "name": name})
        _ok(made, 201)
        ids[gone] = str(made.json()["id"])
    ids["media_url"], ids["media_key"] = url, key
    put(
        jess,
        f"/api/media/servers/{ids['media_shared']}/mappings/{ids['owner_handle']}",
        {"user": "jess"},
    )
    put(
        jess,
        f"/api/media/servers/{ids['media_shared']}/mappings/{ids['friend_handle']}",
        {"user": "milly"},
    )
    put(
        jess,
        f"/api/media/servers/{ids['media_own']}/mappings/{ids['member_handle']}",
        {"user": "jess"},
    )
