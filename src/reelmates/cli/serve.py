"""``reelmates serve``: the web app on uvicorn (migrations run on start)."""

from __future__ import annotations

from typing import Annotated

import typer

from reelmates.cli.common import DbOption

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
    import uvicorn

    from reelmates.settings import load_settings
    from reelmates.web.app import create_app

    settings = load_settings(database_url=db, root_path=root_path)
    app = create_app(settings)  # migrates the database first: errors show before listening
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"reelmates is serving at http://{shown}:{port}{settings.root_path}/")
    typer.echo("Press Ctrl-C to stop.")
    # Forwarded headers are the app's business (REELMATES_TRUSTED_PROXY), not uvicorn's: it
    # would otherwise trust any X-Forwarded-* sent from this machine.
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=False,
        server_header=False,
        log_level="info",
        timeout_graceful_shutdown=5,
    )
    typer.echo("reelmates stopped.")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
