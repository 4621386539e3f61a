"""Onboarding: a new member rates their first films one card at a time, on the demo (starter
catalog, Jess and Milly, a model trained once for the module), by plain forms and by /api."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web_browsers import Browser, web_settings

from reelmates.services.demo import run_demo
from reelmates.services.starter import seed_starter_catalog
from reelmates.services.uow import unit_of_work
from reelmates.store.migrate import open_database
from reelmates.store.models import OnboardingCard, Person
from reelmates.web.app import create_app

_handles = itertools.count()
_CARD = re.compile(r'name="film_id" value="(\d+)"')


@pytest.fixture(scope="module")
def trained_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    folder = tmp_path_factory.mktemp("onboarding")
    settings = web_settings(folder, signup_policy="open")
    engine = open_database(settings)
    run_demo(engine, settings)
    engine.dispose()
    app = create_app(settings)
    app.state.test_folder = folder
    yield app
    app.state.engine.dispose()


@pytest.fixture
def member(trained_app: FastAPI) -> Iterator[Browser]:
    """A new member (no ratings) logged in."""
    with TestClient(trained_app) as client:
        browser = Browser(client)
        assert browser.sign_up(f"newbie{next(_handles)}").status_code == 303
        yield browser


def _card_on_page(browser: Browser) -> int:
    found = _CARD.search(browser.get("/onboarding").text)
    assert found, "no card on the page"
    return int(found.group(1))


def _answer(browser: Browser, film_id: int, answer: str) -> None:
    done = browser.submit(
        "/onboarding", "/onboarding/answers", {"film_id": str(film_id), "answer": answer}
    )
    assert done.status_code == 303 and done.headers["location"] == "/onboarding"


def _cards_of(app: FastAPI, handle: str) -> list[tuple[int, bool]]:
    with unit_of_work(app.state.engine, read_only=True) as session:
        pid = session.scalar(select(Person.id).where(Person.handle == handle))
        rows = session.execute(
            select(OnboardingCard.film_id, OnboardingCard.skipped).where(
                OnboardingCard.person_id == pid
            )
        )
        return sorted((int(f), bool(s)) for f, s in rows)


def _handle(browser: Browser) -> str:
    handle: str = browser.get("/api/me").json()["handle"]
    return handle


def test_the_first_card_shows_a_poster_title_progress_and_every_answer(member: Browser) -> None:
    page = member.get("/onboarding")
    assert page.status_code == 200
    text = page.text
    film = _card_on_page(member)
    assert "<strong>1 of 20</strong>" in text
    assert f'src="/films/{film}/poster"' in text
    for value in ("0.5", "1", "2.5", "4.5", "5"):
        assert f'name="answer" value="{value}"' in text
    assert 'name="answer" value="unseen"' in text and "Haven't seen it" in text
    assert 'href="/films"' in text and 'href="/settings/import"' in text  # search, Letterboxd
    assert "style=" not in text and "<script>" not in text
    body = member.get("/api/onboarding/next").json()
    assert body["card"]["id"] == film and body["number"] == 1 and body["budget"] == 20
    assert body["card"]["poster_url"] == f"/films/{film}/poster"
    assert (body["answered"], body["rated"], body["skipped"], body["finished"]) == (0, 0, 0, False)


def test_cards_advance_and_a_rating_is_stored_as_a_rating(member: Browser) -> None:
    first = _card_on_page(member)
    _answer(member, first, "4")
    page = member.get("/onboarding").text
    assert "<strong>2 of 20</strong>" in page and "1 rated, 0 not seen" in page
    second = _card_on_page(member)
    assert second != first
    film = member.get(f"/api/films/{first}").json()
    assert (film["my_stars"], film["seen"]) == (4.0, True)
    # the rating counts in the picks at once (fold-in): nothing cites "no ratings" any more
    picks = member.get("/api/picks?k=5").json()
    assert first not in [p["id"] for p in picks]
    assert all(p["reason"]["kind"] != "no-ratings" for p in picks)


def test_a_skip_is_recorded_and_the_film_not_shown_again(
    trained_app: FastAPI, member: Browser
) -> None:
    first = _card_on_page(member)
    _answer(member, first, "unseen")
    assert _cards_of(trained_app, _handle(member)) == [(first, True)]
    assert member.get(f"/api/films/{first}").json()["my_stars"] is None  # no rating made
    body = member.get("/api/onboarding/next").json()
    assert (body["answered"], body["skipped"], body["number"]) == (1, 1, 2)
    assert body["card"]["id"] != first


def test_the_budget_ends_at_20_with_no_film_twice_then_links_to_picks(
    trained_app: FastAPI, member: Browser
) -> None:
    shown = []
    for n in range(20):
        step = member.get("/api/onboarding/next").json()
        assert step["number"] == n + 1 and step["card"] is not None
        film = step["card"]["id"]
        shown.append(film)
        answer = {"film_id": film, "stars": None if n % 3 == 0 else 3.5}
        assert member.api_post("/api/onboarding/answers", answer).status_code == 200
    assert len(set(shown)) == 20
    done = member.get("/api/onboarding/next").json()
    assert done["card"] is None and done["finished"] is True
    assert (done["answered"], done["skipped"], done["rated"]) == (20, 7, 13)
    page = member.get("/onboarding").text
    assert 'name="film_id"' not in page
    assert 'href="/picks"' in page and "See your picks" in page
    more = member.api_post("/api/onboarding/answers", {"film_id": shown[0] + 1, "stars": 4})
    assert more.status_code == 409 and "all 20 cards" in more.json()["error"]
    assert len(_cards_of(trained_app, _handle(member))) == 20


def test_films_rated_elsewhere_are_never_asked(member: Browser) -> None:
    film = member.get("/api/onboarding/next").json()["card"]["id"]
    assert member.api_post(f"/api/films/{film}/rating", {"stars": 2}).status_code == 200
    step = member.get("/api/onboarding/next").json()
    assert step["card"]["id"] != film and step["answered"] == 0  # no card used


def test_answering_needs_the_csrf_token(trained_app: FastAPI, member: Browser) -> None:
    film = _card_on_page(member)
    refused = member.client.post(
        "/onboarding/answers", data={"film_id": str(film), "answer": "4"}, follow_redirects=False
    )
    assert refused.status_code == 403
    forged = member.client.post(
        "/onboarding/answers",
        data={"film_id": str(film), "answer": "4", "csrf_token": "x" * 64},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    api = member.client.post("/api/onboarding/answers", json={"film_id": film, "stars": 4})
    assert api.status_code == 403 and "CSRF" in api.json()["error"]
    assert _cards_of(trained_app, _handle(member)) == []
    assert member.get(f"/api/films/{film}").json()["my_stars"] is None


@pytest.mark.parametrize("answer", ["6", "0", "2.3", "lots"])
def test_an_answer_that_is_not_a_rating_is_refused(member: Browser, answer: str) -> None:
    film = _card_on_page(member)
    refused = member.submit(
        "/onboarding", "/onboarding/answers", {"film_id": str(film), "answer": answer}
    )
    assert refused.status_code == 422
    assert member.get("/api/onboarding/next").json()["answered"] == 0


def test_the_pages_need_a_log_in(trained_app: FastAPI) -> None:
    with TestClient(trained_app) as client:
        page = client.get("/onboarding", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert client.get("/api/onboarding/next").status_code == 401


def test_home_offers_onboarding_until_five_ratings(member: Browser) -> None:
    home = member.get("/").text
    assert 'href="/onboarding"' in home and "Rate 20 films to start" in home
    for _ in range(5):
        film = member.get("/api/onboarding/next").json()["card"]["id"]
        member.api_post("/api/onboarding/answers", {"film_id": film, "stars": 4})
    assert "Rate 20 films to start" not in member.get("/").text


def test_deleting_the_account_removes_its_cards(trained_app: FastAPI, member: Browser) -> None:
    handle = _handle(member)
    _answer(member, _card_on_page(member), "unseen")
    _answer(member, _card_on_page(member), "5")
    with unit_of_work(trained_app.state.engine, read_only=True) as session:
        pid = session.scalar(select(Person.id).where(Person.handle == handle))

    def cards() -> int:
        with unit_of_work(trained_app.state.engine, read_only=True) as session:
            found = session.scalar(
                select(func.count())
                .select_from(OnboardingCard)
                .where(OnboardingCard.person_id == pid)
            )
        return int(found or 0)

    assert cards() == 2
    done = member.submit("/settings/delete", "/settings/delete", {"confirm_handle": handle})
    assert done.status_code == 200 and "Account deleted" in done.text
    assert cards() == 0


def test_without_a_model_the_page_says_so(make_app: Callable[..., FastAPI]) -> None:
    app = make_app()
    seed_starter_catalog(app.state.engine)
    with TestClient(app) as client:
        browser = Browser(client)
        browser.sign_up("solo")
        page = browser.get("/onboarding")
        assert page.status_code == 200
        assert "No card to show: no taste model for this database yet" in page.text
        assert 'href="/films"' in page.text
        body = browser.get("/api/onboarding/next").json()
        assert body["card"] is None and body["finished"] is False and body["note"]


def test_under_a_root_path_every_link_form_and_redirect_keeps_it(trained_app: FastAPI) -> None:
    root = "/reelmates"
    settings = web_settings(trained_app.state.test_folder, signup_policy="open", root_path=root)
    app = create_app(settings)  # the same database and model, served under a sub-path
    try:
        with TestClient(app) as client:
            browser = Browser(client, prefix=root)
            assert browser.sign_up(f"rooted{next(_handles)}").status_code == 303
            html = browser.get("/onboarding").text
            refs = [r for r in re.findall(r'(?:href|src|action)="([^"]*)"', html) if r[0] != "#"]
            assert refs and all(r.startswith(root + "/") for r in refs), refs
            film = int(_CARD.search(html).group(1))  # type: ignore[union-attr]
            done = browser.submit(
                "/onboarding", "/onboarding/answers", {"film_id": str(film), "answer": "3"}
            )
            assert done.status_code == 303 and done.headers["location"] == f"{root}/onboarding"
            card = browser.get("/api/onboarding/next").json()["card"]
            assert card["poster_url"] == f"{root}/films/{card['id']}/poster"
            assert f'href="{root}/onboarding"' in browser.get("/").text
    finally:
        app.state.engine.dispose()
