"""Request forms, read within limits; uploaded files go to a temporary file under the data dir.

Starlette's own form parser keeps an upload in memory, then in the system's temporary folder,
with no limit on its size. Here a multipart body is refused (413) as soon as it passes
``upload_max_bytes`` (at once when its Content-Length says so), at most one file and a few small
fields are accepted, and the file is written to ``<data dir>/uploads``, where it is deleted when
the request ends (it is a temporary file: closing it removes it).

Routes that take an upload declare no ``Form``/``File`` parameters (FastAPI would parse the body
with the default parser before any dependency runs); they use :data:`RequestForm` instead.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import IO, Annotated, cast

from fastapi import Depends, Request
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from reelmates.errors import ReelmatesError, TooLargeError
from reelmates.settings import Settings

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_FIELDS = 20
MAX_FIELD_BYTES = 64 * 1024


def upload_dir(settings: Settings) -> Path:
    folder = settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _size(limit: int) -> str:
    """``20 MB``, or ``390 KB`` under a megabyte (never "0 MB")."""
    return f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def _too_large(limit: int) -> TooLargeError:
    return TooLargeError(
        f"the upload is larger than {_size(limit)}, the most this server accepts",
        hint="A Letterboxd export zip is usually far smaller: upload that zip as it is.",
    )


class _DataDirParser(MultiPartParser):
    """Starlette's multipart parser with each file part written to a temporary file of ours."""

    def __init__(self, request: Request, folder: Path, limit: int) -> None:
        super().__init__(
            request.headers,
            _counted(request.stream(), limit),
            max_files=1,
            max_fields=MAX_FIELDS,
            max_part_size=MAX_FIELD_BYTES,
        )
        self.folder = folder

    def on_headers_finished(self) -> None:
        super().on_headers_finished()
        upload = self._current_part.file
        if upload is not None:
            spooled = upload.file
            ours = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed with the form
                dir=self.folder, prefix="upload-", suffix=".part"
            )
            upload.file = cast("IO[bytes]", ours)  # type: ignore[assignment]
            self._files_to_close_on_error.append(ours)  # type: ignore[arg-type]
            spooled.close()


async def _counted(stream: AsyncGenerator[bytes, None], limit: int) -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > limit:
            raise _too_large(limit)
        yield chunk


async def read_form(request: Request) -> FormData | None:
    """The request's form (None: the body is not a form), parsed once per request."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(FORM_TYPES):
        return None
    cached: FormData | None = getattr(request.state, "form", None) or request._form
    if cached is not None:
        return cached
    if not content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    else:
        settings: Settings = request.app.state.settings
        limit = settings.upload_max_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdecimal() and int(declared) > limit:
            raise _too_large(limit)
        try:
            form = await _DataDirParser(request, upload_dir(settings), limit).parse()
        except MultiPartException as exc:
            raise ReelmatesError(f"the form could not be read: {exc.message}") from exc
        request._form = form  # what request.form() returns from now on
    request.state.form = form
    return form


async def request_form(request: Request) -> AsyncIterator[FormData | None]:
    """The form, its temporary files closed (so deleted) when the request is done."""
    form = await read_form(request)
    try:
        yield form
    finally:
        if form is not None:
            await form.close()


RequestForm = Annotated[FormData | None, Depends(request_form)]


def uploaded_file(form: FormData | None, field: str) -> tuple[Path, str]:
    """(where it is stored, the name it was sent under) of the form's file ``field``."""
    value = form.get(field) if form is not None else None
    if not isinstance(value, UploadFile) or not value.filename:
        raise ReelmatesError(
            "no file was sent", hint="Choose your Letterboxd export (the zip), then send it."
        )
    name = getattr(value.file, "name", None)
    if not isinstance(name, str):
        raise ReelmatesError("the file was not sent as a multipart form upload")
    value.file.flush()
    return Path(name), value.filename
