"""`reelmates library`: a Jellyfin on loopback (tests/media_loopback.py) connected, listed,
synced, mapped, scheduled and removed from the terminal, on a real SQLite file. The key is
asked for hidden (or read from REELMATES_LIBRARY_KEY) and never printed; user data is printed
as typed, never as markup; a mistake is one red line saying what to do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from media_loopback import FILM_COUNT, KEY, LoopbackJellyfin, loopback_jellyfin
from reelmates.cli.app import _register_commands, app, main
from reelmates.services import people
from reelmates.services.uow import unit_of_work
from reelmates.settings import load_settings
from reelmates.store.accounts import AccountRepository
from reelmates.store.migrate import open_database


@pytest.fixture
def jellyfin() -> Iterator[LoopbackJellyfin]:
    with loopback_jellyfin() as fake:
        yield fake


@pytest.fixture
def env(
    tmp_path: Path, jellyfin: LoopbackJellyfin, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    values = {
        "REELMATES_DATA_DIR": str(tmp_path),
        "REELMATES_DATABASE_URL": f"sqlite:///{tmp_path / 'reelmates.db'}",
        "REELMATES_MEDIA_SECRET_KEY": Fernet.generate_key().decode(),
        "REELMATES_MEDIA_ALLOWED_URLS": f"http://example.invalid:8096, {jellyfin.url}",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REELMATES_LIBRARY_KEY", raising=False)
    _register_commands()
    return values


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(app, list(args), input=input, env=env)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error:"), err
    return " ".join(err.split())


def test_a_server_connected_synced_mapped_and_removed(
    env: dict[str, str], jellyfin: LoopbackJellyfin
) -> None:
    added = run(
        "library", "add", "jellyfin", jellyfin.url, "--name", "[bold]Den[/bold]", input=KEY + "\n"
    )
    assert KEY not in added  # the prompt hid it
    assert (
        "Connected server 1: [bold]Den[/bold] (Jellyfin, shared with every member), 1 film"
        in " ".join(added.split())
    )
    listed = run("library", "list")
    assert "[bold]Den[/bold]" in listed and jellyfin.url in listed and KEY not in listed
    assert "every 360 min" in listed and "never" in listed

    synced = " ".join(run("library", "sync", "1").split())
    assert f"Read {FILM_COUNT} films (all)" in synced and "0 seen marks" in synced
    libraries = run("library", "libraries", "1", "--disable", "1")
    assert "Films" in libraries and " no " in libraries
    assert " yes " in run("library", "libraries", "1", "--enable", "1")
    assert "only on demand" in run("library", "schedule", "1", "off")
    assert "every 45 minutes" in run("library", "schedule", "1", "45")
    jellyfin.key = "a-new-key-1234"
    assert "has its new key" in run("library", "key", "1", input="a-new-key-1234\n")
    assert "Read 8 films" in run("library", "sync", "1")
    assert "Removed [bold]Den[/bold]." in run("library", "remove", "1", "--yes")
    assert "No media server is connected" in run("library", "list")
    assert not any(KEY in s.path or KEY in str(s.query) for s in jellyfin.server.seen)


def test_members_are_mapped_and_unmapped(
    env: dict[str, str], jellyfin: LoopbackJellyfin, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = open_database(load_settings())
    with unit_of_work(engine) as session:  # a member with an account
        mira = people.add_member(session, "mira", "Mira")
        AccountRepository(session).add(mira.id, None, "member", datetime.now(UTC))
    engine.dispose()
    keyed = {"REELMATES_LIBRARY_KEY": KEY}
    added = run("library", "add", "jellyfin", jellyfin.url, "--owner", "mira", env=keyed)
    assert "Mira's Jellyfin (Jellyfin, Mira's own)" in " ".join(added.split())
    assert "Mira (mira) is now milly on server 1." in run("library", "map", "1", "mira", "MILLY")
    assert "mira = milly" in run("library", "list")
    assert "no longer mapped" in run("library", "map", "1", "mira", "--off")
    wrong = fails(capsys, "library", "map", "1", "mira", "nobody")
    assert "the server has no user 'nobody'" in wrong and "Its users: jess, milly." in wrong


def test_mistakes_say_what_to_do(
    env: dict[str, str],
    jellyfin: LoopbackJellyfin,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REELMATES_LIBRARY_KEY", "wrong-key-5678")
    refused = fails(capsys, "library", "add", "jellyfin", jellyfin.url)
    assert "refused the API key (401" in refused and "nothing was stored" in refused
    assert "wrong-key-5678" not in refused
    elsewhere = fails(capsys, "library", "add", "plex", "http://10.0.0.1:32400")
    assert "REELMATES_MEDIA_ALLOWED_URLS" in elsewhere
    assert "Give jellyfin, emby or plex" in fails(capsys, "library", "add", "kodi", jellyfin.url)
    assert "no media server 7" in fails(capsys, "library", "sync", "7")
    assert "not a schedule: 'soon'" in fails(capsys, "library", "schedule", "7", "soon")
    monkeypatch.setenv("REELMATES_LIBRARY_KEY", KEY)
    run("library", "add", "jellyfin", jellyfin.url)
    jellyfin.state = "garbage"
    with pytest.raises(SystemExit) as exited:
        main(["library", "sync", "1"])
    assert exited.value.code == 1  # the server's fault (502), not the user's
    err = " ".join(capsys.readouterr().err.split())
    assert "could not be synced" in err and "last good sync stay available" in err
    assert "Traceback" not in err and KEY not in err


def test_a_wrong_setting_is_one_clear_line_without_the_secrets(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "the-request-key-never-printed-42"
    monkeypatch.setenv("REELMATES_REQUEST_SERVICE", "jellyseerr")
    monkeypatch.setenv("REELMATES_REQUEST_URL", "gopher://seerr.lan")
    monkeypatch.setenv("REELMATES_REQUEST_API_KEY", secret)
    with pytest.raises(SystemExit) as exited:
        main(["library", "list"])
    assert exited.value.code == 1  # the setup's fault, not the command line's (2)
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error: a setting is wrong"), err
    said = " ".join(err.split())
    assert "REELMATES_REQUEST_URL: not a server address" in said, said
    assert secret not in said and env["REELMATES_MEDIA_SECRET_KEY"] not in said
