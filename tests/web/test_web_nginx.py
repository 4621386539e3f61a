"""Behind Debian's nginx, for real: the README's snippet (deploy/nginx-reelmates.conf), included in
a server block on loopback, in front of ``reelmates demo --root-path /reelmates`` with
REELMATES_TRUSTED_PROXY=true. Through it, pages, assets, redirects and cookies stay under the
prefix; a log-in over HTTPS gets Secure cookies and https links (X-Forwarded-Proto), over HTTP
http ones whatever the browser claims; an upload just over the app's limit reaches the app (nginx
lets it by); and in a live swipe session a match reaches both members' event streams at once,
exactly once, on the connection each opened first (nginx buffers none of it)."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from processes import ServedDemo, free_port, served_demo

ROOT = "/reelmates"
NGINX = Path("/usr/sbin/nginx")
SNIPPET = Path(__file__).resolve().parents[2] / "deploy" / "nginx-reelmates.conf"
INSTALL_HINT = (
    "needs Debian's nginx at /usr/sbin/nginx (and openssl): ./scripts/test.sh installs them, "
    "or `apt-get install -y nginx openssl`"
)
PROMPT = 3.0  # seconds: an event later than this after the swipe was held somewhere
_REFS = re.compile(r'(?:href|src|action)="([^"]*)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Nginx:
    http: str  # http://127.0.0.1:<port>, no trailing slash
    https: str
    error_log: Path


def _config(tmp: Path, app_port: int, http_port: int, https_port: int) -> Path:
    snippet = SNIPPET.read_text(encoding="utf-8")
    assert "proxy_pass http://127.0.0.1:8000;" in snippet
    included = tmp / "nginx-reelmates.conf"
    included.write_text(snippet.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}"), "utf-8")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem")],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    temp = {name: tmp / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir()
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
events {{}}
http {{
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    access_log {tmp / "access.log"};
    error_log {tmp / "error.log"};
    server {{
        listen 127.0.0.1:{http_port};
        listen 127.0.0.1:{https_port} ssl;
        ssl_certificate {tmp / "cert.pem"};
        ssl_certificate_key {tmp / "key.pem"};
        include {included};
    }}
}}
""",
        encoding="utf-8",
    )
    return conf


def _answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def nginx_in_front(tmp: Path, app_port: int) -> Iterator[Nginx]:
    """Our own nginx (not Debian's service, which may be running on port 80) on two free
    loopback ports, HTTP and HTTPS, until the block ends; its error log printed on failure."""
    if not NGINX.exists() or shutil.which("openssl") is None:
        pytest.fail(INSTALL_HINT)
    tmp.mkdir()
    http_port, https_port = free_port(), free_port()
    conf = _config(tmp, app_port, http_port, https_port)
    error_log = tmp / "error.log"
    command = [str(NGINX), "-p", str(tmp), "-c", str(conf), "-e", str(error_log),
               "-g", f"daemon off; pid {tmp / 'nginx.pid'};"]  # fmt: skip
    tested = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert tested.returncode == 0, tested.stderr
    printed = tmp / "nginx.out"  # anything nginx prints before its error log is open
    with printed.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not (_answers(http_port) and _answers(https_port)):
            assert process.poll() is None, _read(error_log)
            assert time.monotonic() < deadline, "nginx did not answer\n" + _read(error_log)
            time.sleep(0.05)
        yield Nginx(f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}", error_log)
    except BaseException:
        print(f"--- nginx printed ---\n{_read(printed)}\n--- its error.log ---\n{_read(error_log)}")
        raise
    finally:
        process.terminate()  # a fast shutdown: open event streams end at once
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else "(none)"


def _client(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=10, verify=False)  # our own self-signed cert


def _own_refs(html: str) -> list[str]:
    return [r for r in _REFS.findall(html) if not r.startswith(("#", "http"))]


def _log_in_by_the_form(client: httpx.Client, handle: str, password: str) -> httpx.Response:
    form = client.get(f"{ROOT}/login")
    assert form.status_code == 200, form.text
    token = _CSRF.search(form.text)
    assert token is not None
    return client.post(
        f"{ROOT}/login",
        data={"csrf_token": token.group(1), "handle": handle, "password": password},
    )


def _log_in_by_the_api(client: httpx.Client, handle: str, password: str) -> str:
    """Logged in by ``POST /api/login``; the CSRF token for its unsafe calls."""
    anonymous = client.get(f"{ROOT}/api/csrf").json()["csrf_token"]
    done = client.post(
        f"{ROOT}/api/login",
        json={"handle": handle, "password": password},
        headers={"X-CSRF-Token": anonymous},
    )
    assert done.status_code == 200, done.text
    token: str = done.json()["csrf_token"]
    return token


# --- pages, cookies and links ------------------------------------------------------------------


def _pages_and_assets_stay_under_the_prefix(proxy: Nginx, demo: ServedDemo) -> None:
    with _client(proxy.http) as client:
        bare = client.get(ROOT)  # no trailing slash: nginx sends the browser on
        assert bare.status_code == 301
        assert httpx.URL(bare.headers["location"]).path == ROOT + "/"
        for path in ("/", "/login", "/signup"):
            page = client.get(ROOT + path)
            assert page.status_code == 200, (path, page.text)
            refs = _own_refs(page.text)
            assert refs and all(r.startswith(ROOT + "/") for r in refs), (path, refs)
        for asset in ("/static/app.css", "/static/app.js"):
            assert client.get(ROOT + asset).status_code == 200, asset
        done = _log_in_by_the_form(client, "Jess", demo.log_ins["Jess"])
        assert done.status_code == 303, done.text
        assert done.headers["location"] == ROOT + "/"
        session = [c for c in done.headers.get_list("set-cookie") if "reelmates_session=" in c]
        assert session and f"Path={ROOT}" in session[0] and "Secure" not in session[0]
        home = client.get(ROOT + "/")
        assert "Hello, Jess" in home.text
        assert all(r.startswith(ROOT + "/") for r in _own_refs(home.text))


def _https_links_only_over_https(proxy: Nginx, demo: ServedDemo) -> None:
    """The app sees the scheme the browser used, as nginx sets it: a browser's own
    X-Forwarded-Proto is replaced."""
    for base, scheme in ((proxy.https, "https"), (proxy.http, "http")):
        with _client(base) as client:
            client.headers["X-Forwarded-Proto"] = "https"  # believed only from nginx
            csrf = client.get(f"{ROOT}/api/csrf")
            nonce = [c for c in csrf.headers.get_list("set-cookie") if "reelmates_csrf=" in c]
            assert nonce and ("; Secure" in nonce[0]) is (scheme == "https"), nonce
            token = _log_in_by_the_api(client, "Milly", demo.log_ins["Milly"])
            started = client.post(
                f"{ROOT}/api/swipe", params={"with": "Jess"}, headers={"X-CSRF-Token": token}
            )
            assert started.status_code == 201, started.text
            join = started.json()["join_url"]
            assert join.startswith(f"{base}{ROOT}/swipe/join/"), join  # host and port: nginx's
            assert started.json()["qr_url"].startswith(f"{scheme}://")
            joined = client.get(httpx.URL(join).path)  # a member already: on to the room
            assert joined.status_code == 303, joined.text
            assert joined.headers["location"] == f"{ROOT}/swipe/{started.json()['id']}"


def _an_upload_at_the_apps_limit_reaches_the_app(proxy: Nginx, demo: ServedDemo) -> None:
    with _client(proxy.http) as client:
        token = _log_in_by_the_api(client, "Jess", demo.log_ins["Jess"])
        big = b"x" * (20 * 1024 * 1024 + 64 * 1024)  # just over the app's 20 MiB
        answer = client.post(
            f"{ROOT}/api/me/import",
            files={"export": ("ratings.csv", big, "text/csv")},
            headers={"X-CSRF-Token": token},
        )
    assert answer.status_code == 413
    assert "larger than 20 MB" in answer.text  # the app's sentence, not nginx's page


# --- the live swipe session -------------------------------------------------------------------


@dataclass
class Stream:
    """One member's event stream, read in a thread: (arrival time, id, data) per ``room`` event;
    ``ended`` once the connection closed."""

    events: queue.Queue[tuple[float, int, dict[str, Any]]] = field(default_factory=queue.Queue)
    ended: threading.Event = field(default_factory=threading.Event)
    status: list[int] = field(default_factory=list)
    error: list[str] = field(default_factory=list)

    def next(self, timeout: float = 10) -> tuple[float, int, dict[str, Any]]:
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event within {timeout} s: {self.error}") from None


def _listen(client: httpx.Client, url: str, into: Stream) -> None:
    fields: dict[str, str] = {}
    try:
        with client.stream("GET", url, timeout=httpx.Timeout(10, read=30)) as response:
            into.status.append(response.status_code)
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if line:
                    name, _, value = line.partition(":")
                    if name:  # a line starting with ":" is a comment (the heartbeat)
                        fields[name] = value.removeprefix(" ")
                    continue
                if fields.get("event") == "room":
                    data = json.loads(fields["data"])
                    into.events.put((time.monotonic(), int(fields["id"]), data))
                fields = {}
    except (httpx.HTTPError, KeyError, AssertionError, ValueError) as stopped:
        into.error.append(repr(stopped))  # nginx stopped (the test's end), or a wrong answer
    finally:
        into.ended.set()


def _a_match_reaches_both_streams_once(proxy: Nginx, demo: ServedDemo) -> None:
    clients = {who: _client(proxy.http) for who in ("Jess", "Milly")}
    tokens = {who: _log_in_by_the_api(c, who, demo.log_ins[who]) for who, c in clients.items()}
    readers: list[threading.Thread] = []
    try:
        started = clients["Jess"].post(
            f"{ROOT}/api/swipe",
            params={"with": "Milly", "seen": "show-all"},
            headers={"X-CSRF-Token": tokens["Jess"]},
        )
        assert started.status_code == 201, started.text
        room = started.json()["id"]
        streams = {who: Stream() for who in clients}
        for who, client in clients.items():
            reader = threading.Thread(
                target=_listen,
                args=(client, f"{ROOT}/api/swipe/{room}/events", streams[who]),
                daemon=True,
            )
            reader.start()
            readers.append(reader)
        for stream in streams.values():  # the room's state first, on connecting
            _, first_id, state = stream.next()
            assert first_id == 0 and state["new_matches"] == [] and state["matches"] == []
        cards = {
            "Jess": started.json()["card"]["id"],
            "Milly": clients["Milly"].get(f"{ROOT}/api/swipe/{room}").json()["card"]["id"],
        }
        matched: tuple[float, int, int] | None = None
        for _ in range(40):  # both like every card they are dealt, in turns
            for who in ("Jess", "Milly"):
                sent = time.monotonic()
                done = clients[who].post(
                    f"{ROOT}/api/swipe/{room}/swipes",
                    json={"film_id": cards[who], "liked": True},
                    headers={"X-CSRF-Token": tokens[who]},
                )
                assert done.status_code == 200, done.text
                result = done.json()
                if result["matched"]:
                    matched = (sent, cards[who], result["room"]["last_swipe_id"])
                    cards[who] = result["room"]["card"]["id"]
                    break
                cards[who] = result["room"]["card"]["id"]
            if matched:
                break
        assert matched is not None, "no match"
        sent, film, match_id = matched
        # One more swipe after the match: its news must not tell of the match again.
        after = clients["Milly"].post(
            f"{ROOT}/api/swipe/{room}/swipes",
            json={"film_id": cards["Milly"], "liked": False},
            headers={"X-CSRF-Token": tokens["Milly"]},
        )
        assert after.status_code == 200, after.text
        last_id = after.json()["room"]["last_swipe_id"]
        for who, stream in streams.items():
            told: list[int] = []
            while True:
                arrived, event_id, data = stream.next()
                told += data["new_matches"]
                if event_id == match_id:
                    assert data["new_matches"] == [film], (who, data)
                    assert arrived - sent < PROMPT, (
                        f"{who} heard of the match {arrived - sent:.1f} s on"
                    )
                if event_id == last_id:
                    break
            assert told == [film], (who, told)  # exactly once
            assert not stream.ended.is_set(), f"{who}'s stream closed"  # still the same one
            assert stream.status == [200]
        # Each member connected once: the app served two event streams in all.
        requests = [line for line in demo.lines if f"/api/swipe/{room}/events" in line]
        assert len(requests) == 2, requests
    finally:
        for client in clients.values():
            client.close()


def test_the_readme_nginx_snippet_serves_the_app_and_its_live_sessions(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    with (
        served_demo(home, root_path=ROOT, REELMATES_TRUSTED_PROXY="true") as demo,
        nginx_in_front(tmp_path / "nginx", int(demo.base_url.split(":")[2].split("/")[0])) as proxy,
    ):
        _pages_and_assets_stay_under_the_prefix(proxy, demo)
        _https_links_only_over_https(proxy, demo)
        _an_upload_at_the_apps_limit_reaches_the_app(proxy, demo)
        _a_match_reaches_both_streams_once(proxy, demo)
    assert "[emerg]" not in _read(proxy.error_log)
