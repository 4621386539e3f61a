"""The operator's request service (Radarr or Jellyseerr/Overseerr) as a dependency of the
routes about a night's or a match's film: built from the settings (None when requests are off);
``AskingServiceDep`` for the routes that ask it something, refused to guests (403) in this one
place."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from reelmates.services.media.film_requests import RequestService, check_may_ask, request_service
from reelmates.web.deps import CurrentUser, SettingsDep


def get_request_service(settings: SettingsDep) -> RequestService | None:
    return request_service(settings)


RequestServiceDep = Annotated[RequestService | None, Depends(get_request_service)]


def asking_service(me: CurrentUser, service: RequestServiceDep) -> RequestService | None:
    check_may_ask(me.holder.role == "guest")
    return service


AskingServiceDep = Annotated[RequestService | None, Depends(asking_service)]
