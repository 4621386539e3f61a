"""``/api/me/...``: the caller's settings and vetoes, Letterboxd import (multipart), export and
deleting the account; the same service calls as the settings pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from reelmates.services import erase, export, member_settings
from reelmates.services.letterboxd import import_letterboxd_upload
from reelmates.services.member_settings import MemberSettings
from reelmates.web.deps import CurrentUser, SessionDep, SettingsDep, now_utc
from reelmates.web.ids import RowId
from reelmates.web.pages.data import UPLOAD_FIELD, attachment, export_name, upload_limits
from reelmates.web.sessions import log_browser_out
from reelmates.web.uploads import RequestForm, uploaded_file

router = APIRouter(prefix="/api/me", tags=["your data"])


class VetoedFilmPublic(BaseModel):
    film_id: int
    title: str
    year: int | None


class SettingsBase(BaseModel):
    display_name: str
    private: bool


class SettingsPublic(SettingsBase):
    handle: str
    vetoed_genres: list[str]
    vetoed_films: list[VetoedFilmPublic]
    privacy_rule: list[str] = Field(description="What private taste means, in paragraphs.")


class SettingsPatch(BaseModel):
    display_name: str | None = Field(default=None, max_length=500)
    private: bool | None = None


class GenreVetoCreate(BaseModel):
    genre: str = Field(max_length=100)


class FilmVetoCreate(BaseModel):
    film_id: RowId


class Changed(BaseModel):
    changed: bool


class ImportPublic(BaseModel):
    films_in_export: int
    ratings: int
    seen_only: int
    watchlist: int
    unmatched: list[str]
    did_you_mean: dict[str, str]
    ratings_removed: list[str]
    seen_removed: list[str]
    watchlist_removed: list[str]


class DeleteCreate(BaseModel):
    confirm_handle: str = Field(max_length=500, description="Your handle, to confirm.")


class ErasedPublic(BaseModel):
    handle: str
    rows: dict[str, int]


def _public(s: MemberSettings) -> SettingsPublic:
    return SettingsPublic(
        handle=s.handle,
        display_name=s.display_name,
        private=s.private,
        vetoed_genres=list(s.vetoed_genres),
        vetoed_films=[
            VetoedFilmPublic(film_id=f.film_id, title=f.title, year=f.year) for f in s.vetoed_films
        ],
        privacy_rule=list(s.privacy_rule),
    )


@router.get("/settings", response_model=SettingsPublic)
def get_settings(session: SessionDep, me: CurrentUser) -> SettingsPublic:
    return _public(member_settings.settings_of(session, me))


@router.patch("/settings", response_model=SettingsPublic)
def patch_settings(body: SettingsPatch, session: SessionDep, me: CurrentUser) -> SettingsPublic:
    return _public(
        member_settings.update_settings(
            session, me, display_name=body.display_name, private=body.private
        )
    )


@router.post("/vetoes/genres", response_model=Changed)
def veto_genre(body: GenreVetoCreate, session: SessionDep, me: CurrentUser) -> Changed:
    return Changed(changed=member_settings.veto_genre(session, me, body.genre))


@router.delete("/vetoes/genres/{genre}", response_model=Changed)
def unveto_genre(genre: str, session: SessionDep, me: CurrentUser) -> Changed:
    return Changed(changed=member_settings.unveto_genre(session, me, genre))


@router.post("/vetoes/films", response_model=Changed)
def veto_film(body: FilmVetoCreate, session: SessionDep, me: CurrentUser) -> Changed:
    return Changed(changed=member_settings.veto_film(session, me, body.film_id))


@router.delete("/vetoes/films/{film_id}", response_model=Changed)
def unveto_film(film_id: RowId, session: SessionDep, me: CurrentUser) -> Changed:
    return Changed(changed=member_settings.unveto_film(session, me, film_id))


_MULTIPART: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [UPLOAD_FIELD],
                    "properties": {UPLOAD_FIELD: {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post("/import", response_model=ImportPublic, openapi_extra=_MULTIPART)
def import_letterboxd(
    session: SessionDep, settings: SettingsDep, me: CurrentUser, form: RequestForm
) -> ImportPublic:
    """Upload a Letterboxd export (the zip, or one of its CSV files) as the form field
    ``export``; your ratings, seen films and watchlist become what it says."""
    path, filename = uploaded_file(form, UPLOAD_FIELD)
    report = import_letterboxd_upload(
        session, me.holder.handle, path, filename, upload_limits(settings), now=now_utc()
    )
    return ImportPublic(
        films_in_export=report.films_in_export,
        ratings=report.ratings,
        seen_only=report.seen_only,
        watchlist=report.watchlist,
        unmatched=report.unmatched,
        did_you_mean=report.did_you_mean,
        ratings_removed=report.ratings_removed,
        seen_removed=report.seen_removed,
        watchlist_removed=report.watchlist_removed,
    )


@router.get("/export.zip", response_class=Response)
def export_zip(session: SessionDep, me: CurrentUser) -> Response:
    body = export.letterboxd_zip(session, me.person_id)
    headers = {"Content-Disposition": attachment(export_name(me, "letterboxd.zip"))}
    return Response(body, media_type="application/zip", headers=headers)


@router.get("/export/{file}", response_class=Response)
def export_file(file: str, session: SessionDep, me: CurrentUser) -> Response:
    body = export.letterboxd_file(session, me.person_id, file)
    headers = {"Content-Disposition": attachment(export_name(me, file))}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@router.post("/delete", response_model=ErasedPublic)
def delete_account(
    request: Request,
    response: Response,
    body: DeleteCreate,
    session: SessionDep,
    settings: SettingsDep,
    me: CurrentUser,
) -> ErasedPublic:
    """Delete your account and every row of yours; send your handle to confirm."""
    erased = erase.delete_account(session, me, body.confirm_handle)
    log_browser_out(request, response, session, settings)
    return ErasedPublic(handle=erased.handle, rows=erased.rows)
