"""Who may see and change what: every route of the app, through its pages and its API, asked by
every kind of caller — the owner of a thing, her friend, a fellow member of her swipe session
and night, a guest of that session, a stranger with an account, and someone logged out — answers
what the hand-written table ``authz_matrix.csv`` says (200/201/204/303 allowed, 403 not this,
404 not yours or not there, 401/303-to-log-in logged out). The table is data written by hand,
never derived from the authorization code it checks; a guard proves every route of the app is
in it. Every write is also checked to leave the owner's own things (settings, vetoes, ratings,
seen marks, watchlist, tokens, calendar, friends, invites, feed) as they were until her own
cell: a 200 for someone else is never a change to hers. A friend removed sees no more of what
only friends see. And a member who keeps her taste private is never given away: none of the
films she rated or marked seen appears in what the others are shown (pages, API answers,
reasons, exports), and her watchlist is named by no reason.

On the starter catalog with the demo's model, trained once for the module; the world is in
``authz_world.py``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from authz_world import (
    CALLERS,
    RATED,
    SEEN,
    WATCHLIST,
    World,
    build_world,
    film_id,
    seed_media,
)
from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.routing import BaseRoute, Mount
from web_browsers import Browser

from media_loopback import KEY as MEDIA_KEY
from media_loopback import loopback_jellyfin
from reelmates.web.security import CSRF_FIELD, CSRF_HEADER

TABLE = Path(__file__).with_name("authz_matrix.csv")
ORDER = ("anonymous", "stranger", "guest", "member", "friend", "owner")  # the owner's last
WORLDS = ("shared", "last", "fresh", "fresh-night")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_n = iter(range(10**6))

# Routes of the app not in the table, each with the reason. (None: every route is in it.)
EXCLUDED: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Row:
    resource: str
    action: str
    surface: str
    method: str
    path: str
    body: str
    world: str
    expected: dict[str, str]
    note: str

    @property
    def id(self) -> str:
        return f"{self.surface} {self.method} {self.path} ({self.resource}: {self.action})"


def read_table() -> list[Row]:
    lines = [line for line in TABLE.read_text().splitlines() if not line.startswith("#")]
    reader = csv.reader(lines, delimiter="|")
    header = [h.strip() for h in next(reader)]
    rows = []
    for cells in reader:
        found = dict(zip(header, (c.strip() for c in cells), strict=True))
        rows.append(
            Row(
                resource=found["resource"],
                action=found["action"],
                surface=found["surface"],
                method=found["method"],
                path=found["path"],
                body=found["body"],
                world=found["world"],
                expected={c: found[c] for c in CALLERS},
                note=found["note"],
            )
        )
    return rows


ROWS = read_table()
# The shared world's rows in file order, then those that change the owner's things.
PLAYED = [r for r in ROWS if r.world == "shared"] + [r for r in ROWS if r.world == "last"]
FRESH = [r for r in ROWS if r.world in ("fresh", "fresh-night")]
CELLS = sum(1 for r in ROWS for c in CALLERS if r.expected[c] != "-")


# --- the app and its worlds -------------------------------------------------------------------


@pytest.fixture(scope="module")
def new_browser(trained_app: FastAPI) -> Iterator[Callable[[], Browser]]:
    clients: list[TestClient] = []

    def make() -> Browser:
        client = TestClient(trained_app)
        clients.append(client)
        return Browser(client)

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="module")
def media_url(trained_app: FastAPI) -> Iterator[str]:
    """A Jellyfin on loopback, on the app's allow-list, with a key to encrypt credentials."""
    with loopback_jellyfin() as fake:
        settings = trained_app.state.settings
        trained_app.state.settings = settings.model_copy(
            update={
                "media_secret_key": SecretStr(Fernet.generate_key().decode()),
                "media_allowed_urls": [fake.url],
            }
        )
        yield fake.url
        trained_app.state.settings = settings


@pytest.fixture(scope="module")
def world(new_browser: Callable[[], Browser], media_url: str) -> World:
    """The shared world; Jess is the server's first account, so its operator. Its media servers
    are the club's (shared) and Milly's own (``seed_media``)."""
    jess = new_browser()
    assert jess.sign_up("jess-operator", display_name="Jess").status_code == 303
    assert jess.get("/api/me").json()["role"] == "operator"
    built = build_world(new_browser, owner=jess)
    seed_media(built, media_url, MEDIA_KEY)
    return built


# --- one cell ---------------------------------------------------------------------------------


def fill(template: str, world: World, caller: str, new_browser: Callable[[], Browser]) -> str:
    def value(found: re.Match[str]) -> str:
        key = found.group(1)
        if key in ("me", "me_display"):  # the logged out are nobody
            return world.ids.get(f"{caller}_{'handle' if key == 'me' else 'display'}", "nobody")
        if key == "new_handle":
            return f"new{next(_n)}"
        if key == "new_invite_token":
            made = world.browsers["owner"].api_post("/api/friends/invites")
            assert made.status_code == 201, made.text
            return str(made.json()["url"]).rsplit("/", 1)[1]
        return world.ids[key]

    return _PLACEHOLDER.sub(value, template)


def send(row: Row, browser: Browser, path: str, body: str) -> int:
    headers: dict[str, str] = {}
    kwargs: dict[str, Any] = {}
    data = json.loads(body) if body else None
    if row.method not in ("GET", "HEAD"):
        token = browser.api_csrf()
        if row.surface == "page":
            kwargs["data"] = {CSRF_FIELD: token, **(data or {})}
        else:
            headers[CSRF_HEADER] = token
            if data is not None:
                kwargs["json"] = data
    if path.endswith("/events"):  # a live stream: its answer's status, then hang up
        with browser.client.stream(row.method, path, headers=headers) as streamed:
            return streamed.status_code
    answer: httpx.Response = browser.client.request(
        row.method, path, headers=headers, follow_redirects=False, **kwargs
    )
    return answer.status_code


# What is Jess's alone: no one else's call, allowed or refused, may change any of it.
OWNER_STATE = (
    "/api/me/settings",
    "/api/me/export.zip",  # its files (the zip's own times change)
    "/api/tokens",
    "/api/calendar",
    "/api/friends",
)
# --- media marks (issue 12): Jess's "on disc" mark is hers alone too.
OWNER_STATE = (*OWNER_STATE, "/api/me/marks")


def owner_state(world: World) -> dict[str, str]:
    jess = world.browsers["owner"]
    state = {path: jess.get(path).text for path in OWNER_STATE if not path.endswith(".zip")}
    with zipfile.ZipFile(io.BytesIO(jess.get("/api/me/export.zip").content)) as exported:
        for name in sorted(exported.namelist()):
            state[name] = exported.read(name).decode()
    pending = {str(i["id"]) for i in jess.get("/api/friends/invites").json()}
    state["invites"] = str(sorted({world.ids["invite_id"], world.ids["invite_id2"]} & pending))
    feed = jess.get(f"/calendar/{world.ids['feed']}.ics")
    state["feed"] = str(feed.status_code)
    return state


def play(row: Row, world: World, new_browser: Callable[[], Browser]) -> list[str]:
    """Every caller's cell of the row; what differs from the table. A write in the shared world
    is also checked to have left Jess's own things as they were until her own cell."""
    wrong = []
    guarded = row.method != "GET" and row.world in ("shared", "last")
    before = owner_state(world) if guarded else None
    for caller in ORDER:
        expected = row.expected[caller]
        if expected == "-":
            continue
        if caller == "owner" and before is not None:
            after = owner_state(world)
            changed = [k for k in before if before[k] != after[k]]
            if "new_invite_token" in row.path + row.body:  # her link: whoever uses it is hers
                changed = [k for k in changed if k != "/api/friends"]
            if changed:
                wrong.append(f"others changed Jess's {changed}")
        if caller == "anonymous":
            browser = new_browser()  # a new one each time: a cell may log it in
            browser.get("/api/csrf")
        else:
            browser = world.browsers[caller]
        path = fill(row.path, world, caller, new_browser)
        body = fill(row.body, world, caller, new_browser)
        got = send(row, browser, path, body)
        if str(got) != expected:
            wrong.append(f"{caller}: expected {expected}, got {got}")
    return wrong


@pytest.mark.parametrize("row", PLAYED, ids=[r.id for r in PLAYED])
def test_the_shared_world_answers_as_the_table_says(
    row: Row, world: World, new_browser: Callable[[], Browser]
) -> None:
    wrong = play(row, world, new_browser)
    assert not wrong, f"{row.id}: {'; '.join(wrong)}"


@pytest.mark.parametrize("row", FRESH, ids=[r.id for r in FRESH])
def test_a_fresh_world_answers_as_the_table_says(
    row: Row, new_browser: Callable[[], Browser]
) -> None:
    fresh = build_world(new_browser, night=row.world == "fresh-night")
    wrong = play(row, fresh, new_browser)
    assert not wrong, f"{row.id}: {'; '.join(wrong)}"


# --- the table itself -------------------------------------------------------------------------


def _routes(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, into FastAPI's nested (included) routers."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        else:
            yield route


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.split("?", 1)[0])


def test_every_route_of_the_app_is_in_the_table(trained_app: FastAPI) -> None:
    listed = {(r.method, _shape(r.path)) for r in ROWS}
    missing = []
    seen = 0
    for route in _routes(trained_app.router.routes):
        if isinstance(route, Mount):
            assert ("GET", _shape(route.path) + "/app.css") in listed, route.path
            continue
        methods = getattr(route, "methods", None) or set()
        path = getattr(route, "path", "")
        for method in sorted(methods - {"HEAD"}):
            seen += 1
            key = (method, _shape(path))
            if key not in listed and key not in EXCLUDED:
                missing.append(f"{method} {path}")
    assert not missing, f"routes the table does not list: {missing}"
    assert seen > 100, seen  # the walk did reach into the included routers
    apis = [r for r in _routes(trained_app.router.routes) if isinstance(r, APIRoute)]
    assert len(apis) == seen - 1  # all but the OpenAPI document's own route
    # And no row names a route the app does not have (a row is never a typo that 404s).
    patterns = [
        (method, route.path_regex)
        for route in _routes(trained_app.router.routes)
        if hasattr(route, "path_regex") and not isinstance(route, Mount)
        for method in getattr(route, "methods", None) or ()
    ]
    for row in ROWS:
        if row.path.startswith("/static/"):
            continue
        concrete = _PLACEHOLDER.sub("x1", row.path.split("?", 1)[0])
        assert any(m == row.method and p.match(concrete) for m, p in patterns), row.id


def test_the_table_is_well_formed() -> None:
    for row in ROWS:
        assert row.surface in ("page", "api"), row.id
        assert row.world in WORLDS, row.id
        assert (row.surface == "api") == row.path.startswith("/api/"), row.id
        for caller in CALLERS:
            value = row.expected[caller]
            assert value == "-" or re.fullmatch(r"[1-5]\d\d", value), (row.id, caller)
        if row.body:
            json.loads(_PLACEHOLDER.sub("1", row.body))
    ids = [r.id for r in ROWS]
    assert len(set(ids)) == len(ids)
    assert CELLS > 900, CELLS


# --- a private member's taste -----------------------------------------------------------------

# What each of the others is shown that could give Jess's taste away (her films' own pages and
# the search are left out: a title is on its film's page whoever asks).
SHOWN = (
    "/",
    "/together",
    "/api/together/picks",
    "/nights",
    "/api/nights",
    "/nights/{night}",
    "/api/nights/{night}",
    "/swipe/{room}",
    "/api/swipe/{room}",
    "/friends",
    "/api/friends",
    "/settings/export/ratings.csv",
    "/settings/export/watched.csv",
    "/settings/export/watchlist.csv",
    "/api/me/export/ratings.csv",
)
# What only her friend may open, all of it about Jess.
SHOWN_TO_FRIENDS = (
    "/friends/{owner_handle}",
    "/api/friends/{owner_handle}/compatibility",
    "/together?with={owner_handle}",
    "/api/together?with={owner_handle}",
    "/together/picks/{pick}/night",
)
HERS = (*RATED, SEEN)


def _reasons(answer: object) -> Iterator[str]:
    """Every text under a "reasons" key of a JSON answer."""
    if isinstance(answer, dict):
        for key, value in answer.items():
            if key == "reasons":
                yield json.dumps(value)
            yield from _reasons(value)
    elif isinstance(answer, list):
        for value in answer:
            yield from _reasons(value)


def test_a_private_members_films_are_shown_to_no_one_but_her(
    new_browser: Callable[[], Browser],
) -> None:
    fresh = build_world(new_browser)
    ids, jess = fresh.ids, fresh.browsers["owner"]
    # The markers are real: Jess sees all of her own.
    mine = (
        jess.get("/settings/export/ratings.csv").text + jess.get("/api/me/export/watched.csv").text
    )
    assert all(title in mine for title in HERS), mine
    assert jess.get(f"/api/films/{ids['film']}").json()["my_stars"] == 0.5
    looked = 0
    for caller in ("friend", "member", "guest", "stranger"):
        browser = fresh.browsers[caller]
        paths = SHOWN + (SHOWN_TO_FRIENDS if caller == "friend" else ())
        for template in paths:
            path = _PLACEHOLDER.sub(lambda m: ids[m.group(1)], template)
            answer = browser.get(path)
            assert answer.status_code in (200, 404), (caller, path, answer.status_code)
            looked += 1
            for title in HERS:
                assert title not in answer.text, (caller, path, title)
            if answer.headers["content-type"].startswith("application/json"):
                for reasons in _reasons(answer.json()):
                    named = "Jess" in reasons or ids["owner_handle"] in reasons
                    assert "watchlist" not in reasons.lower() or not named, reasons
                    assert WATCHLIST not in reasons, (caller, path, reasons)
        # A film she rated 0.5: her friend sees a prediction and "suits her taste", never her
        # stars or that she has seen it; anyone else sees nothing of her at all.
        film = browser.get(f"/api/films/{ids['film']}").json()
        hers = [c for c in film["companions"] if c["handle"] == ids["owner_handle"]]
        if caller == "friend":
            (her,) = hers
            assert her["seen"] is False and her["seen_stars"] is None, her
            assert her["stars"] != 0.5 and her["reason"]["kind"] == "private", her
        else:
            assert not hers and ids["owner_handle"] not in json.dumps(film), film
        page = browser.get(f"/films/{ids['film']}").text.split("<main", 1)[1]
        assert ("Jess" in page) == (caller == "friend")
    assert looked == 4 * len(SHOWN) + len(SHOWN_TO_FRIENDS)
    # Milly may see the friend page, never a chart of a private taste.
    milly = fresh.browsers["friend"]
    for title in RATED:  # films they both rated, now
        rated = milly.api_post(f"/api/films/{film_id(milly, title)}/rating", {"stars": 4.0})
        assert rated.status_code == 200, rated.text
    compat = milly.get(f"/api/friends/{ids['owner_handle']}/compatibility").json()
    assert compat["private"] is True, compat
    # No breakdown, and not even how many films they both rated.
    assert compat["genres"] == compat["decades"] == [] and compat["shared"] is None, compat
    assert compat["most_different"] is None, compat
    page = milly.get(f"/friends/{ids['owner_handle']}").text
    assert not [title for title in HERS if title in page], page
    assert milly.get(f"/friends/{ids['owner_handle']}/chart.svg").status_code == 404


def test_a_friend_no_more_sees_what_only_friends_see(new_browser: Callable[[], Browser]) -> None:
    """After Jess removes Milly, Milly is a stranger to her taste; the night they share stays
    theirs (she is still one of its members)."""
    fresh = build_world(new_browser)
    ids, jess, milly = fresh.ids, fresh.browsers["owner"], fresh.browsers["friend"]
    jess_page = f"/friends/{ids['owner_handle']}"
    assert milly.get(jess_page).status_code == 200
    gone = jess.client.delete(
        f"/api/friends/{ids['friend_handle']}", headers={"X-CSRF-Token": jess.api_csrf()}
    )
    assert gone.status_code == 204
    for path in (
        jess_page,
        f"/api/friends/{ids['owner_handle']}/compatibility",
        f"/together?with={ids['owner_handle']}",
        f"/api/together?with={ids['owner_handle']}",
    ):
        assert milly.get(path, follow_redirects=False).status_code == 404, path
    assert milly.get(f"/api/nights/{ids['night']}").status_code == 200
    assert milly.get(f"/api/swipe/{ids['room']}").status_code == 200


def test_an_api_token_gets_the_answers_its_owner_gets(
    world: World, new_browser: Callable[[], Browser]
) -> None:
    """The API's reads, called with a personal API token instead of the log-in cookie: the
    table's answers for the same caller (a token is its holder, no more)."""
    tokens = {}
    for caller in ("owner", "friend", "member", "stranger"):
        made = world.browsers[caller].api_post("/api/tokens", {"name": "matrix"})
        assert made.status_code == 201, made.text
        tokens[caller] = made.json()["token"]
    rows = [r for r in PLAYED if r.surface == "api" and r.method == "GET" and r.world == "shared"]
    wrong = []
    for row in rows:
        for caller, token in tokens.items():
            if row.expected[caller] == "-":
                continue
            bare = new_browser()  # no cookie: the token alone
            bare.client.headers["Authorization"] = f"Bearer {token}"
            got = send(row, bare, fill(row.path, world, caller, new_browser), "")
            if str(got) != row.expected[caller]:
                wrong.append(f"{row.id} {caller}: expected {row.expected[caller]}, got {got}")
    assert not wrong, wrong
    assert len(rows) >= 25  # every API read of the shared world
