"""One Settings object, read from ``REELMATES_*`` environment variables and passed in explicitly.

Nothing here runs at import time: call :func:`load_settings` (the CLI does, once per command).
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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


def load_settings(**overrides: object) -> Settings:
    """Read the environment, then apply explicit overrides (CLI flags win over env)."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]
