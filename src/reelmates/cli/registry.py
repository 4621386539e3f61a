"""Which modules contribute commands to ``reelmates``. One line per module."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator

import typer

_MODULES = (
    "reelmates.cli.demo",
    "reelmates.cli.imports",
    "reelmates.cli.batch",
    "reelmates.cli.evaluate",
    "reelmates.cli.train",
    "reelmates.cli.recommend",
    "reelmates.cli.companions",
    "reelmates.cli.together_batch",
    "reelmates.cli.evaluate_together",
    "reelmates.cli.people",
    "reelmates.cli.serve",
    "reelmates.cli.admin",
    "reelmates.cli.backup",
    "reelmates.cli.library",
)


def command_modules() -> Iterator[Callable[[typer.Typer], None]]:
    for name in _MODULES:
        yield importlib.import_module(name).register
