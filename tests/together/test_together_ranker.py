"""The group ranker: filters, vetoes, seen policy, watchlists, notes, privacy, member order."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmates.errors import ReelmatesError
from reelmates.together.explain import Explainer
from reelmates.together.inputs import Filters, ItemFacts, Member, SeenPolicy
from reelmates.together.ranker import GroupRanking, rank_for_group
from reelmates.together.reasons import Reason, ReasonKind, SeenNote, WatchlistNote
from reelmates.together.strategies import Strategy
from reelmates.together.watchlists import boost_watchlists
from reelmates.together.wording import why_text

N = 12
GENRES = ("Comedy", "Horror", "Drama")
FACTS = ItemFacts(
    N,
    titles=[f"Film {i}" for i in range(N)],
    genres=np.array([[i % 3 == g for g in range(3)] for i in range(N)]),
    genre_names=GENRES,
    years=np.array([1950 + 5 * i for i in range(N)], dtype=float),
    runtimes=np.array([90 + 10 * i for i in range(N)], dtype=float),
)


def _scores(rng: np.random.Generator, m: int) -> np.ndarray:
    return rng.normal(size=(m, N))


def test_vetoes_filters_and_seen_policy() -> None:
    scores = np.tile(np.arange(N, 0, -1, dtype=float), (2, 1))  # film 0 best for both
    jess = Member(
        "j",
        "Jess",
        seen=np.array([0, 3]),
        seen_stars=np.array([5.0, 2.0]),
        vetoed_items=np.array([2]),
    )
    sam = Member(
        "s",
        "Sam",
        seen=np.array([0]),
        seen_stars=np.array([4.0]),
        vetoed_genres=frozenset({"horror"}),
    )
    ranking = rank_for_group(
        scores, None, [jess, sam], FACTS, k=N, seen_policy=SeenPolicy.UNLESS_ALL
    )
    items = [p.item for p in ranking.picks]
    assert 0 not in items  # both have seen it
    assert 2 not in items and not any(i % 3 == 1 for i in items)  # film veto, Horror veto
    assert items[0] == 3
    # Her rating is her stars (marked rated); the note says she has seen it, without repeating it.
    assert ranking.picks[0].seen == (SeenNote("Jess"),)
    assert why_text(ranking.picks[0].seen[0]) == "Jess has seen it"
    assert ranking.picks[0].stars[0] == 2.0 and ranking.picks[0].rated[0]
    hide = rank_for_group(scores, None, [jess, sam], FACTS, k=N, seen_policy=SeenPolicy.HIDE_IF_ANY)
    assert 3 not in [p.item for p in hide.picks]
    show = rank_for_group(scores, None, [jess, sam], FACTS, k=N, seen_policy=SeenPolicy.SHOW_ALL)
    assert show.picks[0].item == 0
    filt = Filters(genres_in=frozenset({"Drama"}), year_min=1960, max_runtime=180)
    picked = [
        p.item for p in rank_for_group(scores, None, [jess, sam], FACTS, k=N, filters=filt).picks
    ]
    assert picked == [5, 8]  # Drama (i % 3 == 2), from 1960 (i >= 2), at most 180 min (i <= 9)


def test_watchlists_lift_a_film_and_say_so() -> None:
    # Both rank films 0, 1, 2, ... in that order (scores 12 down to 1). A watchlisted film is
    # lifted to just after its member's top five: film 9, on both lists, moves from 10th to 6th;
    # film 11, on Jess's list only, from last to 10th (Jess lifts it to about 7, Sam has it at 1).
    scores = np.tile(np.arange(N, 0, -1, dtype=float), (2, 1))
    jess = Member("j", "Jess", watchlist=np.array([9, 11]))
    sam = Member("s", "Sam", watchlist=np.array([9]))
    ranking = rank_for_group(scores, None, [jess, sam], FACTS, k=N, strategy=Strategy.AVERAGE)
    assert [p.item for p in ranking.picks] == [0, 1, 2, 3, 4, 9, 5, 6, 7, 11, 8, 10]
    assert ranking.picks[5].watchlist == WatchlistNote(("Jess", "Sam"))
    assert ranking.picks[9].watchlist == WatchlistNote(("Jess",))
    assert why_text(ranking.picks[5].watchlist) == "On Jess's and Sam's watchlists"
    assert why_text(ranking.picks[9].watchlist) == "On Jess's watchlist"
    assert ranking.picks[0].watchlist is None
    plain = rank_for_group(
        scores, None, [jess, sam], FACTS, k=N, strategy=Strategy.AVERAGE, watchlist_rank=None
    )
    assert [p.item for p in plain.picks] == list(range(N))


def test_watchlist_lift_keeps_order_and_leaves_top_films_alone() -> None:
    scores = np.arange(N, 0, -1, dtype=float)[None, :]
    member = Member("j", "Jess", watchlist=np.array([1, 8, 11, 10]))
    lifted = boost_watchlists(scores, [member], np.ones(N, dtype=bool), rank=5)[0]
    assert lifted[1] == scores[0, 1]  # already in the top five
    assert scores[0, 5] < lifted[11] < lifted[10] < lifted[8] < scores[0, 4]  # between 6th and 5th
    untouched = np.setdiff1d(np.arange(N), [8, 10, 11])
    assert np.array_equal(lifted[untouched], scores[0, untouched])


def test_reasons_and_privacy() -> None:
    # Similarity: films with the same parity are alike.
    def sim(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        same = (a[:, None] % 2 == b[None, :] % 2).astype(float)
        return np.asarray(same * (1.0 - 0.01 * a[:, None]))

    jess = Member("j", "Jess", seen=np.array([2, 4, 7]), seen_stars=np.array([5.0, 4.5, 5.0]))
    milly = Member(
        "m", "Milly", seen=np.array([2, 4, 7]), seen_stars=np.array([5.0, 4.5, 1.0]), private=True
    )
    scores = np.zeros((2, N))
    scores[:, 6] = 5.0
    stars = np.full((2, N), 3.0)
    explainer = Explainer(sim, FACTS)
    ranking = rank_for_group(scores, stars, [jess, milly], FACTS, k=1, explainer=explainer)
    pick = ranking.picks[0]
    assert pick.item == 6 and pick.stars == (3.0, 3.0)
    assert pick.reasons[0] == Reason(
        "Jess", ReasonKind.LIKE_LOVED, (2, 4), (FACTS.title(2), FACTS.title(4))
    )
    assert why_text(pick.reasons[0]) == "Jess: like Film 2 and Film 4, which you loved"
    assert pick.reasons[1] == Reason("Milly", ReasonKind.PRIVATE)  # never her films
    assert why_text(pick.reasons[1]) == "Milly: suits Milly's taste"
    seen = rank_for_group(scores, stars, [jess, milly], FACTS, k=N, seen_policy=SeenPolicy.SHOW_ALL)
    # What private Milly has seen is left out, whatever the seen policy: nothing gives it away.
    assert not {2, 4, 7} & {p.item for p in seen.picks}
    assert all(note.member != "Milly" for p in seen.picks for note in p.seen)
    public = Member("m", "Milly", seen=np.array([7]), seen_stars=np.array([1.0]))
    shown = rank_for_group(
        scores, stars, [jess, public], FACTS, k=N, seen_policy=SeenPolicy.SHOW_ALL
    )
    pick7 = next(p for p in shown.picks if p.item == 7)
    assert pick7.seen == (SeenNote("Jess"), SeenNote("Milly"))
    assert (pick7.stars, pick7.rated) == ((5.0, 1.0), (True, True))  # their own ratings


members_st = st.lists(
    st.tuples(
        st.lists(st.integers(0, N - 1), max_size=4, unique=True),
        st.lists(st.integers(0, N - 1), max_size=2, unique=True),
        st.sampled_from([frozenset(), frozenset({"Comedy"})]),
        st.lists(st.integers(0, N - 1), max_size=3, unique=True),
    ),
    min_size=2,
    max_size=5,
)


@settings(deadline=None, max_examples=60)
@given(
    members_st,
    st.sampled_from(list(Strategy)),
    st.sampled_from(list(SeenPolicy)),
    st.randoms(use_true_random=False),
)
def test_member_order_does_not_matter_and_vetoes_never_show(
    spec: list[tuple[list[int], list[int], frozenset[str], list[int]]],
    strategy: Strategy,
    policy: SeenPolicy,
    shuffler: object,
) -> None:
    rng = np.random.default_rng(len(spec))
    members = [
        Member(
            f"id{u}",
            f"P{u}",
            seen=np.array(seen, dtype=np.intp),
            seen_stars=np.full(len(seen), 4.0),
            vetoed_items=np.array(veto, dtype=np.intp),
            vetoed_genres=genres,
            watchlist=np.array(watch, dtype=np.intp),
        )
        for u, (seen, veto, genres, watch) in enumerate(spec)
    ]
    scores = np.round(_scores(rng, len(members)), 1)  # rounding makes ties likely
    stars = 3.0 + scores
    perm = list(range(len(members)))
    shuffler.shuffle(perm)  # type: ignore[attr-defined]

    def rank(order: list[int]) -> GroupRanking:
        group = [members[u] for u in order]
        return rank_for_group(
            scores[order], stars[order], group, FACTS, k=5, strategy=strategy, seen_policy=policy
        )

    a, b = rank(list(range(len(members)))), rank(perm)
    assert [p.item for p in a.picks] == [p.item for p in b.picks]
    assert [p.score for p in a.picks] == [p.score for p in b.picks]
    assert [p.watchlist for p in a.picks] == [p.watchlist for p in b.picks]
    # Per-member fields follow each caller's own member order.
    for pa, pb in zip(a.picks, b.picks, strict=True):
        assert pb.stars == tuple(pa.stars[u] for u in perm)
    vetoed = {i for m in members for i in m.vetoed_items.tolist()}
    if any(m.vetoed_genres for m in members):
        vetoed |= {i for i in range(N) if i % 3 == 0}
    assert not vetoed & {p.item for p in a.picks}


def test_allowed_films_are_a_mask_before_the_top_k() -> None:
    """Films 0..11 scored 12..1 for both: with only the odd films allowed, the top three are
    1, 3, 5 (a filter after the top three would leave just film 1); an allowed film vetoed
    stays out; a mask of the wrong length is an error."""
    scores = np.tile(np.arange(N, 0, -1, dtype=float), (2, 1))
    a = Member("a", "Ann", vetoed_items=np.array([3]))
    b = Member("b", "Bo")
    odd = np.arange(N) % 2 == 1
    every = rank_for_group(scores, None, [a, b], FACTS, k=3, seen_policy=SeenPolicy.SHOW_ALL)
    assert [p.item for p in every.picks] == [0, 1, 2]
    only = rank_for_group(
        scores, None, [a, b], FACTS, k=3, seen_policy=SeenPolicy.SHOW_ALL, allowed=odd
    )
    assert [p.item for p in only.picks] == [1, 5, 7] and only.candidates == 5
    try:
        rank_for_group(scores, None, [a, b], FACTS, k=3, allowed=odd[:5])
    except ReelmatesError as exc:
        assert "5 flags for 12 films" in str(exc)
    else:
        raise AssertionError("a short mask was taken")
