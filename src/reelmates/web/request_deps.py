"""The operator's request service (Radarr or Jellyseerr/Overseerr) as a dependency of the
routes about a night's film: built from the settings (None when requests are off)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from reelmates.services.media.film_requests import RequestService, request_service
from reelmates.web.deps import SettingsDep


def get_request_service(settings: SettingsDep) -> RequestService | None:
    return request_service(settings)


RequestServiceDep = Annotated[RequestService | None, Depends(get_request_service)]
