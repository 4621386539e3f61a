"""The nights' clock: the real time unless the operator shifts it (``night_clock_shift_minutes``,
``REELMATES_NIGHT_CLOCK_SHIFT_MINUTES``, for demos and tests that need a night to be over), by
exactly that many minutes either way; a shift of more than a year is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from web_browsers import web_settings

from reelmates.errors import ConfigurationError
from reelmates.settings import load_settings
from reelmates.web.night_clock import night_clock


def _between(settings_shift: int, tmp_path: Path) -> tuple[datetime, datetime, datetime]:
    before = datetime.now(UTC)
    read = night_clock(web_settings(tmp_path, night_clock_shift_minutes=settings_shift))
    return before, read, datetime.now(UTC)


@pytest.mark.parametrize("minutes", [0, 7200, -90])
def test_the_clock_is_now_shifted_by_the_setting(minutes: int, tmp_path: Path) -> None:
    before, read, after = _between(minutes, tmp_path)
    shift = timedelta(minutes=minutes)
    assert before + shift <= read <= after + shift
    assert read.tzinfo is not None and read.utcoffset() == timedelta(0)


def test_the_shift_is_read_from_the_environment_and_off_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("REELMATES_NIGHT_CLOCK_SHIFT_MINUTES", raising=False)
    assert load_settings(data_dir=tmp_path).night_clock_shift_minutes == 0
    monkeypatch.setenv("REELMATES_NIGHT_CLOCK_SHIFT_MINUTES", "7200")
    assert load_settings(data_dir=tmp_path).night_clock_shift_minutes == 7200
    monkeypatch.setenv("REELMATES_NIGHT_CLOCK_SHIFT_MINUTES", str(366 * 24 * 60))
    with pytest.raises(
        ConfigurationError, match="REELMATES_NIGHT_CLOCK_SHIFT_MINUTES: Input should"
    ):
        load_settings(data_dir=tmp_path)
