"""What every command shares: the --db option, settings from flags + env, and rich progress."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from reelmates.settings import Settings, load_settings

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLAlchemy database URL (default: SQLite file in the data directory; "
        "env REELMATES_DATABASE_URL).",
        show_default=False,
    ),
]

console = Console(emoji=False)


def settings_from(db: str | None) -> Settings:
    return load_settings(database_url=db)


class RichProgress:
    """Renders a service's stages as rich progress bars (one bar per stage)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def stage(self, description: str, total: float | None = None) -> None:
        self.finish()
        self._task = self._progress.add_task(description, total=total)

    def update(self, completed: float, total: float | None) -> None:
        """Absolute progress, for sources that report "so far of total" (downloads)."""
        if self._task is not None:
            self._progress.update(self._task, completed=completed, total=total)

    def finish(self) -> None:
        """Mark the current stage complete, whatever its estimate was."""
        if self._task is not None:
            done = self._progress.tasks[self._task].completed or 1
            self._progress.update(self._task, total=done, completed=done)

    def advance(self, amount: float) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)


@contextmanager
def progress_bars() -> Iterator[RichProgress]:
    columns = (
        # Descriptions name datasets and people: shown as plain text, never as markup.
        TextColumn("{task.description}", style="progress.description", markup=False),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True, emoji=False), transient=False) as progress:
        sink = RichProgress(progress)
        yield sink
        sink.finish()
