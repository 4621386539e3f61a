"""The Jellyfin/Emby client: recorded-shape pages of real films through a loopback fake (paging,
provider ids, watch history, known answers worked by hand), then every call against a contract
mock of Jellyfin's published document (Prism validates each request)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from media_fake import FakeServer, Reply, fake_server
from media_prism import contract, prism_mock
from media_recorded import LIBRARY_ID, SERVER_ID, jellyfin_id, jellyfin_items

from reelmates.errors import SourceUnavailableError
from reelmates.media.base import LibraryClient, ServerFilm, UserFilmState
from reelmates.media.fetch import AllowList
from reelmates.media.jellyfin import JellyfinClient, as_uuid, stars_of

KEY = "0123456789abcdef0123456789abcdef"
DOCUMENT = "jellyfin-openapi-12.0.0.json"


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    with fake_server() as server:
        server.routes["/Items"] = jellyfin_items
        yield server


def jellyfin(url: str, **options: object) -> JellyfinClient:
    return JellyfinClient(url, KEY, allowed=AllowList([url]), **options)  # type: ignore[arg-type]


def test_it_is_a_library_client() -> None:
    client: LibraryClient = jellyfin("http://127.0.0.1:8096")
    assert client.kind == "jellyfin"


@pytest.mark.parametrize(
    ("rating", "stars"),
    [(None, None), (10.0, 5.0), (8.0, 4.0), (7.0, 3.5), (6.6, 3.5), (1.0, 0.5), (0.0, 0.5)],
)
def test_ratings_out_of_ten_become_half_stars(rating: float | None, stars: float | None) -> None:
    assert stars_of(rating) == stars


def test_ids_are_sent_the_way_the_document_writes_uuids() -> None:
    assert as_uuid(LIBRARY_ID) == "f137a2dd-21bb-c1b9-9aa5-c0f6bf02a805"
    assert as_uuid("12345") == "12345"  # Emby's numeric ids go as they are


def test_a_library_is_read_page_by_page_with_its_provider_ids(fake: FakeServer) -> None:
    films = list(jellyfin(fake.url, page_size=3).films(LIBRARY_ID))
    # 8 films in pages of 3: 3 + 3 + 2, the last page short, so no fourth request.
    assert [s.param("startIndex") for s in fake.seen] == ["0", "3", "6"]
    assert {s.param("limit") for s in fake.seen} == {"3"}
    first = fake.seen[0]
    assert first.path == "/Items"
    assert first.param("parentId") == "f137a2dd-21bb-c1b9-9aa5-c0f6bf02a805"
    assert first.param("includeItemTypes") == "Movie"
    assert first.param("recursive") == "true"
    assert first.params("fields") == ["ProviderIds", "DateLastSaved"]
    assert first.param("minDateLastSaved") is None
    assert len(films) == 8
    assert films[0] == ServerFilm(
        external_id=jellyfin_id(0),
        library_id=LIBRARY_ID,
        title="City Lights",
        year=1931,
        imdb_id="tt0021749",
        tmdb_id=901,
        updated_at=datetime(2026, 11, 1, 20, 15, 0, 123456, tzinfo=UTC),
        web_url=f"{fake.url}/web/#/details?id={jellyfin_id(0)}&serverId={SERVER_ID}",
    )
    by_title = {f.title: f for f in films}
    assert (by_title["Casablanca"].imdb_id, by_title["Casablanca"].tmdb_id) == (None, 289)
    assert (by_title["Spirited Away"].imdb_id, by_title["Spirited Away"].tmdb_id) == (None, None)
    assert (by_title["The Matrix"].imdb_id, by_title["The Matrix"].tmdb_id) == ("tt0133093", 603)
    assert by_title["Pulp Fiction"].year == 1994


def test_changes_since_are_asked_for_with_min_date_last_saved(fake: FakeServer) -> None:
    since = datetime(2026, 11, 3, 1, 2, 3, tzinfo=UTC)
    list(jellyfin(fake.url).films(LIBRARY_ID, since=since))
    assert fake.seen[0].param("minDateLastSaved") == "2026-11-03T01:02:03Z"


def test_the_sweep_reads_every_id_and_nothing_else(fake: FakeServer) -> None:
    ids = jellyfin(fake.url, page_size=5).film_ids(LIBRARY_ID)
    assert ids == frozenset(jellyfin_id(i) for i in range(8))
    assert [s.param("startIndex") for s in fake.seen] == ["0", "5"]
    assert fake.seen[0].params("fields") == []


def test_what_a_user_watched_and_rated(fake: FakeServer) -> None:
    user = "5a4c2e0d8f7b4e6a9c1d3b5f7a9c1e3d"
    states = list(jellyfin(fake.url, page_size=4).user_states(user, LIBRARY_ID))
    assert fake.seen[0].param("userId") == "5a4c2e0d-8f7b-4e6a-9c1d-3b5f7a9c1e3d"
    assert fake.seen[0].param("enableUserData") == "true"
    watched = datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
    # Played: City Lights (liked: Rating 8 -> 4 stars), The Godfather, Shawshank, The Matrix;
    # Pulp Fiction not played but disliked (Rating 1 -> half a star); the rest: nothing.
    assert states == [
        UserFilmState(jellyfin_id(0), True, 4.0, watched),
        UserFilmState(jellyfin_id(2), True, None, watched),
        UserFilmState(jellyfin_id(3), False, 0.5, None),
        UserFilmState(jellyfin_id(4), True, None, watched),
        UserFilmState(jellyfin_id(6), True, None, watched),
    ]


def test_only_film_libraries_are_offered(fake: FakeServer) -> None:
    fake.routes["/Library/VirtualFolders"] = lambda _seen: Reply.json(
        [
            {"Name": "Films", "CollectionType": "movies", "ItemId": LIBRARY_ID},
            {"Name": "Series", "CollectionType": "tvshows", "ItemId": "a" * 32},
            {"Name": "Mixed", "ItemId": "b" * 32},
        ]
    )
    [library] = jellyfin(fake.url).libraries()
    assert (library.external_id, library.name) == (LIBRARY_ID, "Films")


def test_a_server_that_pages_forever_is_stopped(
    fake: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("reelmates.media.jellyfin.MAX_ITEMS", 10)
    item = {"Id": "c" * 32, "Name": "Again"}
    fake.routes["/Items"] = lambda _seen: Reply.json({"Items": [item] * 2})  # no total
    client = jellyfin(fake.url, page_size=2)
    with pytest.raises(SourceUnavailableError, match="keeps sending films"):
        for _film in client.films(LIBRARY_ID):
            pass


def test_emby_links_to_its_own_web_client() -> None:
    emby = jellyfin("http://192.168.1.20:8096/emby/", kind="emby")
    assert emby.web_url("123", "abc") == (
        "http://192.168.1.20:8096/emby/web/index.html#!/item?id=123&serverId=abc"
    )


# --- against the contract mock ---------------------------------------------------------------


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("prism") / "jellyfin.log"
    with prism_mock(contract(DOCUMENT), log) as url:
        yield url


LIBRARY_UUID = "f137a2dd-21bb-c1b9-9aa5-c0f6bf02a805"
USER_UUID = "5a4c2e0d-8f7b-4e6a-9c1d-3b5f7a9c1e3d"


def test_every_call_is_one_the_document_allows(mock: str) -> None:
    """Prism checks each request against the document (a 422 would fail the call) and answers
    in the documented shapes, which parse into our records."""
    client = jellyfin(mock)
    users = client.users()
    assert users and all(as_uuid(u.external_id) == u.external_id for u in users)
    assert all(isinstance(library.name, str) for library in client.libraries())
    films = list(client.films(LIBRARY_ID))
    assert films and all(f.library_id == LIBRARY_ID and f.web_url for f in films)
    since = datetime(2026, 11, 3, tzinfo=UTC)
    assert all(isinstance(f, ServerFilm) for f in client.films(LIBRARY_ID, since=since))
    assert client.film_ids(LIBRARY_ID) == frozenset(f.external_id for f in films)
    assert all(isinstance(s, UserFilmState) for s in client.user_states(USER_UUID, LIBRARY_ID))


def test_the_mock_refuses_what_the_document_does_not_allow(mock: str) -> None:
    auth = {"Authorization": f'MediaBrowser Token="{KEY}"'}
    bad = httpx.get(f"{mock}/Items", params={"startIndex": "first"}, headers=auth)
    assert bad.status_code == 422
    assert "startindex must be integer" in bad.text.lower()
    assert httpx.get(f"{mock}/Items", params={"startIndex": "0"}, headers=auth).status_code == 200
    assert httpx.get(f"{mock}/Users").status_code == 401  # no key: the security scheme
    # ... and through the client: an id that is not a uuid breaks the document's rules.
    with pytest.raises(SourceUnavailableError, match="answered 422"):
        list(jellyfin(mock).films("not-a-uuid"))
