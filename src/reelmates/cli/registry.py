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
)


def command_modules() -> Iterator[Callable[[typer.Typer], None]]:
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # not written yet; every other missing import is a real error
                continue
            raise
        yield module.register
