"""Own ratings in a group's scores, and the prefer-unseen rule, on hand-made cases."""

from __future__ import annotations

import numpy as np

from reelmates.together.inputs import ItemFacts, Member, SeenPolicy
from reelmates.together.ranker import rank_for_group
from reelmates.together.seen import REWATCH_MARGIN, own_rating_scores, rewatch_mask
from reelmates.together.strategies import Strategy


def test_own_ratings_take_the_score_at_their_quantile_by_hand() -> None:
    # Jess rated films 0, 1, 2 with 1★, 3★, 5★; the model scores them 9, 5, 1 (upside down).
    # Mid-rank quantiles 1/6, 1/2, 5/6 of the scores {1, 5, 9} (linear): 2⅓, 5, 7⅔.
    scores = np.array([[9.0, 5.0, 1.0, 4.0]])
    jess = Member("j", "Jess", seen=np.array([0, 1, 2]), seen_stars=np.array([1.0, 3.0, 5.0]))
    out = own_rating_scores(scores, [jess])
    assert np.allclose(out[0], [7 / 3, 5.0, 23 / 3, 4.0])
    assert scores[0, 0] == 9.0  # the input is left alone
    # Ties share one quantile; seen without a rating keeps the model's score.
    sam = Member("s", "Sam", seen=np.array([0, 1, 3]), seen_stars=np.array([4.0, 4.0, np.nan]))
    assert np.allclose(own_rating_scores(scores, [sam])[0], [7.0, 7.0, 1.0, 4.0])


def test_a_low_own_rating_drops_the_film_and_the_table_shows_whose_stars() -> None:
    # Film 0 is the model's favourite for both, but Jess rated it 1★; she also rated films 3, 6, 7
    # 5★, 4★, 3★. Her rated films' scores are {8, 5, 2, 1}; by quantile her 1★ film gets 1.375,
    # below everything but film 7's original score (the ones she rated get 6.875, 4.625, 2.375).
    n = 8
    scores = np.tile(np.arange(n, 0, -1, dtype=float), (2, 1))
    stars = np.full((2, n), 3.5)
    jess = Member(
        "j", "Jess", seen=np.array([0, 3, 6, 7]), seen_stars=np.array([1.0, 5.0, 4.0, 3.0])
    )
    sam = Member("s", "Sam")
    assert np.allclose(
        own_rating_scores(scores, [jess, sam])[0, [0, 3, 6, 7]], [1.375, 6.875, 4.625, 2.375]
    )
    facts = ItemFacts(n)
    ranking = rank_for_group(
        scores, stars, [jess, sam], facts, k=n, seen_policy=SeenPolicy.SHOW_ALL
    )
    by_item = {p.item: p for p in ranking.picks}
    assert by_item[0].stars == (1.0, 3.5) and by_item[0].rated == (True, False)
    assert by_item[3].stars == (5.0, 3.5) and by_item[3].rated == (True, False)
    assert by_item[1].stars == (3.5, 3.5) and by_item[1].rated == (False, False)
    assert by_item[0].chances[0] == min(p.chances[0] for p in ranking.picks)
    assert 0 not in [p.item for p in ranking.picks[:3]]  # the model's favourite is no longer #1
    least = rank_for_group(
        scores,
        stars,
        [jess, sam],
        facts,
        k=n,
        seen_policy=SeenPolicy.SHOW_ALL,
        strategy=Strategy.LEAST_MISERY,
    )
    assert [p.item for p in least.picks].index(0) >= n - 2  # her 1★ is among the last two


def test_a_private_members_own_rating_is_never_shown() -> None:
    n = 6
    scores = np.tile(np.arange(n, 0, -1, dtype=float), (2, 1))
    stars = np.full((2, n), 3.5)
    milly = Member("m", "Milly", seen=np.array([2]), seen_stars=np.array([5.0]), private=True)
    sam = Member("s", "Sam", seen=np.array([1]), seen_stars=np.array([2.0]))
    ranking = rank_for_group(
        scores, stars, [milly, sam], ItemFacts(n), k=n, seen_policy=SeenPolicy.SHOW_ALL
    )
    assert 2 not in [p.item for p in ranking.picks]  # her seen film never shows
    for p in ranking.picks:
        assert not p.rated[0] and p.stars[0] == 3.5
    assert {p.item: p.rated for p in ranking.picks}[1] == (False, True)


def _divergent(n: int = 300) -> np.ndarray:
    # Jess loves films 1-10, Sam films 11-20, and each ranks the other's near the bottom; the
    # fillers 21+ sit in the middle for both. Film 0 is Sam's favourite by far.
    rng = np.random.default_rng(0)
    scores = np.zeros((2, n))
    scores[:, 21:] = rng.uniform(0, 1, (2, n - 21))
    scores[0, 1:11] = np.linspace(5, 4, 10)
    scores[0, 11:21] = -5
    scores[1, 11:21] = np.linspace(5, 4, 10)
    scores[1, 1:11] = -5
    scores[1, 0] = 9
    scores[0, 0] = 0.5
    return scores


def test_a_rewatch_shows_only_when_it_is_clearly_the_best_evening() -> None:
    n = 300
    scores = _divergent(n)
    cand = np.ones(n, dtype=bool)
    # Jess loved film 0 and films 30-49 (all 5★; she likes 30-49 best of all); nothing new
    # pleases both of them, and Sam wants film 0 above everything: a clear rewatch. (For Jess it
    # counts as her 11th film, a 40% chance; Sam's 88% makes a mean of 64%, against 46% for the
    # best new film, Jess's film 1, which Sam ranks near the bottom.)
    scores[0, 30:50] = 6.0
    loved = Member("j", "Jess", seen=np.array([0, *range(30, 50)]), seen_stars=np.full(21, 5.0))
    sam = Member("s", "Sam")
    own = own_rating_scores(scores, [loved, sam])
    assert rewatch_mask(own, [loved, sam], cand)[0]
    assert not rewatch_mask(own, [loved, sam], cand)[30:50].any()  # nobody else wants those
    ranking = rank_for_group(scores, None, [loved, sam], ItemFacts(n), k=10)
    assert 0 in [p.item for p in ranking.picks]
    # Rated 4★: not a rewatch anyone asked for.
    liked = Member("j", "Jess", seen=np.array([0]), seen_stars=np.array([4.0]))
    assert not rewatch_mask(own_rating_scores(scores, [liked, sam]), [liked, sam], cand)[0]
    # When a new film pleases both (film 25 is second for Jess, Sam's best new film), the rewatch
    # no longer wins by a clear margin and stays out.
    scores[:, 25] = [4.95, 8.0]
    own = own_rating_scores(scores, [loved, sam])
    assert not rewatch_mask(own, [loved, sam], cand)[0]
    ranking = rank_for_group(scores, None, [loved, sam], ItemFacts(n), k=10)
    assert not {p.item for p in ranking.picks} & {0, *range(30, 50)}
    assert REWATCH_MARGIN > 0
