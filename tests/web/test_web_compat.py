"""A friend's page: taste compatibility, the SVG chart and its tables, /api/friends/{handle}/
compatibility; only for friends (a stranger's is a 404 like nobody's), a private friend's
breakdown never shown, names escaped, the root path honoured."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_browsers import Browser

from reelmates.services.demo import run_demo

SVG = "{http://www.w3.org/2000/svg}"
ROOT = "/reelmates"
HORROR = ("The Exorcist", "Halloween", "Scream", "Hereditary", "The Shining", "It Follows")
LIKED = ("Fried Green Tomatoes", "Beaches", "Steel Magnolias", "Little Women", "Lady Bird")
_handles = itertools.count()
_REFS = re.compile(r'(?:href|src|action)="([^"]*)"')


def _film_id(browser: Browser, title: str) -> int:
    hits = browser.get("/api/films", params={"q": title}).json()
    return int(next(h["id"] for h in hits if h["title"] == title))


def _rate(browser: Browser, titles: tuple[str, ...], stars: float) -> None:
    for title in titles:
        done = browser.api_post(f"/api/films/{_film_id(browser, title)}/rating", {"stars": stars})
        assert done.status_code == 200


def _befriend(a: Browser, b: Browser) -> None:
    token = a.api_post("/api/friends/invites").json()["url"].rsplit("/", 1)[1]
    assert b.api_post("/api/friends/accept", {"token": token}).status_code == 200


def _member(client: TestClient, name: str | None = None) -> tuple[Browser, str]:
    browser = Browser(client)
    handle = f"{name or 'member'}{next(_handles)}"
    assert browser.sign_up(handle).status_code == 303
    return browser, handle


@pytest.fixture
def friends(trained_app: FastAPI) -> Iterator[tuple[Browser, str, Browser, str]]:
    """Two friends who like the same dramas; the first hates horror, the second loves it."""
    with TestClient(trained_app) as a, TestClient(trained_app) as b:
        ann, ann_handle = _member(a, "ann")
        bea, bea_handle = _member(b, "bea")
        _rate(ann, HORROR, 0.5)
        _rate(bea, HORROR, 5.0)
        _rate(ann, LIKED, 5.0)
        _rate(bea, LIKED, 5.0)
        _befriend(ann, bea)
        yield ann, ann_handle, bea, bea_handle


def test_the_friend_page_shows_the_figure_and_horror_as_the_most_different(
    friends: tuple[Browser, str, Browser, str],
) -> None:
    ann, _, _, bea = friends
    body = ann.get(f"/api/friends/{bea}/compatibility").json()
    assert body["friend"]["handle"] == bea and body["private"] is False
    assert 0 <= body["overall"] <= 100 and body["films"] > 700
    assert body["most_different"] == "Horror"
    horror = next(g for g in body["genres"] if g["label"] == "Horror")
    assert horror["my_stars"] < horror["their_stars"]
    assert body["shared"]["films"] == len(HORROR) + len(LIKED)
    assert body["shared"]["difference"] == pytest.approx(4.5 * len(HORROR) / 11)
    assert body["model"]["ratings"] > 0 and body["note"] is None
    page = ann.get(f"/friends/{bea}")
    assert page.status_code == 200
    assert f'<strong id="compat-figure">{body["overall"]:.0f}%</strong>' in page.text
    assert "least on <strong>Horror</strong>" in page.text
    assert f'src="/friends/{bea}/chart.svg"' in page.text
    # The chart's numbers, for screen readers: a table row per genre and decade.
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>', page.text)
    assert rows == [g["label"] for g in body["genres"]] + [d["label"] for d in body["decades"]]
    assert (
        f'<tr><th scope="row">Horror</th><td>{horror["films"]}</td>'
        f"<td>{horror['my_stars']:.1f}★</td><td>{horror['their_stars']:.1f}★</td>"
        f"<td>{horror['agreement']:.0f}%</td></tr>"
    ) in page.text
    listed = ann.get("/friends")
    assert f'href="/friends/{bea}">{bea}</a>' in listed.text


def test_the_chart_is_svg_with_a_title_a_description_and_no_style(
    friends: tuple[Browser, str, Browser, str],
) -> None:
    ann, _, _, bea = friends
    body = ann.get(f"/api/friends/{bea}/compatibility").json()
    chart = ann.get(f"/friends/{bea}/chart.svg")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(chart.text)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-title chart-desc"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert (
        title is not None
        and title.text == f"You and {bea}: mean predicted stars by genre and by decade"
    )
    horror = next(g for g in body["genres"] if g["label"] == "Horror")
    said = f"Horror: You {horror['my_stars']:.1f}★, {bea} {horror['their_stars']:.1f}★"
    assert desc is not None and desc.text and said in desc.text
    assert all("style" not in el.attrib for el in root.iter())
    assert root.find(f".//{SVG}script") is None and "style" not in chart.text
    groups = len(body["genres"]) + len(body["decades"])
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("height") == "12"]
    assert len(bars) == 2 * groups
    # 0–5 stars over 440 px: Bea's horror bar is her mean stars' share of it.
    labels = [t.text for t in root.iter(f"{SVG}text")]
    at = labels.index("Horror")
    assert labels[at + 2] == f"{horror['their_stars']:.1f}★"


def test_only_friends_see_it_a_stranger_gets_the_same_404_as_nobody(
    trained_app: FastAPI, friends: tuple[Browser, str, Browser, str]
) -> None:
    *_, bea = friends
    with TestClient(trained_app) as c:
        stranger, _ = _member(c, "stranger")
        for path in (f"/friends/{bea}", f"/friends/{bea}/chart.svg"):
            assert stranger.get(path).status_code == 404
        theirs = stranger.get(f"/api/friends/{bea}/compatibility")
        nobody = stranger.get("/api/friends/nobody-at-all/compatibility")
        assert theirs.status_code == nobody.status_code == 404
        assert theirs.json()["error"] == f"no friend of yours is called {bea!r}"
        assert nobody.json()["error"] == "no friend of yours is called 'nobody-at-all'"
    with TestClient(trained_app) as logged_out:
        assert logged_out.get(f"/api/friends/{bea}/compatibility").status_code == 401
        assert logged_out.get(f"/friends/{bea}", follow_redirects=False).status_code in (303, 401)


def test_a_private_friend_shows_only_the_overall_figure(
    friends: tuple[Browser, str, Browser, str],
) -> None:
    ann, ann_handle, bea, bea_handle = friends
    public = ann.get(f"/api/friends/{bea_handle}/compatibility").json()
    made = bea.client.patch(
        "/api/me/settings", json={"private": True}, headers={"X-CSRF-Token": bea.api_csrf()}
    )
    assert made.status_code == 200
    body = ann.get(f"/api/friends/{bea_handle}/compatibility").json()
    assert body["private"] is True and body["overall"] == pytest.approx(public["overall"])
    assert body["genres"] == [] and body["decades"] == [] and body["shared"] is None
    assert body["most_different"] is None
    page = ann.get(f"/friends/{bea_handle}").text
    assert "keeps their taste private" in page and "chart.svg" not in page
    assert "<table" not in page and "Horror" not in page
    assert ann.get(f"/friends/{bea_handle}/chart.svg").status_code == 404
    # Bea sees all of her own: Ann is not private, so Bea's view has the breakdown.
    hers = bea.get(f"/api/friends/{ann_handle}/compatibility").json()
    assert hers["private"] is False and hers["most_different"] == "Horror"


def test_a_friends_name_is_escaped_on_the_page_and_in_the_chart(
    friends: tuple[Browser, str, Browser, str],
) -> None:
    ann, _, bea, bea_handle = friends
    name = '<script>alert("x")</script>&'
    made = bea.client.patch(
        "/api/me/settings", json={"display_name": name}, headers={"X-CSRF-Token": bea.api_csrf()}
    )
    assert made.status_code == 200
    page = ann.get(f"/friends/{bea_handle}").text
    assert name not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;" in page
    chart = ann.get(f"/friends/{bea_handle}/chart.svg").text
    assert "<script>" not in chart
    root = ET.fromstring(chart)
    title = root.find(f"{SVG}title")
    assert title is not None and title.text and name in title.text  # as text, not markup
    assert name[:23] + "…" in [t.text for t in root.iter(f"{SVG}text")]  # the legend, cut short


def test_without_a_model_the_page_says_why(make_app: Callable[..., FastAPI]) -> None:
    app = make_app()
    with TestClient(app) as a, TestClient(app) as b:
        ann, bea = Browser(a), Browser(b)
        assert ann.sign_up("ann").status_code == 303
        assert bea.sign_up("bea", invite=ann.invite()).status_code == 303
        _befriend(ann, bea)
        body = ann.get("/api/friends/bea/compatibility").json()
        assert body["overall"] is None and body["note"] and body["model"] is None
        page = ann.get("/friends/bea")
        assert page.status_code == 200 and "No compatibility yet" in page.text
        assert ann.get("/friends/bea/chart.svg").status_code == 404


def test_the_friend_page_carries_the_root_path(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(root_path=ROOT, signup_policy="open")
    run_demo(app.state.engine, app.state.settings)
    with TestClient(app) as a, TestClient(app) as b:
        ann, bea = Browser(a, prefix=ROOT), Browser(b, prefix=ROOT)
        assert ann.sign_up("ann").status_code == 303
        assert bea.sign_up("bea").status_code == 303
        _rate(ann, HORROR, 1.0)
        _rate(bea, HORROR, 4.0)
        _befriend(ann, bea)
        page = ann.get("/friends/bea")
        refs = [r for r in _REFS.findall(page.text) if not r.startswith("#")]
        assert f"{ROOT}/friends/bea/chart.svg" in refs
        assert all(r.startswith(ROOT + "/") for r in refs), refs
        assert ann.get("/friends/bea/chart.svg").status_code == 200
        assert f'href="{ROOT}/friends/bea"' in ann.get("/friends").text
