"""Scorer classes by name (for model files and the CLI)."""

from __future__ import annotations

from reelmates.taste.als import AlsScorer
from reelmates.taste.base import Scorer
from reelmates.taste.bias import BiasScorer
from reelmates.taste.blend import BlendScorer
from reelmates.taste.content import ContentScorer
from reelmates.taste.ease import EaseScorer
from reelmates.taste.hybrid import HybridScorer
from reelmates.taste.popularity import PopularityScorer

SCORERS: tuple[type[Scorer], ...] = (
    PopularityScorer,
    BiasScorer,
    EaseScorer,
    AlsScorer,
    BlendScorer,
    ContentScorer,
    HybridScorer,
)


def scorer_classes() -> dict[str, type[Scorer]]:
    return {c.name: c for c in SCORERS}


def scorer_class(name: str) -> type[Scorer]:
    try:
        return scorer_classes()[name]
    except KeyError:
        raise KeyError(f"unknown scorer {name!r}; known: {sorted(scorer_classes())}") from None
