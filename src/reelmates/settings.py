"""One Settings object, read from ``REELMATES_*`` environment variables and passed in explicitly.

Nothing here runs at import time: call :func:`load_settings` (the CLI does, once per command).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from reelmates.errors import ConfigurationError, ReelmatesError
from reelmates.media.fetch import origin_of


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("reelmates", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REELMATES_", extra="forbid")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None  # default: SQLite file in data_dir
    cache_dir: Path | None = None  # downloads (MovieLens zips); default: data_dir / "cache"
    model_dir: Path | None = None  # fitted taste models; default: data_dir / "models"
    redis_url: str | None = None
    # On SQLite, an app write waits at most this long for another write's lock, then fails
    # with BusyError (the user retries) rather than hanging behind an import.
    sqlite_busy_timeout_ms: int = 5_000
    # An import waits this long for the lock: it can queue behind another import, and the
    # largest imports (25M ratings) take minutes.
    sqlite_import_busy_timeout_ms: int = 600_000

    # --- the web app (``reelmates serve``) ---
    # Requests served at once (each gets its threads and up to two database connections: the
    # pool holds twice as many plus the background threads'); the others queue, holding nothing,
    # and answer 503 with Retry-After after ``web_queue_seconds`` in line (web/slots.py).
    web_threads: int = Field(default=16, ge=1, le=256)
    web_queue_seconds: float = Field(default=10.0, gt=0)
    # How long one live event stream lasts before the browser reconnects (Last-Event-ID), so
    # that no connection outlives a server restart for long.
    live_stream_seconds: float = Field(default=55.0, gt=0)
    # A sub-path the app is served under behind a proxy ("/reelmates"); "" serves at the root.
    root_path: str = ""
    # An operator's folder of templates, searched before the package's own (same file names).
    templates_dir: Path | None = None
    # Who may create an account; the first account (the operator) may always.
    signup_policy: Literal["open", "invite-only", "closed"] = "invite-only"
    # Behind a reverse proxy: honour X-Forwarded-Proto / X-Forwarded-For (last hop). Otherwise
    # they are ignored, since any client can send them.
    trusted_proxy: bool = False
    session_days: int = Field(default=30, ge=1)  # a log-in lasts at most this long
    session_idle_days: int = Field(default=14, ge=1)  # ... and ends after this long unused
    guest_days: int = Field(default=30, ge=1)  # a guest's log-in (no password) lasts this long
    invite_days: int = Field(default=7, ge=1)
    # A friend invite: its link lasts days, its short code (typed by hand) an hour and a few
    # wrong tries.
    friend_invite_days: int = Field(default=7, ge=1)
    friend_code_minutes: int = Field(default=60, ge=1)
    friend_code_tries: int = Field(default=5, ge=1)
    login_failures_per_account: int = Field(default=5, ge=1)
    login_failures_per_address: int = Field(default=20, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1)
    # argon2id cost (argon2-cffi's defaults); tests lower them to stay fast.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65_536, ge=64)

    # Letterboxd uploads through the browser: what a hostile file cannot pass. The request body
    # (the zip or CSV as sent), then, for a zip, its entries as its directory declares them and
    # as they actually expand (reading stops at the limit), and the longest line of a CSV.
    upload_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # Every other request body (an ordinary form, a JSON call).
    body_max_bytes: int = Field(default=1024 * 1024, ge=1024)
    upload_max_files: int = Field(default=20, ge=1)  # entries in a zip (folders included)
    upload_max_file_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)  # one entry expanded
    upload_max_total_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)  # all expanded
    upload_max_line_chars: int = Field(default=10_000, ge=80)

    # Background refit of the community's taste model by ``reelmates serve``: when at least this
    # many ratings are new since the served model (0: never refit in the background) and it is
    # at least this old (0: no wait); checked every ``refit_check_seconds``. One server process
    # refits at a time (a lease in the database, held at most ``refit_lease_seconds``).
    refit_min_new_ratings: int = Field(default=500, ge=0)
    refit_min_interval_seconds: int = Field(default=3600, ge=0)
    refit_check_seconds: float = Field(default=30.0, gt=0)
    refit_lease_seconds: int = Field(default=3600, ge=1)

    # Real posters from TMDB, when the operator sets an API key (without one, every poster is
    # drawn as SVG, offline). Each is fetched once in the background, at most ``poster_max_bytes``
    # within ``tmdb_timeout_seconds``, and kept in ``poster_dir`` (default: data_dir / "posters");
    # a failed fetch is tried again after ``poster_retry_seconds``. The URLs are overridable so
    # tests can point them at a local fake.
    tmdb_api_key: SecretStr | None = None
    tmdb_api_url: str = "https://api.themoviedb.org/3"
    tmdb_image_url: str = "https://image.tmdb.org/t/p/w342"
    tmdb_timeout_seconds: float = Field(default=3.0, gt=0)
    poster_dir: Path | None = None
    poster_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    poster_retry_seconds: int = Field(default=86_400, ge=0)

    # Film nights. A member who chose no time zone sees times in ``default_time_zone`` (an IANA
    # name), else in each night's own zone (its organiser's). A night to come carries a reminder
    # this many minutes before in calendars (0: none).
    default_time_zone: str | None = None
    night_reminder_minutes: int = Field(default=60, ge=0, le=10_080)
    # Shifts the nights' clock (web/night_clock.py) this many minutes from the real time, for
    # demos and tests that need a night to have happened (rating opens after it): the nights'
    # routes, and the watch-together page's reading of past nights, act as if it were that late.
    # Nothing else moves (log-ins, rate limits, models). 0 in production.
    night_clock_shift_minutes: int = Field(default=0, ge=-525_600, le=525_600)
    # E-mail invitations (with the night's .ics attached): off unless ``smtp_host`` is set. A
    # member gets them only at an address they gave on their settings page.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65_535)
    smtp_from: str = "reelmates@localhost"
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)

    # Media servers (Jellyfin, Emby, Plex): their API keys and tokens are stored encrypted with
    # this Fernet key (``reelmates.store.credentials``); without it no server can be connected.
    # Keep it with the backups: the stored credentials cannot be read without it.
    media_secret_key: SecretStr | None = None
    # The only server addresses (scheme://host:port) reelmates may fetch from, so that a member
    # cannot point it at any address of the home network: a comma-separated list in
    # REELMATES_MEDIA_ALLOWED_URLS ("http://192.168.1.20:8096,https://plex.example.net"). Empty:
    # no server can be connected. A path after the origin is ignored (the origin is what counts).
    media_allowed_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # One request to a media server may take this long in all, and its answer be this large.
    media_timeout_seconds: float = Field(default=15.0, gt=0)
    media_max_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    # ``reelmates serve`` looks this often for servers whose schedule says a sync is due.
    media_sync_check_seconds: float = Field(default=60.0, gt=0)

    @field_validator("media_allowed_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("media_allowed_urls")
    @classmethod
    def _urls_are_addresses(cls, value: list[str]) -> list[str]:
        for url in value:
            try:
                origin_of(url)
            except ReelmatesError as exc:
                raise ValueError(f"REELMATES_MEDIA_ALLOWED_URLS: {exc.message}") from None
        return value

    # Requests for films no one in a night's group can watch: sent to the operator's Radarr
    # (added by TMDB id with the quality profile and root folder below, monitored and searched
    # for) or Jellyseerr/Overseerr (a movie request in the API key's user's name); "none": the
    # night's page offers no request. The address is the operator's own setting, so it is
    # fetched without being on the media servers' allow-list (it is the only address the
    # request client may fetch). The key is never shown again or logged.
    request_service: Literal["none", "radarr", "jellyseerr"] = "none"
    request_url: str | None = None  # e.g. http://192.168.1.20:7878 (Radarr), :5055 (Jellyseerr)
    request_api_key: SecretStr | None = None
    radarr_quality_profile_id: int | None = Field(default=None, ge=1)
    radarr_root_folder: str | None = None  # e.g. /data/films, as Radarr names its root folder
    # Each call to the service may take at most this long. It is made while the member's
    # request waits (their answer says at once whether it went through), with no transaction
    # open meanwhile (``web.deps.calls_out``): other writes do not wait for it.
    request_timeout_seconds: float = Field(default=8.0, gt=0, le=60)

    @model_validator(mode="after")
    def _request_service_complete(self) -> Settings:
        """A request service named without what it needs fails at start, naming the setting."""
        if self.request_service == "none":
            return self
        needed = {
            "REELMATES_REQUEST_URL": bool(self.request_url and self.request_url.strip()),
            "REELMATES_REQUEST_API_KEY": bool(
                self.request_api_key and self.request_api_key.get_secret_value().strip()
            ),
        }
        if self.request_service == "radarr":
            needed["REELMATES_RADARR_QUALITY_PROFILE_ID"] = (
                self.radarr_quality_profile_id is not None
            )
            needed["REELMATES_RADARR_ROOT_FOLDER"] = bool(
                self.radarr_root_folder and self.radarr_root_folder.strip()
            )
        missing = [name for name, given in needed.items() if not given]
        if missing:
            raise ValueError(
                f"REELMATES_REQUEST_SERVICE is {self.request_service!r}, so set "
                + ", ".join(missing)
                + " too (or set REELMATES_REQUEST_SERVICE=none)"
            )
        try:
            origin_of(str(self.request_url).strip())
        except ReelmatesError as exc:
            raise ValueError(f"REELMATES_REQUEST_URL: {exc.message}") from None
        key = self.request_api_key.get_secret_value() if self.request_api_key else ""
        if not key.isascii() or not key.isprintable() or any(c in key for c in " \"'"):
            # It travels in a header: said without the key itself.
            raise ValueError(
                "REELMATES_REQUEST_API_KEY must be the service's key as it shows it: letters and "
                "digits, no spaces or quotes"
            )
        return self

    @field_validator("default_time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"not an IANA time zone: {value!r} (e.g. Europe/London)") from None
        return value.strip()

    @field_validator("root_path")
    @classmethod
    def _clean_root_path(cls, value: str) -> str:
        cleaned = value.strip().rstrip("/")
        if cleaned and not cleaned.startswith("/"):
            cleaned = "/" + cleaned
        if "//" in cleaned or any(c in cleaned for c in "?#\\ "):
            raise ValueError(f"not a URL path: {value!r} (e.g. /reelmates)")
        return cleaned

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'reelmates.db'}"

    @property
    def effective_cache_dir(self) -> Path:
        return self.cache_dir or self.data_dir / "cache"

    @property
    def effective_model_dir(self) -> Path:
        return self.model_dir or self.data_dir / "models"

    @property
    def effective_poster_dir(self) -> Path:
        return self.poster_dir or self.data_dir / "posters"


def load_settings(**overrides: object) -> Settings:
    """Read the environment, then apply explicit overrides (CLI flags win over env). A setting
    that is wrong is a :class:`ConfigurationError` naming it and saying why, without the values
    given (pydantic's own message shows them all, secrets included)."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_input=False, include_url=False):
            where = ".".join(str(part) for part in error["loc"])
            said = str(error["msg"]).removeprefix("Value error, ")
            name = f"REELMATES_{where.upper()}"
            problems.append(said if not where or said.startswith(name) else f"{name}: {said}")
        raise ConfigurationError(
            "a setting is wrong: " + "; ".join(problems),
            hint="Correct it in the environment (or the .env file) and start again.",
        ) from None
