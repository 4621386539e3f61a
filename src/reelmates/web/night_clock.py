"""The clock and the rules the nights act by, as dependencies: the nights' routes and the
watch-together page (whose fairness nudge reads the group's past nights) share them, so a test
that moves the clock past a night (``app.dependency_overrides[night_clock]``) moves it for both."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends

from reelmates.services.nights import NightRules
from reelmates.web.deps import SettingsDep, now_utc


def night_clock(settings: SettingsDep) -> datetime:
    """The time a night's routes act at (UTC): now, shifted by the operator's
    ``night_clock_shift_minutes`` (0 unless a demo or a test asks). One dependency, so that a
    test can move the clock past a night (``app.dependency_overrides[night_clock]``)."""
    return now_utc() + timedelta(minutes=settings.night_clock_shift_minutes)


NowDep = Annotated[datetime, Depends(night_clock)]


def night_rules(settings: SettingsDep) -> NightRules:
    return NightRules.from_settings(settings)


NightRulesDep = Annotated[NightRules, Depends(night_rules)]
