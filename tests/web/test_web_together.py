"""Watch together in the browser and over the API, and the film page's "who should I see this
with?": on the starter catalog with a model trained once for the module (the demo), new members
who befriend each other and rate a few films by hand, so that the order can be worked out:

- Braveheart, GoldenEye and Heat are the starter catalog's only Action films of 1995, so
  ``genre=Action&year_min=1995&year_max=1995`` leaves exactly those three. A film a member rated
  ranks on their own rating (its quantile among their ratings), so when both rate the three alike
  every strategy keeps their order; when they disagree, least misery puts first the film that is
  nobody's last (its worst member's place is 2nd, the others' 3rd).
- Beaches is what a member with no ratings is offered first (the crowd favourite).
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_browsers import Browser

from reelmates.services.starter import seed_starter_catalog

_n = itertools.count()
ACTION_1995 = {"genre": "Action", "year_min": "1995", "year_max": "1995", "seen": "show-all"}
_TITLES = re.compile(r'<h3><a href="/films/(\d+)">([^<]+)</a>')


@pytest.fixture
def people(trained_app: FastAPI) -> Iterator[Callable[[str], Browser]]:
    """Make logged-in members of the trained app (handles made unique per test)."""
    clients: list[TestClient] = []

    def make(name: str) -> Browser:
        client = TestClient(trained_app)
        clients.append(client)
        browser = Browser(client)
        assert browser.sign_up(f"{name}{next(_n)}").status_code == 303
        return browser

    yield make
    for client in clients:
        client.close()


def handle(browser: Browser) -> str:
    me: str = browser.get("/api/me").json()["handle"]
    return me


def befriend(a: Browser, b: Browser) -> None:
    url = a.api_post("/api/friends/invites").json()["url"]
    assert b.api_post("/api/friends/accept", {"token": url.rsplit("/", 1)[1]}).status_code == 200


def film_id(browser: Browser, title: str) -> int:
    hits = browser.get("/api/films", params={"q": title}).json()
    return int(next(h["id"] for h in hits if h["title"] == title))


def rate(browser: Browser, ratings: dict[str, float]) -> None:
    for title, stars in ratings.items():
        done = browser.api_post(f"/api/films/{film_id(browser, title)}/rating", {"stars": stars})
        assert done.status_code == 200


def together(browser: Browser, *friends: Browser, **params: str) -> list[dict[str, object]]:
    query = [("with", handle(f)) for f in friends] + list(params.items())
    answer = browser.get("/api/together", params=query)
    assert answer.status_code == 200, answer.text
    picks: list[dict[str, object]] = answer.json()["picks"]
    return picks


def page_titles(browser: Browser, *friends: Browser, **params: str) -> list[str]:
    query = [("with", handle(f)) for f in friends] + list(params.items())
    page = browser.get("/together", params=query)
    assert page.status_code == 200, page.text
    return [title for _, title in _TITLES.findall(page.text)]


@pytest.fixture
def pair(people: Callable[[str], Browser]) -> tuple[Browser, Browser]:
    ann, bob = people("ann"), people("bob")
    befriend(ann, bob)
    return ann, bob


# --- the ranked list -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "strategy", ["fair", "least-misery", "borda", "average", "normalised-average"]
)
def test_films_both_rated_alike_keep_their_order_under_every_strategy(
    pair: tuple[Browser, Browser], strategy: str
) -> None:
    ann, bob = pair
    ratings = {"Braveheart": 5, "GoldenEye": 3, "Heat": 1}
    rate(ann, ratings)
    rate(bob, ratings)
    picks = together(ann, bob, strategy=strategy, **ACTION_1995)
    assert [p["title"] for p in picks] == ["Braveheart", "GoldenEye", "Heat"]
    # Their own ratings show as theirs, with the seen badges they make.
    for pick, stars in zip(picks, (5, 3, 1), strict=True):
        members = pick["members"]
        assert isinstance(members, list)
        assert [(m["stars"], m["rated"], m["seen_stars"]) for m in members] == [
            (stars, True, stars)
        ] * 2
    # The page shows the same order.
    assert page_titles(ann, bob, strategy=strategy, **ACTION_1995) == [
        "Braveheart",
        "GoldenEye",
        "Heat",
    ]


def test_least_misery_puts_first_the_film_that_is_nobodys_last(
    pair: tuple[Browser, Browser],
) -> None:
    ann, bob = pair
    rate(ann, {"Braveheart": 5, "GoldenEye": 4, "Heat": 1})
    rate(bob, {"Braveheart": 1, "GoldenEye": 4, "Heat": 5})
    picks = together(ann, bob, strategy="least-misery", **ACTION_1995)
    assert picks[0]["title"] == "GoldenEye"
    assert sorted(str(p["title"]) for p in picks[1:]) == ["Braveheart", "Heat"]
    fits = [p["fit"] for p in picks]
    assert fits == sorted(fits, reverse=True)  # type: ignore[type-var]


def test_the_page_and_the_api_give_the_same_order_with_stars_and_reasons(
    pair: tuple[Browser, Browser],
) -> None:
    ann, bob = pair
    rate(ann, {"Fried Green Tomatoes": 5})
    api = together(ann, bob)
    assert len(api) == 10
    page = ann.get("/together", params={"with": handle(bob)})
    assert page.status_code == 200
    assert [int(i) for i, _ in _TITLES.findall(page.text)] == [p["id"] for p in api]
    for pick in api:
        members = pick["members"]
        assert isinstance(members, list)
        assert [m["handle"] for m in members] == [handle(ann), handle(bob)]
        assert all(0.5 <= m["stars"] <= 5 and m["reason"] for m in members)
    # ann's reasons cite the film she loved, linked; bob has no ratings: the crowd's favourites.
    assert "<em>Fried Green Tomatoes</em></a>, which you loved" in page.text
    assert "a crowd favourite (no ratings to go on yet)" in page.text
    assert f'src="/films/{api[0]["id"]}/poster"' in page.text
    assert "style=" not in page.text and "<script>" not in page.text


def test_a_film_both_rated_one_star_is_gone(pair: tuple[Browser, Browser]) -> None:
    ann, bob = pair
    assert together(ann, bob, seen="show-all")[0]["title"] == "Beaches"
    rate(ann, {"Beaches": 1})
    rate(bob, {"Beaches": 1})
    for seen in ("show-all", "prefer-unseen"):
        assert "Beaches" not in [p["title"] for p in together(ann, bob, seen=seen, k="50")]


def test_a_vetoed_genre_never_appears(pair: tuple[Browser, Browser]) -> None:
    ann, bob = pair
    assert together(ann, bob, genre="Horror")  # there are horror films to veto
    assert bob.api_post("/api/me/vetoes/genres", {"genre": "Horror"}).status_code == 200
    assert together(ann, bob, genre="Horror") == []
    picks = together(ann, bob, k="50", seen="show-all")
    assert picks and all("Horror" not in p["genres"] for p in picks)  # type: ignore[operator]
    page = ann.get("/together", params={"with": handle(bob), "genre": "Horror"})
    assert "Nothing passes these filters and everyone" in page.text


def test_a_private_friends_seen_films_never_show(people: Callable[[str], Browser]) -> None:
    ann, bob, cat = people("ann"), people("bob"), people("cat")
    befriend(ann, bob)
    befriend(ann, cat)
    patched = bob.client.patch(
        "/api/me/settings", json={"private": True}, headers={"X-CSRF-Token": bob.api_csrf()}
    )
    assert patched.json()["private"] is True
    befriend(bob, cat)
    rate(bob, {"Beaches": 5})
    rate(cat, {"Steel Magnolias": 5})
    bob_h, cat_h = handle(bob), handle(cat)
    picks = together(ann, bob, cat, seen="show-all", k="30")
    titles = [p["title"] for p in picks]
    # cat's film shows with her badge; bob's is silently left out, and nothing names him.
    assert "Steel Magnolias" in titles and "Beaches" not in titles
    for pick in picks:
        members = {m["handle"]: m for m in pick["members"]}  # type: ignore[attr-defined]
        assert members[bob_h]["seen"] is False and members[bob_h]["rated"] is False
    page = ann.get("/together", params=[("with", bob_h), ("with", cat_h), ("seen", "show-all")])
    assert f"{cat_h} has seen it, 5★" in page.text
    assert f"{bob_h} has seen it" not in page.text
    # bob sees his own.
    mine = bob.get("/together", params=[("with", cat_h), ("seen", "show-all"), ("k", "30")])
    assert f"{bob_h} has seen it, 5★" in mine.text


# --- who may be in the group -----------------------------------------------------------------


def test_only_friends_can_be_chosen_and_a_stranger_looks_like_nobody(
    people: Callable[[str], Browser],
) -> None:
    ann, bob, stranger = people("ann"), people("bob"), people("stranger")
    befriend(ann, bob)
    film = film_id(ann, "Heat")
    for who in (handle(stranger), "nobody-at-all"):
        answers = [
            ann.get("/together", params=[("with", handle(bob)), ("with", who)]),
            ann.get("/api/together", params={"with": who}),
            ann.api_post("/api/together/picks", {"film_id": film, "with": [handle(bob), who]}),
            ann.submit("/together", f"/together/picks?with={who}", {"film_id": str(film)}),
        ]
        for answer in answers:
            assert answer.status_code == 404
            said = html.unescape(answer.text).casefold()  # a page says it as a sentence
            assert f"no friend of yours is called {who!r}" in said
    assert ann.get("/api/together/picks").json() == []
    # The same handle in another case is the friend; the caller's own handle adds nothing.
    upper = together(ann, bob)
    again = ann.get("/api/together", params=[("with", handle(bob).upper()), ("with", handle(ann))])
    assert [p["id"] for p in again.json()["picks"]] == [p["id"] for p in upper]


def test_no_friends_chosen_or_too_many_say_so(people: Callable[[str], Browser]) -> None:
    ann = people("ann")
    alone = ann.get("/together")
    assert alone.status_code == 200 and "No friends here yet" in alone.text
    friends = [people(f"f{i}") for i in range(8)]
    for friend in friends:
        befriend(ann, friend)
    page = ann.get("/together")
    assert "Tick the friends who are there" in page.text
    assert page.text.count('name="with"') == 8
    too_many = ann.get("/api/together", params=[("with", handle(f)) for f in friends])
    assert too_many.status_code == 400
    assert "a group is 2 to 8 people, you included; you chose 8 friends" in too_many.json()["error"]
    assert ann.get("/api/together").status_code == 400  # nobody chosen


def test_the_filters_are_kept_in_the_form(pair: tuple[Browser, Browser]) -> None:
    ann, bob = pair
    page = ann.get(
        "/together",
        params={
            "with": handle(bob),
            "not_genre": "Comedy",
            "max_runtime": "100",
            "seen": "hide-if-any",
            "strategy": "borda",
        },
    ).text
    assert f'name="with" value="{handle(bob)}" checked' in page
    assert 'name="not_genre" value="Comedy" checked' in page
    assert 'value="100"' in page and "<details open>" in page
    assert '<option value="hide-if-any" selected>' in page
    assert '<option value="borda" selected>' in page
    assert ann.get("/api/together", params={"with": handle(bob), "seen": "x"}).status_code == 422
    # The form as a browser sends it, empty number fields included: no limit, not a 422.
    blank = {"with": handle(bob), "year_min": "", "year_max": "", "max_runtime": ""}
    assert ann.get("/together", params=blank).status_code == 200
    assert (
        ann.get("/api/together", params=blank).json()
        == ann.get("/api/together", params={"with": handle(bob)}).json()
    )


# --- recording the pick ----------------------------------------------------------------------


def test_a_pick_is_recorded_with_the_group_and_the_strategy(
    people: Callable[[str], Browser],
) -> None:
    ann, bob, cat = people("ann"), people("bob"), people("cat")
    befriend(ann, bob)
    befriend(ann, cat)
    here = f"/together?with={handle(bob)}&strategy=least-misery"
    top = together(ann, bob, strategy="least-misery")[0]
    page = ann.get(here).text
    assert f'action="/together/picks?with={handle(bob)}&amp;strategy=least-misery"' in page
    done = ann.submit(
        here,
        f"/together/picks?with={handle(bob)}&strategy=least-misery",
        {"film_id": str(top["id"])},
    )
    assert done.status_code == 303
    target = urlsplit(done.headers["location"])
    assert target.path == "/together"
    query = parse_qs(target.query)
    assert query["with"] == [handle(bob)] and query["strategy"] == ["least-misery"]
    shown = ann.get(done.headers["location"]).text
    assert f'Saved: we\'ll watch <a href="/films/{top["id"]}">{top["title"]}</a>' in shown
    assert "Recent picks" in shown
    recorded = ann.get("/api/together/picks").json()
    assert len(recorded) == 1
    pick = recorded[0]
    assert pick["film"]["id"] == top["id"] and pick["strategy"] == "least-misery"
    assert [m["handle"] for m in pick["members"]] == [handle(ann), handle(bob)]
    assert pick["chooser"]["handle"] == handle(ann)
    assert pick["created_at"].endswith("Z")
    assert bob.get("/api/together/picks").json() == recorded  # bob was there
    assert cat.get("/api/together/picks").json() == []  # cat was not
    # Someone else's pick id in the address shows nothing.
    assert "Saved:" not in cat.get(f"/together?saved={pick['id']}").text
    # The API records one too (the default strategy), newest first.
    heat = film_id(bob, "Heat")
    made = bob.api_post("/api/together/picks", {"film_id": heat, "with": [handle(ann)]})
    assert made.status_code == 201 and made.json()["strategy"] == "fair"
    assert [p["film"]["title"] for p in ann.get("/api/together/picks").json()] == [
        "Heat",
        top["title"],
    ]
    missing = bob.api_post("/api/together/picks", {"film_id": 999999, "with": [handle(ann)]})
    assert missing.status_code == 404


def test_recording_a_pick_needs_the_csrf_token(pair: tuple[Browser, Browser]) -> None:
    ann, bob = pair
    heat = film_id(ann, "Heat")
    form = ann.client.post(f"/together/picks?with={handle(bob)}", data={"film_id": str(heat)})
    assert form.status_code == 403
    forged = ann.client.post(
        f"/together/picks?with={handle(bob)}", data={"film_id": str(heat), "csrf_token": "x" * 64}
    )
    assert forged.status_code == 403
    api = ann.client.post("/api/together/picks", json={"film_id": heat, "with": [handle(bob)]})
    assert api.status_code == 403 and "CSRF" in api.json()["error"]
    assert ann.get("/api/together/picks").json() == []


# --- who should I see this with? -------------------------------------------------------------


def test_the_film_page_ranks_friends_for_it_keeping_privacy(
    people: Callable[[str], Browser],
) -> None:
    ann, bob, cat = people("ann"), people("bob"), people("cat")
    beaches = film_id(ann, "Beaches")
    lonely = ann.get(f"/api/films/{beaches}").json()
    assert lonely["companions"] == [] and "add a friend" in lonely["companions_note"]
    assert "Nobody to suggest: add a friend" in ann.get(f"/films/{beaches}").text
    befriend(ann, bob)
    befriend(ann, cat)
    cat.client.patch(
        "/api/me/settings", json={"private": True}, headers={"X-CSRF-Token": cat.api_csrf()}
    )
    rate(bob, {"Beaches": 5})
    rate(cat, {"Beaches": 0.5})
    body = ann.get(f"/api/films/{beaches}").json()
    mates = body["companions"]
    # bob's own 5★ tops any prediction; cat's rating never shows, her prediction does.
    assert [m["handle"] for m in mates] == [handle(bob), handle(cat)]
    assert (mates[0]["stars"], mates[0]["seen"], mates[0]["seen_stars"]) == (5, True, 5)
    assert mates[1]["seen"] is False and mates[1]["seen_stars"] is None
    assert mates[1]["stars"] != 0.5 and mates[1]["reason"]["kind"] == "private"
    page = ann.get(f"/films/{beaches}").text
    assert "Who should I see this with?" in page
    assert f"{handle(bob)} has seen it, 5★" in page
    assert f"{handle(cat)} has seen it" not in page
    assert f"suits {handle(cat)}&#39;s taste" in page


def test_a_friends_reason_is_about_them_and_a_private_ones_cites_nothing(
    people: Callable[[str], Browser],
) -> None:
    ann, bob, cat = people("ann"), people("bob"), people("cat")
    befriend(ann, bob)
    befriend(ann, cat)
    cat.client.patch(
        "/api/me/settings", json={"private": True}, headers={"X-CSRF-Token": cat.api_csrf()}
    )
    rate(ann, {"Fried Green Tomatoes": 5})
    rate(bob, {"Fried Green Tomatoes": 5})
    rate(cat, {"Fried Green Tomatoes": 5})
    bob_h, cat_h = handle(bob), handle(cat)
    # The film page's "who should I see this with?": bob's reason is worded about bob.
    beaches = film_id(ann, "Beaches")
    mates = {m["handle"]: m for m in ann.get(f"/api/films/{beaches}").json()["companions"]}
    assert mates[bob_h]["reason"]["text"] == f"like Fried Green Tomatoes, which {bob_h} loved"
    assert mates[cat_h]["reason"] == {
        "kind": "private",
        "text": f"suits {cat_h}'s taste",
        "parts": [{"text": f"suits {cat_h}'s taste", "title": False, "film_id": None}],
    }
    page = ann.get(f"/films/{beaches}").text
    assert f"<em>Fried Green Tomatoes</em></a>, which {bob_h} loved" in page
    assert f"suits {cat_h}&#39;s taste" in page
    # Watch together: ann's own reasons say "you", bob's name him, cat's cite none of her films.
    query = [("with", bob_h), ("with", cat_h), ("seen", "show-all")]
    picks = ann.get("/api/together", params=query).json()["picks"]
    texts = {m["handle"]: m["reason"]["text"] for pick in picks for m in pick["members"]}
    assert texts[handle(ann)].endswith(", which you loved")
    assert (
        texts[bob_h].endswith(f", which {bob_h} loved") and texts[cat_h] == f"suits {cat_h}'s taste"
    )
    together_page = ann.get("/together", params=query).text
    assert "</a>, which you loved" in together_page
    assert f"</a>, which {bob_h} loved" in together_page
    assert f"which {cat_h} loved" not in together_page
    # bob, looking at the same group, is "you" in his own reasons.
    his = bob.get("/api/together", params=[("with", handle(ann))]).json()["picks"]
    mine = [m["reason"]["text"] for p in his for m in p["members"] if m["handle"] == bob_h]
    assert mine and all(not t.endswith(f"which {bob_h} loved") for t in mine)


# --- no model, root path ---------------------------------------------------------------------


def test_without_a_model_the_page_says_so_under_the_root_path(
    make_app: Callable[..., FastAPI],
) -> None:
    root = "/reelmates"
    app = make_app(root_path=root, signup_policy="open")
    seed_starter_catalog(app.state.engine)
    with TestClient(app) as one, TestClient(app) as two:
        ann, bob = Browser(one, prefix=root), Browser(two, prefix=root)
        ann.sign_up("ann")
        bob.sign_up("bob")
        befriend(ann, bob)
        page = ann.get("/together?with=bob")
        assert page.status_code == 200
        assert "No picks yet: no taste model" in page.text
        refs = [r for r in re.findall(r'(?:href|src|action)="([^"]*)"', page.text) if r[0] != "#"]
        assert refs and all(r.startswith(root + "/") for r in refs), refs
        assert 'href="/reelmates/together" aria-current="page">Watch together' in page.text
        api = ann.get("/api/together?with=bob")
        assert api.status_code == 404 and api.json()["error"].startswith("no picks yet")
        film = film_id(ann, "Heat")
        done = ann.submit("/together?with=bob", "/together/picks?with=bob", {"film_id": str(film)})
        assert done.status_code == 303
        assert done.headers["location"] == f"{root}/together?with=bob&saved=1"
