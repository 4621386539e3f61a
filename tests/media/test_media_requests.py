"""The request clients (Radarr v3, Jellyseerr/Overseerr): their logic through a loopback fake
(what is sent, asking twice, the states), then every call against a contract mock of each
published document (Prism validates each request)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from media_fake import FakeServer, Reply, fake_server
from media_prism import contract, prism_mock

from reelmates.errors import SourceUnavailableError
from reelmates.media.fetch import AllowList
from reelmates.media.jellyseerr import JellyseerrClient
from reelmates.media.radarr import RadarrClient
from reelmates.media.requests import FilmRequest, RequestClient

KEY = "radarr-or-seerr-key-0123456789"
CITY_LIGHTS = 901  # TMDB


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    with fake_server() as server:
        yield server


def radarr(url: str) -> RadarrClient:
    return RadarrClient(
        url, KEY, allowed=AllowList([url]), quality_profile_id=4, root_folder_path="/films"
    )


def seerr(url: str) -> JellyseerrClient:
    return JellyseerrClient(url, KEY, allowed=AllowList([url]))


def test_both_are_request_clients() -> None:
    clients: list[RequestClient] = [radarr("http://127.0.0.1:7878"), seerr("http://127.0.0.1:1")]
    assert [c.kind for c in clients] == ["radarr", "jellyseerr"]


def test_radarr_adds_a_film_it_does_not_have(fake: FakeServer) -> None:
    fake.routes["/api/v3/movie"] = lambda seen: (
        Reply.json([])
        if seen.method == "GET"
        else Reply.json({**LOOKUP, "id": 17, "monitored": True}, 201)
    )
    fake.routes["/api/v3/movie/lookup/tmdb"] = lambda _seen: Reply.json(LOOKUP)
    made = radarr(fake.url).request(CITY_LIGHTS)
    assert made == FilmRequest("radarr", "17", CITY_LIGHTS, "wanted", "City Lights")
    assert [(s.method, s.path, s.param("tmdbId")) for s in fake.seen] == [
        ("GET", "/api/v3/movie", "901"),
        ("GET", "/api/v3/movie/lookup/tmdb", "901"),
        ("POST", "/api/v3/movie", None),
    ]
    assert all(s.headers["x-api-key"] == KEY for s in fake.seen)
    body = json.loads(fake.seen[-1].body)
    assert body["tmdbId"] == CITY_LIGHTS
    assert (body["qualityProfileId"], body["rootFolderPath"]) == (4, "/films")
    assert body["monitored"] is True
    assert body["addOptions"] == {"searchForMovie": True, "monitor": "movieOnly"}
    assert (body["title"], body["year"], body["titleSlug"]) == (
        "City Lights",
        1931,
        "city-lights-901",
    )


LOOKUP = {
    "title": "City Lights",
    "year": 1931,
    "tmdbId": CITY_LIGHTS,
    "imdbId": "tt0021749",
    "titleSlug": "city-lights-901",
    "images": [{"coverType": "poster", "remoteUrl": "https://image.tmdb.org/t/p/original/x.jpg"}],
    "monitored": False,
    "hasFile": False,
}


def test_radarr_is_not_asked_twice_for_a_film_it_has(fake: FakeServer) -> None:
    fake.routes["/api/v3/movie"] = lambda _seen: Reply.json(
        [{**LOOKUP, "id": 17, "monitored": True, "hasFile": True}]
    )
    made = radarr(fake.url).request(CITY_LIGHTS)
    assert made.state == "available"
    assert [s.method for s in fake.seen] == ["GET"]


@pytest.mark.parametrize(
    ("monitored", "has_file", "state"),
    [(True, False, "wanted"), (False, False, "unmonitored"), (True, True, "available")],
)
def test_radarr_states(fake: FakeServer, monitored: bool, has_file: bool, state: str) -> None:
    fake.routes["/api/v3/movie/17"] = lambda _seen: Reply.json(
        {**LOOKUP, "id": 17, "monitored": monitored, "hasFile": has_file}
    )
    assert radarr(fake.url).status("17") == FilmRequest(
        "radarr",
        "17",
        CITY_LIGHTS,
        state,
        "City Lights",  # type: ignore[arg-type]
    )


def test_radarr_that_does_not_know_the_film(fake: FakeServer) -> None:
    fake.routes["/api/v3/movie"] = lambda _seen: Reply.json([])
    fake.routes["/api/v3/movie/lookup/tmdb"] = lambda _seen: Reply.json({"tmdbId": 0})
    with pytest.raises(SourceUnavailableError, match="does not know a film with TMDB id 901"):
        radarr(fake.url).request(CITY_LIGHTS)


def seerr_request(request_id: int, status: int, media_status: int) -> dict[str, object]:
    return {
        "id": request_id,
        "status": status,
        "media": {"tmdbId": CITY_LIGHTS, "status": media_status},
    }


def test_jellyseerr_creates_a_movie_request(fake: FakeServer) -> None:
    fake.routes["/api/v1/request"] = lambda _seen: Reply.json(seerr_request(5, 1, 2), 201)
    made = seerr(fake.url).request(CITY_LIGHTS)
    assert made == FilmRequest("jellyseerr", "5", CITY_LIGHTS, "pending")
    assert json.loads(fake.seen[-1].body) == {"mediaType": "movie", "mediaId": CITY_LIGHTS}
    assert fake.seen[0].headers["x-api-key"] == KEY


def test_jellyseerr_asked_twice_names_the_earlier_request(fake: FakeServer) -> None:
    fake.routes["/api/v1/request"] = lambda _seen: Reply.json(
        {"message": "Request for this media already exists."}, 409
    )
    fake.routes["/api/v1/movie/901"] = lambda _seen: Reply.json(
        {
            "id": CITY_LIGHTS,
            "title": "City Lights",
            "mediaInfo": {
                "tmdbId": CITY_LIGHTS,
                "status": 5,
                "requests": [seerr_request(3, 2, 5), seerr_request(4, 3, 5)],
            },
        }
    )
    made = seerr(fake.url).request(CITY_LIGHTS)
    assert made == FilmRequest("jellyseerr", "4", CITY_LIGHTS, "declined")


@pytest.mark.parametrize(
    ("status", "media_status", "state"),
    [(1, 2, "pending"), (2, 3, "wanted"), (2, 5, "available"), (3, 1, "declined")],
)
def test_jellyseerr_states(fake: FakeServer, status: int, media_status: int, state: str) -> None:
    fake.routes["/api/v1/request/9"] = lambda _seen: Reply.json(
        seerr_request(9, status, media_status)
    )
    assert seerr(fake.url).status("9").state == state


# --- against the contract mocks --------------------------------------------------------------


@pytest.fixture(scope="module")
def radarr_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("prism") / "radarr.log"
    with prism_mock(contract("radarr-openapi-v3.json"), log) as url:
        yield url


@pytest.fixture(scope="module")
def seerr_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("prism") / "jellyseerr.log"
    with prism_mock(contract("jellyseerr-api.yml"), log, errors=False) as url:
        yield url


def test_radarr_calls_are_ones_the_document_allows(radarr_mock: str) -> None:
    client = radarr(radarr_mock)
    made = client.request(CITY_LIGHTS)
    assert made.kind == "radarr"
    assert client.status(made.external_id).kind == "radarr"
    assert all(isinstance(name, str) for _id, name in client.quality_profiles())
    assert all(isinstance(path, str) for path in client.root_folders())


def test_radarr_mock_refuses_what_the_document_does_not_allow(radarr_mock: str) -> None:
    headers = {"X-Api-Key": KEY}
    bad = httpx.get(
        f"{radarr_mock}/api/v3/movie/lookup/tmdb", params={"tmdbId": "x"}, headers=headers
    )
    assert bad.status_code == 422
    assert httpx.get(f"{radarr_mock}/api/v3/movie").status_code == 401  # no key
    with pytest.raises(SourceUnavailableError, match="answered 422"):
        radarr(radarr_mock).status("seventeen")  # the document's id is an integer


def test_jellyseerr_calls_are_ones_the_document_allows(seerr_mock: str) -> None:
    # Prism serves the document's paths without its server path (/api/v1): its FAQ says it
    # never applies one.
    client = JellyseerrClient(seerr_mock, KEY, allowed=AllowList([seerr_mock]), api_root="")
    made = client.request(CITY_LIGHTS)
    assert made.kind == "jellyseerr"
    assert client.status(made.external_id).kind == "jellyseerr"


def test_jellyseerr_mock_refuses_what_the_document_does_not_allow(seerr_mock: str) -> None:
    headers = {"X-Api-Key": KEY}
    bad = httpx.post(f"{seerr_mock}/request", json={"mediaType": "film"}, headers=headers)
    assert bad.status_code == 422
