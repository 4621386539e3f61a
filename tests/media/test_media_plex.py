"""The Plex client: recorded-shape pages of real films through a loopback fake (paging, Guid and
legacy guid ids, "changed since", the token's own history), then every call against a contract
mock of the Plex OpenAPI document (Prism validates each request)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from media_fake import FakeServer, Reply, fake_server
from media_prism import contract, prism_mock
from media_recorded import MACHINE_ID, plex_section

from reelmates.errors import SourceUnavailableError
from reelmates.media.base import LibraryClient, ServerFilm, UserFilmState
from reelmates.media.fetch import AllowList
from reelmates.media.plex import OWN_ACCOUNT, PlexClient, stars_of

TOKEN = "plex-token-abcdefghij"
DOCUMENT = "plex-api-spec.yaml"


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    with fake_server() as server:
        server.routes["/library/sections/7/all"] = plex_section("7")
        server.routes["/identity"] = lambda _seen: Reply.json(
            {"MediaContainer": {"size": 0, "claimed": True, "machineIdentifier": MACHINE_ID}}
        )
        yield server


def plex(url: str, **options: object) -> PlexClient:
    return PlexClient(url, TOKEN, allowed=AllowList([url]), **options)  # type: ignore[arg-type]


def test_it_is_a_library_client() -> None:
    client: LibraryClient = plex("http://127.0.0.1:32400")
    assert client.kind == "plex"


@pytest.mark.parametrize(
    ("rating", "stars"), [(None, None), (0.0, None), (10.0, 5.0), (9.0, 4.5), (1.0, 0.5)]
)
def test_ratings_out_of_ten_become_half_stars(rating: float | None, stars: float | None) -> None:
    assert stars_of(rating) == stars


def test_a_section_is_read_page_by_page_with_its_provider_ids(fake: FakeServer) -> None:
    films = list(plex(fake.url, page_size=3).films("7"))
    pages = [s for s in fake.seen if s.path == "/library/sections/7/all"]
    # 8 films in pages of 3: 3 + 3 + 2, the last one short.
    assert [s.param("X-Plex-Container-Start") for s in pages] == ["0", "3", "6"]
    assert {s.param("X-Plex-Container-Size") for s in pages} == {"3"}
    first = pages[0]
    assert (first.param("type"), first.param("includeGuids")) == ("1", "1")
    assert first.headers["x-plex-token"] == TOKEN
    assert first.headers["accept"] == "application/json"
    assert all(TOKEN not in value for _key, value in first.query)
    assert len(films) == 8
    assert films[0] == ServerFilm(
        external_id="1000",
        library_id="7",
        title="City Lights",
        year=1931,
        imdb_id="tt0021749",
        tmdb_id=901,
        updated_at=datetime.fromtimestamp(1_760_000_000, UTC),
        web_url=f"https://app.plex.tv/desktop/#!/server/{MACHINE_ID}/details"
        "?key=%2Flibrary%2Fmetadata%2F1000",
    )
    by_title = {f.title: f for f in films}
    # The legacy agent's guid gives the IMDb id alone; a tvdb:// entry is ignored.
    assert (by_title["Casablanca"].imdb_id, by_title["Casablanca"].tmdb_id) == ("tt0034583", None)
    assert (by_title["Spirited Away"].imdb_id, by_title["Spirited Away"].tmdb_id) == (
        "tt0245429",
        129,
    )


def test_changes_since_stop_at_the_first_older_film(fake: FakeServer) -> None:
    # updatedAt is 1_760_000_000 + 86_400 per film in the list; from the sixth (Fight Club) on.
    since = datetime.fromtimestamp(1_760_000_000 + 5 * 86_400, UTC)
    films = list(plex(fake.url, page_size=3).films("7", since=since))
    assert [f.title for f in films] == ["Spirited Away", "The Matrix", "Fight Club"]
    pages = [s for s in fake.seen if s.path == "/library/sections/7/all"]
    assert [s.param("sort") for s in pages] == ["updatedAt:desc", "updatedAt:desc"]
    assert [s.param("X-Plex-Container-Start") for s in pages] == ["0", "3"]  # stopped in page 2


def test_the_sweep_reads_every_rating_key(fake: FakeServer) -> None:
    ids = plex(fake.url, page_size=5).film_ids("7")
    assert ids == frozenset(str(1000 + i) for i in range(8))


def test_the_tokens_own_history(fake: FakeServer) -> None:
    states = list(plex(fake.url, page_size=10).user_states(OWN_ACCOUNT, "7"))
    watched = datetime(2025, 11, 1, tzinfo=UTC)
    # Watched: every other film from City Lights; Casablanca rated 9/10 (4.5 stars), unwatched.
    assert states == [
        UserFilmState("1000", True, None, watched),
        UserFilmState("1001", False, 4.5, None),
        UserFilmState("1002", True, None, watched),
        UserFilmState("1004", True, None, watched),
        UserFilmState("1006", True, None, watched),
    ]
    with pytest.raises(SourceUnavailableError, match="only its own account"):
        list(plex(fake.url).user_states("someone-else", "7"))


def test_only_movie_sections_are_offered(fake: FakeServer) -> None:
    fake.routes["/library/sections/all"] = lambda _seen: Reply.json(
        {
            "MediaContainer": {
                "size": 2,
                "Directory": [
                    {"key": "7", "title": "Films", "type": "movie", "uuid": "u1", "language": "en"},
                    {"key": "8", "title": "TV", "type": "show", "uuid": "u2", "language": "en"},
                ],
            }
        }
    )
    [library] = plex(fake.url).libraries()
    assert (library.external_id, library.name) == ("7", "Films")


def test_the_one_user_is_the_tokens_own_account(fake: FakeServer) -> None:
    fake.routes["/"] = lambda _seen: Reply.json({"MediaContainer": {"myPlexUsername": "milly"}})
    assert [(u.external_id, u.name) for u in plex(fake.url).users()] == [(OWN_ACCOUNT, "milly")]
    assert fake.seen[0].headers["x-plex-client-identifier"] == "reelmates"


def test_no_machine_identifier_is_an_error(fake: FakeServer) -> None:
    fake.routes["/identity"] = lambda _seen: Reply.json({"MediaContainer": {"size": 0}})
    with pytest.raises(SourceUnavailableError, match="machine identifier"):
        list(plex(fake.url).films("7"))


# --- against the contract mock ---------------------------------------------------------------


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("prism") / "plex.log"
    with prism_mock(contract(DOCUMENT), log, errors=False) as url:
        yield url


def test_every_call_is_one_the_document_allows(mock: str) -> None:
    """Prism checks each request against the document (a 422 would fail the call) and answers
    in the documented shapes, which parse into our records."""
    client = plex(mock)
    [user] = client.users()
    assert user.external_id == OWN_ACCOUNT
    assert all(isinstance(library.name, str) for library in client.libraries())
    films = list(client.films("1"))
    assert all(isinstance(f, ServerFilm) and f.web_url for f in films)
    since = datetime(2026, 11, 3, tzinfo=UTC)
    assert all(isinstance(f, ServerFilm) for f in client.films("1", since=since))
    assert client.film_ids("1") == frozenset(f.external_id for f in films)
    assert all(isinstance(s, UserFilmState) for s in client.user_states(OWN_ACCOUNT, "1"))


def test_the_mock_refuses_what_the_document_does_not_allow(mock: str) -> None:
    headers = {"X-Plex-Token": TOKEN, "Accept": "application/json"}
    # Without the client identifier the document requires, the listing is refused.
    bad = httpx.get(f"{mock}/library/sections/1/all", params={"type": "1"}, headers=headers)
    assert bad.status_code == 422
    assert "X-Plex-Client-Identifier" in bad.text.replace(
        "x-plex-client-identifier", "X-Plex-Client-Identifier"
    )
    headers["X-Plex-Client-Identifier"] = "reelmates"
    good = httpx.get(f"{mock}/library/sections/1/all", params={"type": "1"}, headers=headers)
    assert good.status_code == 200
