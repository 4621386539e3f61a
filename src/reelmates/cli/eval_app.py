"""The ``reelmates eval`` sub-app, shared by every evaluation command module.

Modules define commands on :data:`eval_app` at import time of their ``register`` (e.g.
``@eval_app.command("groups")``); ``reelmates.cli.evaluate.register`` mounts it on the main app
once. Typer builds the click group only when the app runs, so the order modules register in does
not matter.
"""

from __future__ import annotations

import typer

eval_app = typer.Typer(
    name="eval",
    help="Measure reelmates against published protocols (MovieLens by path).",
    no_args_is_help=True,
)


def parse_seeds(text: str) -> list[int]:
    """``--seeds 42,43,44`` as a list (every eval command takes the same form)."""
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise typer.BadParameter("seeds are integers separated by commas, e.g. 42,43") from None
    if not seeds:
        raise typer.BadParameter("give at least one seed, e.g. 42")
    return seeds
