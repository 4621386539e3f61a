"""How services report progress without knowing about terminals (the CLI renders it with rich)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def stage(self, description: str, total: float | None = None) -> None:
        """Start a new stage (a new bar); ``total`` in the unit that ``advance`` counts."""

    def advance(self, amount: float) -> None: ...


class SilentProgress:
    def stage(self, description: str, total: float | None = None) -> None:
        pass

    def advance(self, amount: float) -> None:
        pass
