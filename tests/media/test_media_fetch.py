"""The guarded HTTP layer against a loopback fake of a server: what a contract mock cannot do
(time out, refuse the key, answer garbage, redirect, answer too much) and addresses that are not
allowed. Each gives a SourceUnavailableError that says what happened and what to check."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from media_fake import FakeServer, Reply, fake_server

from reelmates.errors import SourceUnavailableError
from reelmates.media.fetch import AllowList, GuardedClient, Limits, origin_of
from reelmates.media.jellyfin import JellyfinClient
from reelmates.media.plex import PlexClient

KEY = "s3cret-key-0123456789abcdef"


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    with fake_server() as server:
        yield server


def client(fake: FakeServer, **limits: float) -> JellyfinClient:
    return JellyfinClient(
        fake.url,
        KEY,
        allowed=AllowList([fake.url]),
        limits=Limits(**limits),  # type: ignore[arg-type]
    )


def failure(call: object) -> str:
    assert callable(call)
    with pytest.raises(SourceUnavailableError) as caught:
        call()
    text = str(caught.value)
    assert KEY not in text
    return text


def test_origins_are_normalised() -> None:
    assert origin_of("HTTP://Media.Example:8096/jellyfin/") == "http://media.example:8096"
    assert origin_of("https://media.example") == "https://media.example:443"
    assert origin_of("http://[::1]:32400") == "http://[::1]:32400"
    assert AllowList(["http://media.example"]).check("http://MEDIA.example:80/x") == (
        "http://media.example:80"
    )


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("ftp://media.example", "not a server address"),
        ("media.example:8096", "not a server address"),
        ("http://user:pw@media.example", "user name or password"),
        ("http://media.example/?api_key=x", "query"),
        ("http://media.example:99999", "not a server address"),
    ],
)
def test_addresses_that_are_not_plain_are_refused(address: str, words: str) -> None:
    with pytest.raises(SourceUnavailableError, match=words):
        origin_of(address)


def test_an_address_not_on_the_allow_list_is_never_contacted(fake: FakeServer) -> None:
    fake.routes["/Users"] = lambda _seen: Reply.json([])
    other_port = JellyfinClient(fake.url, KEY, allowed=AllowList(["http://127.0.0.1:1"]))
    text = failure(other_port.users)
    assert "not on this reelmates's list of allowed servers" in text
    assert "allowed servers in the settings" in text
    nobody = JellyfinClient(fake.url, KEY, allowed=AllowList([]))
    failure(nobody.libraries)
    assert fake.seen == []
    # ... and the same server, allowed, is.
    assert client(fake).users() == []
    assert len(fake.seen) == 1


def test_the_key_goes_in_the_header_only(
    fake: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    fake.routes["/Users"] = lambda _seen: Reply.json([{"Id": "a" * 32, "Name": "Milly"}])
    with caplog.at_level(logging.DEBUG):
        users = client(fake).users()
    assert [u.name for u in users] == ["Milly"]
    [seen] = fake.seen
    assert seen.headers["authorization"] == f'MediaBrowser Token="{KEY}"'
    assert all(KEY not in value for _name, value in seen.query)
    assert "x-emby-token" not in seen.headers  # Emby's header goes to Emby only
    assert caplog.records  # httpx logged the request...
    assert all(KEY not in record.getMessage() for record in caplog.records)  # ...not the key


def test_emby_gets_its_own_header_too(fake: FakeServer) -> None:
    fake.routes["/Users"] = lambda _seen: Reply.json([])
    JellyfinClient(fake.url, KEY, allowed=AllowList([fake.url]), kind="emby").users()
    assert fake.seen[0].headers["x-emby-token"] == KEY


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_says_the_key_is_wrong(fake: FakeServer, status: int) -> None:
    fake.routes["/Users"] = lambda _seen: Reply(status, b"Unauthorized")
    text = failure(client(fake).users)
    assert f"refused the API key ({status}" in text
    assert "wrong, revoked" in text


def test_plex_says_token(fake: FakeServer) -> None:
    fake.routes["/library/sections/all"] = lambda _seen: Reply(401, b"")
    plex = PlexClient(fake.url, KEY, allowed=AllowList([fake.url]))
    assert "refused the token (401" in failure(plex.libraries)


def test_malformed_json_says_what_came_and_what_to_check(fake: FakeServer) -> None:
    page = f"<!DOCTYPE html><html><body>Sign in to the proxy (key {KEY})</body></html>"
    fake.routes["/Users"] = lambda _seen: Reply(200, page.encode(), {"Content-Type": "text/html"})
    text = failure(client(fake).users)
    assert "answered something that is not JSON" in text
    assert "<!DOCTYPE html>" in text  # what it said...
    assert "[redacted]" in text  # ...without the key it echoed
    assert "login page or proxy" in text
    assert "API key is right" in text


def test_json_of_the_wrong_shape_names_the_field(fake: FakeServer) -> None:
    fake.routes["/Items"] = lambda _seen: Reply.json({"Items": [{"Name": "no id"}]})
    text = failure(lambda: list(client(fake).films("lib")))
    assert "JSON of an unexpected shape for the films" in text
    assert "Items.0.Id" in text
    fake.routes["/Users"] = lambda _seen: Reply.json({"not": "a list"})
    assert "unexpected shape for the users" in failure(client(fake).users)


def test_a_redirect_is_not_followed(fake: FakeServer) -> None:
    with fake_server() as elsewhere:
        elsewhere.routes["/Users"] = lambda _seen: Reply.json([])
        target = f"{elsewhere.url}/Users"
        fake.routes["/Users"] = lambda _seen: Reply(302, b"", {"Location": target})
        text = failure(client(fake).users)
        assert "answered 302, a redirect to" in text
        assert target in text
        assert "does not follow redirects" in text
        assert elsewhere.seen == []


def test_a_server_that_does_not_answer_times_out(fake: FakeServer) -> None:
    fake.routes["/Users"] = lambda _seen: Reply(200, b"[]", delay=3.0)
    text = failure(client(fake, timeout_seconds=0.3).users)
    assert "did not answer within 0.3 s" in text
    assert "Check that the server is running" in text


def test_a_slow_drip_is_cut_off_at_the_time_limit(fake: FakeServer) -> None:
    # Each byte comes well within the read timeout; the whole answer would take 4 s.
    fake.routes["/Users"] = lambda _seen: Reply(200, b"[" + b" " * 40 + b"]", drip=0.1)
    text = failure(client(fake, timeout_seconds=0.5).users)
    assert "did not answer within 0.5 s" in text


@pytest.mark.parametrize("declared", [True, False])
def test_an_answer_over_the_size_cap_is_refused(fake: FakeServer, declared: bool) -> None:
    body = b"[" + b'"x",' * 20_000 + b'"x"]'  # 80 kB of valid JSON
    fake.routes["/Users"] = lambda _seen: Reply(200, body, length=declared)
    text = failure(client(fake, max_bytes=64 * 1024).users)
    assert "answered more than 65,536 bytes" in text
    assert "refused" in text
    # Under the cap, the same answer is read.
    with pytest.raises(SourceUnavailableError, match="unexpected shape"):
        client(fake, max_bytes=128 * 1024).users()  # strings are not users


def test_a_server_that_is_down(fake: FakeServer) -> None:
    url = fake.url
    fake.stop()
    down = JellyfinClient(url, KEY, allowed=AllowList([url]))
    text = failure(down.users)
    assert "could not reach Jellyfin at http://127.0.0.1:" in text
    assert "ConnectError" in text


def test_other_failures_say_the_status(fake: FakeServer) -> None:
    fake.routes["/Users"] = lambda _seen: Reply(503, b"starting")
    assert "answered 503" in failure(client(fake).users)
    assert "has no such page (404" in failure(client(fake).libraries)


def test_a_post_sends_json(fake: FakeServer) -> None:
    fake.routes["/x"] = lambda seen: Reply.json({"ok": seen.headers["content-type"]}, 201)
    with GuardedClient(fake.url, service="Test", allowed=AllowList([fake.url]), headers={}) as http:
        assert http.send("POST", "/x", what="x", body={"a": 1}) == (
            201,
            {"ok": "application/json"},
        )
        with pytest.raises(ValueError, match="not a server path"):
            http.get("//elsewhere.example/x", what="x")
