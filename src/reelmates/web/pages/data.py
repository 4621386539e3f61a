"""The member's settings page: display name, private taste, vetoes; "your data is yours":
Letterboxd upload, export and deleting the account. Every route acts for the caller only."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from reelmates.errors import ReelmatesError
from reelmates.importers.uploads import UploadLimits
from reelmates.services import accounts, erase, export, member_settings, night_calendars
from reelmates.services.accounts import Identity
from reelmates.services.letterboxd import import_letterboxd_upload
from reelmates.services.nights import NightRules
from reelmates.settings import Settings
from reelmates.web.deps import CurrentUser, SessionDep, SettingsDep, now_utc
from reelmates.web.sessions import log_browser_out
from reelmates.web.templating import render
from reelmates.web.uploads import RequestForm, uploaded_file

router = APIRouter()

FormText = Annotated[str, Form(max_length=500)]
OptionalFormText = Annotated[str | None, Form(max_length=500)]
UPLOAD_FIELD = "export"


def upload_limits(settings: Settings) -> UploadLimits:
    return UploadLimits(
        max_files=settings.upload_max_files,
        max_file_bytes=settings.upload_max_file_bytes,
        max_total_bytes=settings.upload_max_total_bytes,
        max_line_bytes=settings.upload_max_line_chars,
    )


def attachment(filename: str) -> str:
    """A Content-Disposition value naming ``filename`` (an ASCII fallback and the UTF-8 name)."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def export_name(me: Identity, suffix: str) -> str:
    return f"reelmates-{me.holder.handle}-{suffix}"


def _back(request: Request, name: str = "settings_page") -> RedirectResponse:
    return RedirectResponse(str(request.url_for(name).path), status_code=303)


def _settings_page(
    request: Request,
    session: SessionDep,
    me: Identity,
    error: ReelmatesError | None = None,
    *,
    saved: bool = False,
) -> Response:
    rules = NightRules.from_settings(request.app.state.settings)
    context = {
        "title": "Settings",
        "settings": member_settings.settings_of(session, me),
        "calendar": night_calendars.calendar_settings(session, me.person_id, rules),
        "zones": night_calendars.zone_choices(),
        "error": error,
        "saved": saved,
        "password_min": accounts.PASSWORD_MIN,
    }
    return render(
        request, "settings.html", context, status_code=error.status_code if error else 200
    )


def settings_page_with(
    request: Request, session: SessionDep, me: Identity, error: ReelmatesError
) -> Response:
    """The settings page again, saying why a form on it was refused."""
    return _settings_page(request, session, me, error)


@router.get("/settings", name="settings_page")
def settings_page(
    request: Request, session: SessionDep, me: CurrentUser, saved: int | None = None
) -> Response:
    return _settings_page(request, session, me, saved=bool(saved))


@router.post("/settings", name="update_settings")
def update_settings(
    request: Request,
    session: SessionDep,
    me: CurrentUser,
    display_name: FormText,
    private: OptionalFormText = None,
) -> Response:
    try:
        member_settings.update_settings(
            session, me, display_name=display_name, private=private is not None
        )
    except ReelmatesError as exc:
        return _settings_page(request, session, me, exc)
    target = request.url_for("settings_page").include_query_params(saved=1)
    return RedirectResponse(f"{target.path}?{target.query}", status_code=303)


@router.post("/settings/genre-vetoes", name="veto_genre")
def veto_genre(request: Request, session: SessionDep, me: CurrentUser, genre: FormText) -> Response:
    try:
        member_settings.veto_genre(session, me, genre)
    except ReelmatesError as exc:
        return _settings_page(request, session, me, exc)
    return _back(request)


@router.post("/settings/genre-vetoes/remove", name="unveto_genre")
def unveto_genre(
    request: Request, session: SessionDep, me: CurrentUser, genre: FormText
) -> Response:
    try:
        member_settings.unveto_genre(session, me, genre)
    except ReelmatesError as exc:
        return _settings_page(request, session, me, exc)
    return _back(request)


@router.post("/settings/film-vetoes", name="veto_film")
def veto_film(request: Request, session: SessionDep, me: CurrentUser, film: FormText) -> Response:
    try:
        member_settings.veto_film(session, me, member_settings.find_film(session, film))
    except ReelmatesError as exc:
        return _settings_page(request, session, me, exc)
    return _back(request)


@router.post("/settings/film-vetoes/remove", name="unveto_film")
def unveto_film(
    request: Request, session: SessionDep, me: CurrentUser, film_id: Annotated[int, Form()]
) -> Response:
    member_settings.unveto_film(session, me, film_id)
    return _back(request)


# --- Letterboxd upload -----------------------------------------------------------------------


def _import_context(settings: Settings) -> dict[str, object]:
    return {
        "title": "Bring your Letterboxd taste",
        "max_mb": settings.upload_max_bytes // (1024 * 1024),
        "field": UPLOAD_FIELD,
    }


@router.get("/settings/import", name="import_page")
def import_page(request: Request, settings: SettingsDep, me: CurrentUser) -> Response:
    return render(request, "import.html", {**_import_context(settings), "error": None})


@router.post("/settings/import", name="import_letterboxd")
def import_letterboxd(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    me: CurrentUser,
    form: RequestForm,
) -> Response:
    path, filename = uploaded_file(form, UPLOAD_FIELD)
    report = import_letterboxd_upload(
        session, me.holder.handle, path, filename, upload_limits(settings), now=now_utc()
    )
    context = {"title": "Your Letterboxd import", "report": report, "filename": filename}
    return render(request, "import_result.html", context)


# --- export ----------------------------------------------------------------------------------


@router.get("/settings/export.zip", name="export_zip")
def export_zip(session: SessionDep, me: CurrentUser) -> Response:
    body = export.letterboxd_zip(session, me.person_id)
    headers = {"Content-Disposition": attachment(export_name(me, "letterboxd.zip"))}
    return Response(body, media_type="application/zip", headers=headers)


@router.get("/settings/export/{file}", name="export_file")
def export_file(file: str, session: SessionDep, me: CurrentUser) -> Response:
    body = export.letterboxd_file(session, me.person_id, file)
    headers = {"Content-Disposition": attachment(export_name(me, file))}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


# --- delete the account ----------------------------------------------------------------------


@router.get("/settings/delete", name="delete_page")
def delete_page(request: Request, me: CurrentUser) -> Response:
    return render(request, "delete.html", {"title": "Delete your account", "error": None})


@router.post("/settings/delete", name="delete_account")
def delete_account(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    me: CurrentUser,
    confirm_handle: FormText,
) -> Response:
    try:
        erased = erase.delete_account(session, me, confirm_handle)
    except ReelmatesError as exc:
        context = {"title": "Delete your account", "error": exc}
        return render(request, "delete.html", context, status_code=exc.status_code)
    request.state.identity = None  # the page after is a logged-out one
    response = render(
        request, "deleted.html", {"title": "Account deleted", "handle": erased.handle}
    )
    log_browser_out(request, response, session, settings)
    return response
