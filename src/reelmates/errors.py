"""Domain errors: each carries a user-facing message and the HTTP status it maps to.

The CLI prints them in red (with ``file:line`` where there is one) and exits non-zero; the web layer
maps them to a 4xx page or JSON body in one handler.
"""

from __future__ import annotations

from pathlib import Path


class ReelmatesError(Exception):
    """Base for every error a user can act on."""

    status_code: int = 400

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint  # what to do next, when we know

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class InputFileError(ReelmatesError):
    """A file a user gave us is malformed; says where, so they can fix it."""

    status_code = 422

    def __init__(
        self, path: str | Path, line: int | None, message: str, *, hint: str | None = None
    ) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}", hint=hint)


class NotFoundError(ReelmatesError):
    status_code = 404


class ConflictError(ReelmatesError):
    status_code = 409


class BusyError(ReelmatesError):
    """Another write (usually an import) holds the database: nothing was changed; retry soon."""

    status_code = 503

    def __init__(
        self,
        *,
        retry_after: int = 5,
        reason: str = "the database is busy with another write (an import?)",
    ) -> None:
        super().__init__(reason, hint="try again in a few seconds")
        self.retry_after = retry_after  # seconds (an HTTP Retry-After header)


class ConfigurationError(ReelmatesError):
    """Settings or environment are wrong (bad database URL, missing model file...)."""

    status_code = 500


class SourceUnavailableError(ReelmatesError):
    """A dataset could not be fetched (no network, bad URL, checksum mismatch)."""

    status_code = 502


class AuthenticationError(ReelmatesError):
    """Not logged in, or the credentials do not match."""

    status_code = 401


class PermissionDeniedError(ReelmatesError):
    """Logged in (or not), but not allowed to do this."""

    status_code = 403


class TooManyAttemptsError(ReelmatesError):
    """Too many failed log-ins for this account or from this address: wait, then retry."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            "too many failed log-ins for this account or from this address",
            hint=f"Try again in about {minutes} minute{'s' if minutes != 1 else ''}.",
        )
        self.retry_after = retry_after


class InvalidValueError(ReelmatesError):
    """A value a person typed or sent is out of its range (a rating of 5.5 stars, say)."""

    status_code = 422


class TooLargeError(ReelmatesError):
    """An upload (or what it expands to) is bigger than the server accepts; nothing was read in."""

    status_code = 413


class WrongCodeError(ReelmatesError):
    """A friend's invite code that does not work (wrong, expired, used or out of tries). The
    service returns it rather than raising it: the wrong try it counted must be committed."""

    status_code = 400

    def __init__(self) -> None:
        super().__init__(
            "this code does not match a live invite from that person",
            hint="Check the handle and the code. A code works for a short while, once, and only "
            "a few wrong tries are allowed: if it still fails, ask your friend for a new one.",
        )
