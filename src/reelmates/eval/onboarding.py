"""Onboarding simulated on held-out people: which order of cards teaches the model most?

A seeded tenth of the people is removed from the community and the scorer is fitted once on the
rest, and the onboarding deck built from it. Every order shows each removed person ``budget``
cards, all from the deck's candidates (the most-rated films): a film they rated is answered with
their real stars, any other is "haven't seen it" and still uses a card. Their rated cards are
folded in, and the top ``k`` among the films that can never be a card is scored against their
ratings of those films: the same test ratings for every order, none of which a card can reveal,
and no answer that is not what the person would say.

Orders: ``onboarding`` (``taste.onboarding``, each card chosen from the answers so far),
``popularity`` (the most-rated films) and ``random`` (seeded, among the same candidates).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

import numpy as np
import scipy.sparse as sp

from reelmates.taste.base import Scorer, top_k_rows
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.metrics import ranking_scores
from reelmates.taste.onboarding import Answer, OnboardingConfig, OnboardingDeck, deck_for
from reelmates.taste.splits import holdout_users

ORDERS = ("onboarding", "popularity", "random")

# (train, seed) → an unfitted scorer, as in ``eval.individual``
Factory = Callable[[RatingsMatrix, int], Scorer]


@dataclass(frozen=True)
class OnboardingRow:
    order: str
    rated: float  # cards answered with a rating, mean per person
    precision: float
    recall: float
    ndcg: float
    map: float
    ndcg4: float
    people: int


@dataclass(frozen=True)
class HeldOut:
    """Held-out people: their ratings of the candidates (what cards are answered from) and of
    every other film (the test)."""

    memory: sp.csr_matrix
    test: sp.csr_matrix


def split_held_out(ratings: sp.csr_matrix, rows: np.ndarray, candidates: np.ndarray) -> HeldOut:
    """``rows``' ratings split by film: of the ``candidates`` (memory), of the others (test)."""
    sub = sp.csr_matrix(ratings[rows], dtype=np.float32)
    is_candidate = np.zeros(sub.shape[1], dtype=np.float32)
    is_candidate[np.asarray(candidates, dtype=np.int64)] = 1.0
    memory = sp.csr_matrix(sub @ sp.diags(is_candidate))
    test = sp.csr_matrix(sub @ sp.diags(1.0 - is_candidate))
    for part in (memory, test):
        part.eliminate_zeros()
        part.sort_indices()
    return HeldOut(memory=memory, test=test)


def show_cards(
    deck: OnboardingDeck, memory: dict[int, float], order: str, rng: np.random.Generator
) -> list[Answer]:
    """The cards one person is shown in ``order`` and their answers (from ``memory``)."""
    budget = deck.config.budget
    if order == "onboarding":
        answers: list[Answer] = []
        while (item := deck.next_card(answers)) is not None:
            answers.append(Answer(item, memory.get(item)))
        return answers
    if order == "popularity":
        shown = deck.popularity_order()[:budget]
    elif order == "random":
        shown = rng.permutation(deck.items)[:budget]
    else:
        raise ValueError(f"unknown order {order!r}; known: {', '.join(ORDERS)}")
    return [Answer(int(i), memory.get(int(i))) for i in shown]


def answered_rows(answers: Sequence[Sequence[Answer]], n_items: int) -> sp.csr_matrix:
    """One CSR row per person of their rated cards (skips leave nothing)."""
    rows, cols, vals = [], [], []
    for r, person in enumerate(answers):
        for a in person:
            if a.stars is not None:
                rows.append(r)
                cols.append(a.item)
                vals.append(a.stars)
    out = sp.csr_matrix(
        (np.asarray(vals, np.float32), (np.asarray(rows), np.asarray(cols))),
        shape=(len(answers), n_items),
        dtype=np.float32,
    )
    out.sort_indices()
    return out


def run_onboarding(
    matrix: RatingsMatrix,
    seeds: Sequence[int],
    factory: Factory,
    *,
    config: OnboardingConfig | None = None,
    orders: Sequence[str] = ORDERS,
    fraction: float = 0.1,
    k: int = 10,
    on_step: Callable[[str], None] | None = None,
) -> list[OnboardingRow]:
    """One row per order, means over seeds, in ``orders`` order."""
    collected: dict[str, list[OnboardingRow]] = {o: [] for o in orders}
    for seed in seeds:
        kept, new = holdout_users(matrix, fraction, seed=seed)
        keep_mask = np.zeros(matrix.n_users, dtype=bool)
        keep_mask[kept] = True
        community = sp.csr_matrix(sp.diags(keep_mask.astype(np.float32)) @ matrix.ratings)
        community.eliminate_zeros()
        train = matrix.with_ratings(community)
        scorer = factory(train, seed).fit(train, calibrate=False, seed=seed)
        deck = deck_for(scorer, config)
        held = split_held_out(matrix.ratings, new, deck.items)
        never_cards = sp.csr_matrix(
            (
                np.ones(len(new) * deck.size, dtype=np.float32),
                (np.repeat(np.arange(len(new)), deck.size), np.tile(deck.items, len(new))),
            ),
            shape=(len(new), matrix.n_items),
        )
        memories = [_row_dict(held.memory, r) for r in range(held.memory.shape[0])]
        for order in orders:
            rng = np.random.default_rng(seed)
            answers = [show_cards(deck, m, order, rng) for m in memories]
            given = answered_rows(answers, matrix.n_items)
            recs, _ = top_k_rows(scorer.score_matrix(given), k, never_cards)
            every = ranking_scores(recs, held.test, k)
            high = sp.csr_matrix(held.test.multiply(held.test >= 4))
            liked = ranking_scores(recs, high, k)
            collected[order].append(
                OnboardingRow(
                    order,
                    float(np.diff(given.indptr).mean()),
                    every.precision,
                    every.recall,
                    every.ndcg,
                    every.map,
                    liked.ndcg,
                    every.n_users,
                )
            )
            if on_step:
                on_step(f"seed {seed}: {order} order")
    return [_mean(order, rows) for order, rows in collected.items()]


def _row_dict(m: sp.csr_matrix, r: int) -> dict[int, float]:
    s, e = m.indptr[r], m.indptr[r + 1]
    return dict(zip(m.indices[s:e].tolist(), m.data[s:e].tolist(), strict=True))


def _mean(order: str, rows: Sequence[OnboardingRow]) -> OnboardingRow:
    numeric = {
        f.name: float(np.mean([getattr(r, f.name) for r in rows]))
        for f in fields(OnboardingRow)
        if f.name not in ("order", "people")
    }
    return OnboardingRow(order=order, people=int(sum(r.people for r in rows)), **numeric)
