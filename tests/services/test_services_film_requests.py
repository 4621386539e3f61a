"""Asking the operator's Radarr or Jellyseerr for a night's film, on both databases: through a
fake request client (what is sent, and how often), then through the real clients against the
contract mocks of both published documents (Prism checks every request).

The world: Jess and Milly have a night of City Lights (TMDB 901) and one of Heat (no TMDB id);
Sam is in neither; Sam and Jess have another night of City Lights.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from reelmates.errors import (
    ConfigurationError,
    ConflictError,
    NotFoundError,
    SourceUnavailableError,
)
from reelmates.media.base import RequestKind
from reelmates.media.fetch import AllowList
from reelmates.media.jellyseerr import JellyseerrClient
from reelmates.media.radarr import RadarrClient
from reelmates.media.requests import FilmRequest, RequestState
from reelmates.services import accounts, nights
from reelmates.services.accounts import Passwords
from reelmates.services.media.film_requests import (
    RequestService,
    refresh_status,
    request_for_night,
    request_service,
    request_view,
)
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings, load_settings
from reelmates.store.film_requests import FilmRequestRepository
from reelmates.store.friends import FriendSummary
from reelmates.store.media_marks import MediaMarkRepository
from reelmates.store.models import Film
from reelmates.store.nights import NightRecord, NightRepository
from reelmates.store.request_models import MediaRequest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "media"))
from media_prism import contract, prism_mock

NOW = datetime(2027, 7, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=3)
PASSWORDS = Passwords(time_cost=1, memory_kib=64)
CITY_LIGHTS = 901
KEY = "radarr-or-seerr-key-0123456789"


@dataclass
class FakeRequests:
    """A request service in memory: what it was asked, and what it answers."""

    kind: RequestKind = "radarr"
    state: RequestState = "wanted"
    down: bool = False
    asked: list[int] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    closed: int = 0
    while_asked: Callable[[], None] | None = None  # runs while the service "answers"

    def _fail(self) -> None:
        if self.while_asked is not None:
            self.while_asked()
        if self.down:
            raise SourceUnavailableError(
                "could not reach Radarr at http://127.0.0.1:7878 (ConnectError)",
                hint="Check the address and that the server is running.",
            )

    def request(self, tmdb_id: int) -> FilmRequest:
        self._fail()
        self.asked.append(tmdb_id)
        return FilmRequest(self.kind, "17", tmdb_id, self.state, "City Lights")

    def status(self, external_id: str) -> FilmRequest:
        self._fail()
        self.checked.append(external_id)
        return FilmRequest(self.kind, external_id, CITY_LIGHTS, self.state, "City Lights")

    def close(self) -> None:
        self.closed += 1


@dataclass(frozen=True)
class World:
    jess: FriendSummary
    milly: FriendSummary
    sam: FriendSummary
    city_lights: int
    heat: int
    night: int  # Jess and Milly, City Lights
    heat_night: int  # Jess and Milly, Heat
    sams_night: int  # Sam and Jess, City Lights


def _night(engine: Engine, night_id: int) -> NightRecord:
    with unit_of_work(engine, read_only=True) as session:
        found = NightRepository(session).get(night_id)
    assert found is not None
    return found


@pytest.fixture
def world(db_engine: Engine) -> World:
    with unit_of_work(db_engine) as session:
        people = {}
        for handle in ("jess", "milly", "sam"):
            holder = accounts.sign_up(
                session,
                PASSWORDS,
                policy="open",
                handle=handle,
                display_name=handle.title(),
                password="a long password",
                invite=None,
                now=NOW,
            )
            people[handle] = FriendSummary(holder.person_id, holder.handle, holder.display_name)
        city = Film(title="City Lights", title_key="city lights", year=1931, tmdb_id=CITY_LIGHTS)
        heat = Film(title="Heat", title_key="heat", year=1995)
        session.add_all([city, heat])
        session.flush()

        def start(organiser: FriendSummary, other: FriendSummary, film_id: int) -> int:
            return nights.start_night(
                session,
                organiser,
                film_id,
                [other.person_id],
                times=[datetime(2027, 7, 16, 20, 0), datetime(2027, 7, 17, 20, 0)],
                time_zone="Europe/London",
                place_kind="home",
                place="",
                now=NOW,
            ).id

        jess, milly, sam = people["jess"], people["milly"], people["sam"]
        return World(
            jess,
            milly,
            sam,
            city.id,
            heat.id,
            start(jess, milly, city.id),
            start(jess, milly, heat.id),
            start(sam, jess, city.id),
        )


def _service(fake: FakeRequests) -> RequestService:
    return RequestService(fake.kind, lambda: fake)


def _rows(engine: Engine) -> int:
    with unit_of_work(engine, read_only=True) as session:
        return session.scalar(select(func.count()).select_from(MediaRequest)) or 0


def test_a_member_asks_once_and_no_night_sends_it_again(db_engine: Engine, world: World) -> None:
    fake = FakeRequests()
    with unit_of_work(db_engine, read_only=True) as session:
        before = request_view(session, _night(db_engine, world.night), world.jess.person_id, None)
        assert (before.service, before.can_request, before.has_tmdb_id) == (None, False, True)
        offered = request_view(
            session, _night(db_engine, world.night), world.jess.person_id, _service(fake)
        )
        assert offered.can_request and offered.action == "Ask Radarr for it"
        made = request_for_night(
            db_engine, _night(db_engine, world.night), world.jess.person_id, _service(fake), NOW
        )
    assert fake.asked == [CITY_LIGHTS] and fake.closed == 1
    assert made.request is not None and not made.can_request
    assert (made.request.state, made.request.summary, made.request.requested_by) == (
        "wanted",
        "downloading",
        "Jess",
    )
    assert made.request.label == "Radarr is searching for it or downloading it"
    assert made.request.created_at == NOW and made.request.problem is None
    again = request_for_night(
        db_engine,
        _night(db_engine, world.night),
        world.milly.person_id,
        _service(fake),
        LATER,  # Milly asks again: nothing is sent
    )
    # From Sam's night (Sam and Jess): the same request, Jess named as its asker.
    sams = request_for_night(
        db_engine, _night(db_engine, world.sams_night), world.sam.person_id, _service(fake), LATER
    )
    assert fake.asked == [CITY_LIGHTS]
    assert again.request is not None and again.request.requested_by == "Jess"
    assert again.request.created_at == NOW
    assert sams.request is not None and sams.request.requested_by == "Jess"
    assert _rows(db_engine) == 1


def test_the_requester_is_named_only_to_nights_they_are_in(db_engine: Engine, world: World) -> None:
    fake = FakeRequests()
    with unit_of_work(db_engine, read_only=True) as session:
        request_for_night(
            db_engine, _night(db_engine, world.night), world.milly.person_id, _service(fake), NOW
        )
        seen = request_view(
            session, _night(db_engine, world.sams_night), world.sam.person_id, _service(fake)
        )
    assert seen.request is not None and seen.request.requested_by is None  # Milly is not in it


def test_a_film_the_group_can_watch_is_not_asked_for(db_engine: Engine, world: World) -> None:
    fake = FakeRequests()
    with unit_of_work(db_engine) as session:
        MediaMarkRepository(session).set_mark(
            world.milly.person_id, world.city_lights, "disc", "", NOW
        )
    with (
        pytest.raises(ConflictError) as refused,
        unit_of_work(db_engine, read_only=True) as session,
    ):
        request_for_night(
            db_engine, _night(db_engine, world.night), world.jess.person_id, _service(fake), NOW
        )
    assert refused.value.status_code == 409
    assert "your group can watch City Lights already (on disc (Milly))" in refused.value.message
    with unit_of_work(db_engine, read_only=True) as session:
        view = request_view(
            session, _night(db_engine, world.night), world.jess.person_id, _service(fake)
        )
        other = request_view(  # Sam's group (Sam, Jess) has no disc of it
            session, _night(db_engine, world.sams_night), world.sam.person_id, _service(fake)
        )
    assert [p.label for p in view.places] == ["on disc (Milly)"] and not view.can_request
    assert other.places == () and other.can_request
    assert fake.asked == [] and _rows(db_engine) == 0


def test_what_cannot_be_asked_says_why(db_engine: Engine, world: World) -> None:
    fake = FakeRequests()
    with pytest.raises(ConflictError, match="Heat has no TMDB id") as no_id:
        request_for_night(
            db_engine,
            _night(db_engine, world.heat_night),
            world.jess.person_id,
            _service(fake),
            NOW,
        )
    assert no_id.value.status_code == 409
    with pytest.raises(ConflictError, match="no request service is set up") as off:
        request_for_night(
            db_engine, _night(db_engine, world.night), world.jess.person_id, None, NOW
        )
    assert off.value.hint is not None and "REELMATES_REQUEST_SERVICE" in off.value.hint
    with pytest.raises(NotFoundError, match="no night of yours"):  # Sam is not in it
        request_for_night(
            db_engine, _night(db_engine, world.night), world.sam.person_id, _service(fake), NOW
        )
    with unit_of_work(db_engine, read_only=True) as session:
        heat = request_view(
            session, _night(db_engine, world.heat_night), world.jess.person_id, _service(fake)
        )
    assert not heat.has_tmdb_id and not heat.can_request
    assert fake.asked == [] and _rows(db_engine) == 0


def test_a_service_that_is_down_records_nothing(db_engine: Engine, world: World) -> None:
    fake = FakeRequests(down=True)
    with pytest.raises(SourceUnavailableError, match="could not reach Radarr") as down:
        request_for_night(
            db_engine, _night(db_engine, world.night), world.jess.person_id, _service(fake), NOW
        )
    assert down.value.status_code == 502 and fake.closed == 1
    assert _rows(db_engine) == 0
    fake.down = False
    made = request_for_night(
        db_engine, _night(db_engine, world.night), world.jess.person_id, _service(fake), LATER
    )
    assert made.request is not None and fake.asked == [CITY_LIGHTS]


def test_no_write_lock_is_held_while_the_service_answers(db_engine: Engine, world: World) -> None:
    """While Radarr takes its time, another member's write goes through at once: on SQLite a
    transaction held across the call would keep the write lock (``no_wait``: refused at once)."""
    written: list[str] = []

    def another_write() -> None:
        with unit_of_work(db_engine, no_wait=True) as session:
            MediaMarkRepository(session).set_mark(world.sam.person_id, world.heat, "disc", "", NOW)
        written.append("saved")

    fake = FakeRequests(while_asked=another_write)
    night = _night(db_engine, world.night)
    made = request_for_night(db_engine, night, world.jess.person_id, _service(fake), NOW)
    checked = refresh_status(db_engine, night, world.milly.person_id, _service(fake), LATER)
    assert written == ["saved", "saved"] and fake.asked == [CITY_LIGHTS]
    assert made.request is not None and checked.request is not None
    assert _rows(db_engine) == 1


def test_checking_again_follows_the_state_and_keeps_it_when_the_service_is_down(
    db_engine: Engine, world: World
) -> None:
    fake = FakeRequests(kind="jellyseerr", state="pending")
    night = _night(db_engine, world.night)
    with pytest.raises(NotFoundError, match="has not been asked of Jellyseerr yet"):
        refresh_status(db_engine, night, world.jess.person_id, _service(fake), NOW)
    made = request_for_night(db_engine, night, world.jess.person_id, _service(fake), NOW)
    assert made.request is not None and made.request.summary == "requested"
    assert made.action == "Request it on Jellyseerr"
    fake.state, fake.down = "available", True
    failed = refresh_status(db_engine, night, world.milly.person_id, _service(fake), LATER)
    assert failed.request is not None
    assert (failed.request.state, failed.request.checked_at) == ("pending", LATER)
    assert failed.request.problem is not None
    assert failed.request.problem.startswith("could not reach Radarr")
    fake.down = False
    checked = refresh_status(db_engine, night, world.milly.person_id, _service(fake), LATER)
    assert fake.checked == ["17"]
    assert checked.request is not None
    assert (checked.request.state, checked.request.summary, checked.request.problem) == (
        "available",
        "available",
        None,
    )
    fake.state = "declined"
    declined = refresh_status(db_engine, night, world.jess.person_id, _service(fake), LATER)
    assert declined.request is not None and declined.request.summary == "failed"
    assert declined.request.label == "an admin declined the request on Jellyseerr"


def test_two_members_recording_one_film_at_once_keep_one_row(
    db_engine: Engine, world: World
) -> None:
    with unit_of_work(db_engine) as session:
        repo = FilmRequestRepository(session)
        for who, status in ((world.jess, "pending"), (world.milly, "wanted")):
            row = repo.record(
                service="jellyseerr",
                film_id=world.city_lights,
                night_id=world.night,
                requested_by=who.person_id,
                external_id="5",
                status=status,
                now=NOW,
            )
    assert (row.requested_by, row.status) == (world.jess.person_id, "wanted")
    assert _rows(db_engine) == 1


def test_settings_name_what_a_request_service_lacks(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="REELMATES_RADARR_ROOT_FOLDER"):
        Settings(
            data_dir=tmp_path,
            request_service="radarr",
            request_url="http://127.0.0.1:7878",
            request_api_key=KEY,  # type: ignore[arg-type]
            radarr_quality_profile_id=4,
        )
    with pytest.raises(ValueError, match="REELMATES_REQUEST_API_KEY"):
        Settings(data_dir=tmp_path, request_service="jellyseerr", request_url="http://a:5055")
    assert request_service(Settings(data_dir=tmp_path)) is None
    # A wrong address or a key that cannot travel in a header fails at start, saying which
    # setting, and the message never shows the key (pydantic's own shows every value given).
    for url, key, name in (
        ("ftp://seerr.lan", KEY, "REELMATES_REQUEST_URL: not a server address"),
        ("http://seerr.lan:5055", "kéy with spaces 123", "REELMATES_REQUEST_API_KEY must be"),
    ):
        with pytest.raises(ConfigurationError, match=name) as wrong:
            load_settings(
                data_dir=tmp_path,
                request_service="jellyseerr",
                request_url=url,
                request_api_key=key,
            )
        assert key not in wrong.value.message and key not in str(wrong.value.hint)
    made = Settings(
        data_dir=tmp_path,
        request_service="jellyseerr",
        request_url="http://seerr.lan:5055",
        request_api_key=KEY,  # type: ignore[arg-type]
    )
    assert KEY not in repr(made) and KEY not in str(made.model_dump())
    service = request_service(made)
    assert service is not None and service.name == "Jellyseerr"


# --- through the real clients, against the contract mocks ------------------------------------


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


def test_a_night_asks_radarr_within_its_document(
    db_engine: Engine, world: World, radarr_mock: str, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        request_service="radarr",
        request_url=radarr_mock,
        request_api_key=KEY,  # type: ignore[arg-type]
        radarr_quality_profile_id=4,
        radarr_root_folder="/films",
    )
    service = request_service(settings)  # the allow-list is the setting's address alone
    night = _night(db_engine, world.night)
    made = request_for_night(db_engine, night, world.jess.person_id, service, NOW)
    checked = refresh_status(db_engine, night, world.jess.person_id, service, LATER)
    assert made.request is not None and checked.request is not None
    assert checked.request.problem is None and checked.request.checked_at == LATER


def test_a_night_asks_jellyseerr_within_its_document(
    db_engine: Engine, world: World, seerr_mock: str
) -> None:
    # Prism serves the document's paths without its server path (/api/v1).
    def connect() -> JellyseerrClient:
        return JellyseerrClient(seerr_mock, KEY, allowed=AllowList([seerr_mock]), api_root="")

    service = RequestService("jellyseerr", connect)
    night = _night(db_engine, world.night)
    made = request_for_night(db_engine, night, world.jess.person_id, service, NOW)
    checked = refresh_status(db_engine, night, world.milly.person_id, service, LATER)
    assert made.request is not None and checked.request is not None
    assert checked.request.problem is None


def test_radarr_through_settings_sends_the_configured_profile(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        request_service="radarr",
        request_url="http://127.0.0.1:7878/",
        request_api_key=KEY,  # type: ignore[arg-type]
        radarr_quality_profile_id=4,
        radarr_root_folder=" /films ",
    )
    service = request_service(settings)
    assert service is not None
    client = service.connect()
    assert isinstance(client, RadarrClient)
    assert (client.quality_profile_id, client.root_folder_path) == (4, "/films")
    client.close()
