"""``reelmates serve``: the web app on uvicorn (migrations run on start)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from typing import Annotated

import typer
import uvicorn

from reelmates.cli.common import DbOption
from reelmates.settings import Settings, load_settings

HostOption = Annotated[
    str,
    typer.Option("--host", help="Address to listen on (0.0.0.0: every network interface)."),
]
PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")]
RootPathOption = Annotated[
    str | None,
    typer.Option(
        "--root-path",
        help="Serve under a sub-path behind a reverse proxy, e.g. /reelmates "
        "(env REELMATES_ROOT_PATH).",
        show_default=False,
    ),
]


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    root_path: RootPathOption = None,
    db: DbOption = None,
) -> None:
    """Serve the web app: open the address it prints in a browser; Ctrl-C stops it."""
    serve_web_app(load_settings(database_url=db, root_path=root_path), host=host, port=port)


class _Server(uvicorn.Server):
    """uvicorn's server, which first tells the app it is stopping: open event streams end at
    once (their pages reconnect when the server is back) instead of holding Ctrl-C for the
    whole grace period."""

    def __init__(self, config: uvicorn.Config, stopping: threading.Event) -> None:
        super().__init__(config)
        self._stopping = stopping

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._stopping.set()
        await super().shutdown(sockets)


def serve_web_app(
    settings: Settings, *, host: str, port: int, before: Callable[[], None] | None = None
) -> None:
    """Build the app (migrating the database first: errors show before listening), print the
    address, call ``before`` (more to print), then serve until Ctrl-C."""
    from reelmates.web.app import create_app

    app = create_app(settings)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"reelmates is serving at http://{shown}:{port}{settings.root_path}/")
    if before is not None:
        before()
    typer.echo("Press Ctrl-C to stop.")
    # Forwarded headers are the app's business (REELMATES_TRUSTED_PROXY), not uvicorn's: it
    # would otherwise trust any X-Forwarded-* sent from this machine.
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        proxy_headers=False,
        server_header=False,
        log_level="info",
        timeout_graceful_shutdown=5,
    )
    server = _Server(config, app.state.stopping)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:  # uvicorn said why (the port in use, say)
        raise typer.Exit(3)
    typer.echo("reelmates stopped.")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
