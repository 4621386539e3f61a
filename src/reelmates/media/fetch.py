"""The one guarded HTTP layer every media and request client goes through (over httpx).

A server's address comes from a person (an operator, or a member for their own server), so it
is never trusted by itself:

- Only an origin (``scheme://host:port``) on the operator's allow-list is fetched; anything else
  is refused before any connection is opened. Addresses with a user name, password, query or
  fragment are refused too.
- Redirects are never followed: a 3xx is an error that names where it pointed.
- Every request has a time limit in all (connect, each read, and a deadline over the whole
  body) and its answer a size limit, counted while it streams in (after decompression).
- An answer that is not JSON, or JSON of the wrong shape, is an error that says what the server
  answered (a short, cleaned excerpt) and what to check.

Every failure is a :class:`SourceUnavailableError` with a hint. Secrets (API keys, tokens) travel
only in request headers: never in URLs, so never in httpx's log lines, and every message built
from what a server answered has them taken out (a server may echo a key back).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn, TypeVar
from urllib.parse import SplitResult, quote, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from reelmates.errors import SourceUnavailableError

T = TypeVar("T")
Params = Sequence[tuple[str, str]]
DEFAULT_PORTS = {"http": 80, "https": 443}
EXCERPT_CHARS = 80


class Answer(BaseModel):
    """Base of the answer shapes the clients parse: unknown fields are ignored (servers add
    fields between versions), known ones are checked."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


@dataclass(frozen=True)
class Limits:
    """How long one request may take in all, and how large its answer may be."""

    timeout_seconds: float = 15.0
    max_bytes: int = 16 * 1024 * 1024


DEFAULT_LIMITS = Limits()


def origin_of(url: str) -> str:
    """``scheme://host:port`` of ``url`` (lower case, the port always written out), or
    :class:`SourceUnavailableError` when it is not a plain http(s) address."""
    return _origin(_split(url))


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise _not_an_address(url) from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise _not_an_address(url)
    if parts.username is not None or parts.password is not None:
        raise SourceUnavailableError(
            "a server address may not hold a user name or password",
            hint="Give the address alone (https://host:port) and the key or token in its own "
            "field.",
        )
    if parts.query or parts.fragment:
        raise SourceUnavailableError(
            "a server address may not hold a query (?...) or fragment (#...)",
            hint="Give the address alone, e.g. https://media.example.net:8096; keys go in their "
            "own field.",
        )
    del port  # read only to check it
    return parts


def _origin(parts: SplitResult) -> str:
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}:{port}"


def _not_an_address(url: str) -> SourceUnavailableError:
    return SourceUnavailableError(
        f"not a server address: {_excerpt(url)!r}",
        hint="Give an http:// or https:// address, e.g. http://192.168.1.20:8096.",
    )


class AllowList:
    """The origins an operator allows reelmates to fetch from."""

    def __init__(self, origins: Iterable[str]) -> None:
        self.origins = frozenset(origin_of(origin) for origin in origins)

    def check(self, url: str) -> str:
        """The origin of ``url`` when it is allowed; else :class:`SourceUnavailableError`."""
        origin = origin_of(url)
        if origin not in self.origins:
            raise SourceUnavailableError(
                f"{origin} is not on this reelmates's list of allowed servers: nothing was fetched",
                hint="An operator adds the server's address (scheme://host:port) to the allowed "
                "servers in the settings, then try again.",
            )
        return origin


def path_part(value: str) -> str:
    """A server-given id made safe as one path segment."""
    return quote(value, safe="")


def parse(shape: type[T], data: object, *, service: str, what: str) -> T:
    """``data`` checked against ``shape`` (a pydantic model or type), or an error naming the
    first field that is wrong."""
    try:
        return TypeAdapter(shape).validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the answer"
        raise SourceUnavailableError(
            f"{service} answered JSON of an unexpected shape for {what} ({where}: {first['msg']})",
            hint=f"Check that the address points at a {service} server reelmates supports.",
        ) from None


class GuardedClient:
    """JSON over HTTP to one server, within the allow-list and limits. Use as a context manager,
    or call :meth:`close`."""

    def __init__(
        self,
        base_url: str,
        *,
        service: str,
        allowed: AllowList,
        headers: Mapping[str, str],
        secrets: Iterable[str] = (),
        limits: Limits = DEFAULT_LIMITS,
        key_name: str = "API key",
    ) -> None:
        self.service = service
        self._parts = _split(base_url)
        self.origin = _origin(self._parts)
        self.base_url = base_url.strip().rstrip("/")
        self._allowed = allowed
        self._limits = limits
        self._key_name = key_name
        self._secrets = tuple(s for s in secrets if s)
        self._http = httpx.Client(
            headers=dict(headers),
            timeout=limits.timeout_seconds,
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment: the address is the one checked
        )

    @classmethod
    def with_api_key(
        cls, base_url: str, api_key: str, *, service: str, allowed: AllowList, limits: Limits
    ) -> GuardedClient:
        """A client of a service that takes its key in ``X-Api-Key`` (Radarr, Jellyseerr)."""
        return cls(
            base_url,
            service=service,
            allowed=allowed,
            headers={"X-Api-Key": api_key, "Accept": "application/json"},
            secrets=[api_key],
            limits=limits,
        )

    def __enter__(self) -> GuardedClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Params = (), *, what: str) -> object:
        """The JSON of ``GET base_url + path``."""
        _status, body = self.send("GET", path, params, what=what)
        return body

    def send(
        self,
        method: str,
        path: str,
        params: Params = (),
        *,
        what: str,
        body: object = None,
        accept_status: frozenset[int] = frozenset(),
    ) -> tuple[int, object]:
        """The status and JSON of one request. A 2xx is an answer, and so is any status in
        ``accept_status`` (a 409 "already requested", say); anything else an error."""
        url = self._url(path)
        self._allowed.check(url)  # before any connection
        content = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if content is not None else {}
        deadline = time.monotonic() + self._limits.timeout_seconds
        try:
            with self._http.stream(
                method, url, params=list(params), content=content, headers=headers
            ) as response:
                status = response.status_code
                if not (200 <= status < 300 or status in accept_status):
                    self._refuse(response, what)
                raw = self._read(response, deadline, what)
        except httpx.TimeoutException:
            raise SourceUnavailableError(
                f"{self.service} at {self.origin} did not answer within "
                f"{self._limits.timeout_seconds:g} s ({what})",
                hint="Check that the server is running and reachable from reelmates, then try "
                "again; the last good sync stays in use meanwhile.",
            ) from None
        except httpx.HTTPError as exc:  # its words may hold the URL: name the kind only
            raise SourceUnavailableError(
                f"could not reach {self.service} at {self.origin} ({type(exc).__name__})",
                hint="Check the address and that the server is running; the last good sync "
                "stays in use meanwhile.",
            ) from None
        if not raw.strip():
            return status, None
        try:
            found: object = json.loads(raw)
        except ValueError:
            raise SourceUnavailableError(
                f"{self.service} at {self.origin} answered something that is not JSON ({what}): "
                f"{self._clean(raw)!r}",
                hint=f"Check that the address points at the {self.service} server itself (not a "
                f"login page or proxy in front of it) and that the {self._key_name} is right.",
            ) from None
        return status, found

    def _url(self, path: str) -> str:
        if not path.startswith("/") or path.startswith("//") or "\\" in path:
            raise ValueError(f"not a server path: {path!r}")  # a bug of ours, not the server's
        return self.base_url + path

    def _refuse(self, response: httpx.Response, what: str) -> NoReturn:
        status = response.status_code
        if 300 <= status < 400:
            where = response.headers.get("location", "")
            raise SourceUnavailableError(
                f"{self.service} at {self.origin} answered {status}, a redirect to "
                f"{self._clean(where.encode()) or 'nowhere'!r} ({what}): reelmates does not "
                "follow redirects",
                hint="Use the address it points to (an operator may need to allow it), "
                "e.g. https:// instead of http://, or the path a proxy serves it under.",
            )
        if status in (401, 403):
            raise SourceUnavailableError(
                f"{self.service} at {self.origin} refused the {self._key_name} ({status}, {what})",
                hint=f"The {self._key_name} is wrong, revoked or lacks the rights: make a new one "
                f"in {self.service}'s settings and enter it again.",
            )
        if status == 404:
            raise SourceUnavailableError(
                f"{self.service} at {self.origin} has no such page (404, {what})",
                hint=f"Check that the address points at a {self.service} server (with its "
                "path prefix, if it is served under one) and that the item still exists.",
            )
        raise SourceUnavailableError(
            f"{self.service} at {self.origin} answered {status} ({what})",
            hint="The server may be starting up or failing: try again later; the last good "
            "sync stays in use meanwhile.",
        )

    def _read(self, response: httpx.Response, deadline: float, what: str) -> bytes:
        limit = self._limits.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdecimal() and int(declared) > limit:
            raise self._too_large(what)
        parts: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise self._too_large(what)
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the whole answer took too long")
            parts.append(chunk)
        return b"".join(parts)

    def _too_large(self, what: str) -> SourceUnavailableError:
        return SourceUnavailableError(
            f"{self.service} at {self.origin} answered more than "
            f"{self._limits.max_bytes:,} bytes ({what}): refused",
            hint="Check that the address points at the right server; an operator can raise the "
            "size limit if the library is that large.",
        )

    def _clean(self, raw: bytes) -> str:
        """A short excerpt of what the server said, printable, with every secret taken out."""
        text = raw[: EXCERPT_CHARS * 4].decode("utf-8", "replace")
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return _excerpt(text)


def _excerpt(text: str) -> str:
    flat = "".join(c if c.isprintable() else " " for c in text)
    flat = " ".join(flat.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"
