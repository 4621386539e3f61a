"""Onboarding: which film to ask a new person about next, so that 20 answers teach the model most.

A deck is prepared once per model from the community's ratings: the candidates are the most-rated
films (at least ``min_ratings`` ratings each), each with the chance a person has seen it, how
divisive its stars are, and its factor vector. Each next card is then chosen from the answers so
far (a rating, or "haven't seen it") by

    score = P(seen | answers)^seen_power × uncertainty × (1 + spread_weight · spread)

- **P(seen | answers)**: the film's share of the community, moved by every answer through the
  co-occurrence of the two films (naive Bayes in log-odds, tempered by ``evidence_weight``): having
  seen a film raises the chance of the films its audience also saw, "haven't seen it" lowers it —
  one skipped obscure film makes the next obscure one of its kind less likely to be shown.
- **uncertainty**: the posterior standard deviation of the person's predicted taste for the film,
  √(vᵀ Σ v), in a Bayesian linear regression over their factors (prior precision ``ridge``, each
  rated card adds v vᵀ): a film whose factors point where the answers so far have said little
  teaches the most; one like those already rated teaches little.
- **spread**: the standard deviation of the community's stars for the film (over the candidates'
  mean): a film everyone rates the same says nothing about this person's taste; a divisive one
  does.

Pure numpy: arrays and indices in, an index out; deterministic (ties go to the more-rated film).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from reelmates.taste.als import AlsScorer
from reelmates.taste.arrays import FloatArray, IntArray
from reelmates.taste.base import Scorer
from reelmates.taste.blend import BlendScorer
from reelmates.taste.hybrid import HybridScorer

_EPS = 1e-4  # probabilities kept inside (ε, 1 − ε) so that log-odds stay finite


@dataclass(frozen=True)
class OnboardingConfig:
    """How the cards are chosen. Defaults from validation runs on ML-100K
    (``eval.onboarding`` on seeds 1–4; the reported figures use other seeds)."""

    budget: int = 20  # cards shown, "haven't seen it" included
    min_ratings: int = 20  # a candidate has at least this many community ratings
    max_candidates: int = 400  # the most-rated films considered
    factors: int = 16  # dimensions of the fallback factors (a model without its own)
    seen_power: float = 1.0  # weight of P(seen) against the informativeness
    evidence_weight: float = 0.75  # how far one answer moves P(seen) (1: plain naive Bayes)
    smoothing: float = 10.0  # pseudo-people behind each co-occurrence estimate
    ridge: float = 1.0  # prior precision of the person's factors
    spread_weight: float = 0.3  # how much a divisive film counts

    def __post_init__(self) -> None:
        for name in ("budget", "min_ratings", "max_candidates", "factors"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in ("seen_power", "evidence_weight", "smoothing", "spread_weight"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number ≥ 0")
        if not (np.isfinite(self.ridge) and self.ridge > 0):
            raise ValueError("ridge must be a finite number > 0")


@dataclass(frozen=True)
class Answer:
    """One card answered: ``stars`` for a rating, ``None`` for "haven't seen it"."""

    item: int  # model film index
    stars: float | None = None

    @property
    def seen(self) -> bool:
        return self.stars is not None


@dataclass(frozen=True)
class OnboardingDeck:
    """Everything the chooser needs about the candidate films (built once per model)."""

    config: OnboardingConfig
    items: IntArray  # model film index of each candidate, most-rated first
    seen_logit: NDArray[np.float64]  # log-odds that a person has seen each candidate
    seen_shift: NDArray[np.float64]  # [a, j]: log-odds change of j after "seen a"
    unseen_shift: NDArray[np.float64]  # [a, j]: after "haven't seen a"
    spread: NDArray[np.float64]  # std of the community's stars over its mean among candidates
    factors: NDArray[np.float64]  # (candidates, f), mean row norm 1

    @classmethod
    def build(
        cls,
        ratings: sp.csr_matrix,
        item_factors: NDArray[np.floating] | None = None,
        config: OnboardingConfig | None = None,
    ) -> OnboardingDeck:
        """From the community's ratings (people × films, stars) and, when the model has them,
        its item factors (films × f); without, factors from the candidates' co-occurrence."""
        cfg = config or OnboardingConfig()
        R = sp.csr_matrix(ratings)
        n_people, n_items = R.shape
        if item_factors is not None and item_factors.shape[0] != n_items:
            raise ValueError(f"item_factors has {item_factors.shape[0]} rows for {n_items} films")
        counts = np.bincount(R.indices, minlength=n_items)
        eligible = np.flatnonzero(counts >= cfg.min_ratings)
        order = np.lexsort((eligible, -counts[eligible]))  # most-rated first, then lower index
        items = eligible[order][: cfg.max_candidates].astype(np.int64)
        sub = sp.csc_matrix(R[:, items])
        X = sub.copy()
        X.data = np.ones_like(X.data)
        co = np.asarray((X.T @ X).toarray(), dtype=np.float64)
        n = counts[items].astype(np.float64)
        p = n / max(n_people, 1)
        s = cfg.smoothing
        # P(j | seen a) and P(j | not seen a), shrunk towards P(j) by s pseudo-people.
        given_seen = (co + s * p[None, :]) / (n[:, None] + s)
        given_unseen = (n[None, :] - co + s * p[None, :]) / ((n_people - n)[:, None] + s)
        prior = _logit(p)
        seen_shift = _logit(given_seen) - prior[None, :]
        unseen_shift = _logit(given_unseen) - prior[None, :]
        np.fill_diagonal(seen_shift, 0.0)
        np.fill_diagonal(unseen_shift, 0.0)
        spread = _star_spread(sub)
        mean_spread = float(spread.mean()) if spread.size else 0.0
        spread = spread / mean_spread if mean_spread > 0 else np.zeros_like(spread)
        if item_factors is not None:
            V = np.asarray(item_factors, dtype=np.float64)[items]
        else:
            V = _cooccurrence_factors(co, n, n_people, cfg.factors)
        norms = np.linalg.norm(V, axis=1)
        mean_norm = float(norms.mean()) if norms.size else 0.0
        V = V / mean_norm if mean_norm > 0 else V
        return cls(cfg, items, prior, seen_shift, unseen_shift, spread, V)

    @property
    def size(self) -> int:
        return len(self.items)

    def seen_chance(self, answers: Sequence[Answer]) -> NDArray[np.float64]:
        """P(seen) of every candidate given the answers so far."""
        logit = self.seen_logit.copy()
        pos = self._positions(answers)
        w = self.config.evidence_weight
        for answer, at in zip(answers, pos, strict=True):
            if at >= 0:
                logit += w * (self.seen_shift[at] if answer.seen else self.unseen_shift[at])
        return 1.0 / (1.0 + np.exp(-logit))

    def uncertainty(self, answers: Sequence[Answer]) -> NDArray[np.float64]:
        """√(vᵀ Σ v) for every candidate, Σ the posterior covariance after the rated cards."""
        V = self.factors
        A = self.config.ridge * np.eye(V.shape[1])
        rated = [at for a, at in zip(answers, self._positions(answers), strict=True) if a.seen]
        rated = [at for at in rated if at >= 0]
        if rated:
            Vr = V[rated]
            A += Vr.T @ Vr
        sigma_v = np.linalg.solve(A, V.T).T
        out: NDArray[np.float64] = np.sqrt(np.maximum(np.einsum("ij,ij->i", V, sigma_v), 0.0))
        return out

    def scores(self, answers: Sequence[Answer]) -> NDArray[np.float64]:
        """Each candidate's score for the next card (−inf for those already answered)."""
        c = self.config
        value = self.seen_chance(answers) ** c.seen_power * self.uncertainty(answers)
        value = value * (1.0 + c.spread_weight * self.spread)
        asked = self._positions(answers)
        value[asked[asked >= 0]] = -np.inf
        return value

    def next_card(
        self, answers: Sequence[Answer], *, known: Sequence[Answer] = (), spent: int | None = None
    ) -> int | None:
        """The model film index to ask about next, or None when the budget is spent or no
        candidate is left. ``known``: what the person had told us before (their ratings, earlier
        skips): used like answers and never asked again, but not counted against the budget.
        ``spent``: cards used so far when that is more than ``len(answers)`` (a card for a film
        the model does not know)."""
        used = len(answers) if spent is None else max(spent, len(answers))
        if used >= self.config.budget or self.size == 0:
            return None
        value = self.scores([*known, *answers])
        best = int(np.argmax(value))  # the first maximum: the more-rated film wins a tie
        return int(self.items[best]) if np.isfinite(value[best]) else None

    def popularity_order(self) -> IntArray:
        """The candidates most-rated first: the order to beat."""
        return self.items.copy()

    def _positions(self, answers: Sequence[Answer]) -> IntArray:
        lookup = {int(i): n for n, i in enumerate(self.items.tolist())}
        return np.array([lookup.get(int(a.item), -1) for a in answers], dtype=np.int64)


def _logit(p: NDArray[np.float64]) -> NDArray[np.float64]:
    q = np.clip(p, _EPS, 1.0 - _EPS)
    out: NDArray[np.float64] = np.log(q) - np.log1p(-q)
    return out


def _star_spread(sub: sp.csc_matrix) -> NDArray[np.float64]:
    """Population standard deviation of each column's stored stars (0 for an empty column)."""
    n = np.diff(sub.indptr).astype(np.float64)
    safe = np.maximum(n, 1.0)
    total = np.asarray(sub.sum(axis=0), dtype=np.float64).ravel()
    squares = np.asarray(sub.multiply(sub).sum(axis=0), dtype=np.float64).ravel()
    mean = total / safe
    out: NDArray[np.float64] = np.sqrt(np.maximum(squares / safe - mean**2, 0.0))
    return out


def _cooccurrence_factors(
    co: NDArray[np.float64], n: NDArray[np.float64], n_people: int, f: int
) -> NDArray[np.float64]:
    """PCA loadings of the candidates' seen/unseen columns (their covariance from co-counts)."""
    N = max(n_people, 1)
    p = n / N
    cov = co / N - np.outer(p, p)
    values, vectors = np.linalg.eigh(cov)
    keep = np.argsort(values)[::-1][: min(f, len(values))]
    out: NDArray[np.float64] = vectors[:, keep] * np.sqrt(np.maximum(values[keep], 0.0))
    # eigh's sign is arbitrary; fix it (largest entry of each column positive) for determinism.
    if out.size:
        flip = np.sign(out[np.argmax(np.abs(out), axis=0), np.arange(out.shape[1])])
        out = out * np.where(flip == 0, 1.0, flip)
    return out


def model_item_factors(scorer: Scorer) -> FloatArray | None:
    """The item factors a fitted model carries (its ALS part), or None when it has none."""
    inner: Scorer = scorer
    if isinstance(inner, HybridScorer):
        if not inner.warm.any():
            return None
        inner = inner.collab
    if isinstance(inner, BlendScorer):
        inner = inner.als
    if isinstance(inner, AlsScorer):
        factors: FloatArray = inner.item_factors
        return factors
    return None


def deck_for(scorer: Scorer, config: OnboardingConfig | None = None) -> OnboardingDeck:
    """The deck of a fitted model: its community ratings and its own factors when it has them.

    A small community (the demo's two friends) may have fewer films with ``min_ratings`` ratings
    than there are cards: then every film anyone rated is a candidate."""
    cfg = config or OnboardingConfig()
    ratings, factors = scorer.matrix.ratings, model_item_factors(scorer)
    deck = OnboardingDeck.build(ratings, factors, cfg)
    if deck.size < cfg.budget and cfg.min_ratings > 1:
        deck = OnboardingDeck.build(ratings, factors, replace(cfg, min_ratings=1))
    return deck
