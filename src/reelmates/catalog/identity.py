"""Film identity: when do two descriptions name the same film?

Sources disagree on how to write a title ("Godfather, The (1972)" in MovieLens, "The Godfather"
in Letterboxd), so titles are reduced to a *key* (casefolded, accent-free, article in front, no
punctuation) and films match by external id where both sides have one, else by key and year.
Pure: no I/O, no database.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np

from reelmates.catalog.records import FilmRecord

K = TypeVar("K", bound=Hashable)

# Articles MovieLens moves to the end ("Ciudad, La"). "L'" attaches without a space.
_ARTICLES = frozenset(
    ("the", "a", "an", "le", "la", "les", "l'", "un", "une", "der", "die", "das", "den", "dem",
     "ein", "eine", "el", "los", "las", "il", "lo", "gli", "i", "o", "os", "as")
)  # fmt: skip
_TRAILING_ARTICLE = re.compile(r"^(?P<rest>.*\S),\s*(?P<article>[^\s,]+)$", re.DOTALL)
# "(1995)", "(1995) (V)", "(2006–2007)" (series in ml-latest), then optional "(V)"/"(TV)".
_TRAILING_YEAR = re.compile(
    r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:\s*[-–]\s*(?:\d{4})?)?\)(?:\s*\((?:V|TV)\))?$"
)
_AKA = re.compile(r"^(?:a\.?k\.?a\.?|aka)\s+", re.IGNORECASE)
_APOSTROPHES = str.maketrans("", "", "'’‘`´")
_NON_WORD = re.compile(r"[\W_]+")

# Numbers written as words, for a second key in digits ("twelve monkeys" → "12 monkeys").
_UNIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
               "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
               "seventeen", "eighteen", "nineteen")  # fmt: skip
_TEN_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                  "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth",
                  "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
                  "twentieth")  # fmt: skip
_UNITS = {word: n for n, word in enumerate(_UNIT_WORDS)}
_TENS = {word: 10 * n for n, word in enumerate(_TEN_WORDS, 2)}
_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}  # then "th", up to the twentieth
_ORDINALS = {word: f"{n}{_SUFFIXES.get(n, 'th')}" for n, word in enumerate(_ORDINAL_WORDS, 1)}
_NUMBER_WORDS = frozenset(_UNITS) | frozenset(_TENS) | frozenset(_ORDINALS)


def split_title_year(title: str) -> tuple[str, int | None]:
    """``"Toy Story (1995)"`` → ``("Toy Story", 1995)``; no trailing year → ``(title, None)``."""
    stripped = title.strip()
    found = _TRAILING_YEAR.match(stripped)
    if found is None or not found.group("title"):
        return stripped, None
    return found.group("title"), int(found.group("year"))


def _split_parentheticals(title: str) -> tuple[str, list[str]]:
    """``"Hate (Haine, La)"`` → ``("Hate", ["Haine, La"])``: alternate titles come last."""
    rest = title.strip()
    groups: list[str] = []
    while rest.endswith(")"):
        depth = 0
        for i in range(len(rest) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(rest[i], 0)
            if depth == 0:
                break
        if depth != 0 or i == 0 or not rest[:i].strip():
            break  # unbalanced, or the whole title is parenthesised: leave it alone
        groups.insert(0, rest[i + 1 : -1].strip())
        rest = rest[:i].rstrip()
    return rest, groups


def _article_first(title: str) -> str:
    """``"Godfather, The"`` → ``"The Godfather"``; ``"Appartement, L'"`` → ``"L'Appartement"``."""
    found = _TRAILING_ARTICLE.match(title.strip())
    if found is None or found.group("article").casefold() not in _ARTICLES:
        return title.strip()
    article, rest = found.group("article"), found.group("rest")
    return f"{article}{rest}" if article.endswith("'") else f"{article} {rest}"


def display_title(title: str) -> str:
    """How people write it: articles back in front, in the main and in each alternate title."""
    main, groups = _split_parentheticals(title)
    shown = [_article_first(main)]
    for group in groups:
        aka = _AKA.match(group)
        if aka:
            shown.append(f"({aka.group(0)}{_article_first(group[aka.end() :])})")
        else:
            shown.append(f"({_article_first(group)})")
    return " ".join(shown)


def _key(title: str) -> str:
    # NFKD on both sides of casefold: either can produce what the other would change ("ᴬ").
    text = unicodedata.normalize("NFKD", _article_first(title)).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.replace("&", " and ").translate(_APOSTROPHES)
    return _NON_WORD.sub(" ", text).strip()


def _below_hundred(words: list[str], i: int) -> tuple[int | None, int]:
    """The number 0-99 that words ``i..`` spell ("twenty one", "seven"), and where it ends."""
    word = words[i] if i < len(words) else ""
    if word in _TENS:
        value, i = _TENS[word], i + 1
        unit = _UNITS.get(words[i], 0) if i < len(words) else 0
        return (value + unit, i + 1) if 1 <= unit <= 9 else (value, i)
    if word in _UNITS:
        return _UNITS[word], i + 1
    return None, i


def digits_key(key: str) -> str:
    """A key with its numbers in digits: ``"twelve monkeys"`` → ``"12 monkeys"``, ``"one hundred
    and one dalmatians"`` → ``"101 dalmatians"``, ``"the thirteenth warrior"`` → ``"the 13th
    warrior"``. Keys already in digits are unchanged, so both spellings meet here."""
    words = key.split()
    if _NUMBER_WORDS.isdisjoint(words):
        return key  # most titles: nothing to do
    out: list[str] = []
    i = 0
    while i < len(words):
        value, end = _below_hundred(words, i)
        if value is None:
            out.append(_ORDINALS.get(words[i], words[i]))
            i += 1
            continue
        if end < len(words) and words[end] == "hundred" and 1 <= value <= 9:
            value, end = value * 100, end + 1
            rest = end + 1 if end < len(words) and words[end] == "and" else end
            tail, after = _below_hundred(words, rest)
            if tail is not None and tail > 0:
                value, end = value + tail, after
        out.append(str(value))
        i = end
    return " ".join(out)


def normalise_title(title: str) -> str:
    """The matching key: ``"City of Lost Children, The (Cité des enfants perdus, La) (1995)"``
    → ``"the city of lost children"``."""
    base, _year = split_title_year(title)
    main, _groups = _split_parentheticals(base)
    return _key(main) or _key(base)


def title_keys(title: str) -> list[str]:
    """The main key first, then one per alternate title (``"Hate (Haine, La)"`` → la haine)."""
    base, _year = split_title_year(title)
    main, groups = _split_parentheticals(base)
    keys = [_key(main) or _key(base)]
    for group in groups:
        aka = _AKA.match(group)
        alt = _key(group[aka.end() :] if aka else group)
        if alt and alt not in keys:
            keys.append(alt)
    # Each key once more with its numbers in digits: "Twelve Monkeys" meets "12 Monkeys".
    for key in list(keys):
        spelt = digits_key(key)
        if spelt not in keys:
            keys.append(spelt)
    return keys


def normalise_imdb_id(value: str | int | None) -> str | None:
    """``"tt0068646"``, ``"0068646"``, ``68646`` → ``"tt0068646"``; blank → None."""
    if value is None:
        return None
    digits = str(value).strip().casefold().removeprefix("tt")
    if not digits:
        return None
    if not digits.isdigit() or len(digits) > 10:  # "tt" + 10 digits fits the column (16)
        raise ValueError(f"not an IMDb id: {str(value)[:40]!r}")
    return f"tt{int(digits):07d}"


@dataclass(frozen=True, slots=True)
class CatalogFilm(Generic[K]):
    """What the matcher needs to know about a film already in the catalog."""

    id: K
    title: str
    year: int | None
    imdb_id: str | None = None
    tmdb_id: int | None = None


@dataclass(slots=True)
class _Known:
    year: int | None
    imdb_id: str | None
    tmdb_id: int | None
    key: str = ""  # the main title key, numbers in digits (for suggestions)


class FilmMatcher(Generic[K]):
    """Finds the catalog film a record describes.

    Rules, in order: an IMDb or TMDB id both sides have decides (a *different* id means a
    different film even when the titles agree); else the same title key and year; else, only when
    the key names a single film, a year off by one or missing. Keys of alternate titles count
    after the main key. Films are matched in insertion order, so the first of duplicate titles
    wins: call :meth:`add` for films created during an import and later duplicates map to them.
    """

    def __init__(self, films: Iterable[CatalogFilm[K]] = ()) -> None:
        self._known: dict[K, _Known] = {}
        self._by_imdb: dict[str, K] = {}
        self._by_tmdb: dict[int, K] = {}
        self._by_key_year: dict[tuple[str, int | None], list[K]] = {}
        self._by_key: dict[str, list[K]] = {}
        self._suggestions: _Suggestions[K] | None = None  # built on the first suggestion
        for film in films:
            self.add(film.id, film.title, film.year, imdb_id=film.imdb_id, tmdb_id=film.tmdb_id)

    def __len__(self) -> int:
        return len(self._known)

    def add(
        self,
        film_id: K,
        title: str,
        year: int | None,
        *,
        imdb_id: str | None = None,
        tmdb_id: int | None = None,
    ) -> None:
        """Index a film. Adding a known id again only fills in external ids it lacked."""
        imdb = normalise_imdb_id(imdb_id)
        known = self._known.get(film_id)
        if known is None:
            keys = title_keys(title)
            known = self._known[film_id] = _Known(year, None, None, digits_key(keys[0]))
            for key in keys:
                self._by_key_year.setdefault((key, year), []).append(film_id)
                self._by_key.setdefault(key, []).append(film_id)
            if self._suggestions is not None:
                self._suggestions.add(film_id, known.key, year)
        if imdb and known.imdb_id is None:
            known.imdb_id = imdb
            self._by_imdb.setdefault(imdb, film_id)
        if tmdb_id is not None and known.tmdb_id is None:
            known.tmdb_id = tmdb_id
            self._by_tmdb.setdefault(tmdb_id, film_id)

    def add_record(self, film_id: K, record: FilmRecord) -> None:
        self.add(film_id, record.title, record.year, imdb_id=record.imdb_id, tmdb_id=record.tmdb_id)

    def match(self, record: FilmRecord) -> K | None:
        return self.match_title(
            record.title, record.year, imdb_id=record.imdb_id, tmdb_id=record.tmdb_id
        )

    def match_title(
        self,
        title: str,
        year: int | None,
        *,
        imdb_id: str | None = None,
        tmdb_id: int | None = None,
    ) -> K | None:
        imdb = normalise_imdb_id(imdb_id)

        def compatible(film_id: K) -> bool:
            known = self._known[film_id]
            if imdb and known.imdb_id and imdb != known.imdb_id:
                return False
            return not (tmdb_id is not None and known.tmdb_id not in (None, tmdb_id))

        by_imdb = self._by_imdb.get(imdb) if imdb else None
        by_tmdb = self._by_tmdb.get(tmdb_id) if tmdb_id is not None else None
        for by_id in (by_imdb, by_tmdb):
            if by_id is not None and compatible(by_id):
                return by_id
        keys = title_keys(title)
        for key in keys:
            for film_id in self._by_key_year.get((key, year), ()):
                if compatible(film_id):
                    return film_id
        for key in keys:
            films = list(dict.fromkeys(self._by_key.get(key, ())))
            if len(films) != 1 or not compatible(films[0]):
                continue  # a near year is only trusted when the title is unambiguous
            other = self._known[films[0]].year
            if year is None or other is None or abs(year - other) <= 1:
                return films[0]
        return None

    def suggest(self, title: str, year: int | None, *, cutoff: float = 0.8) -> K | None:
        """The film a title that matched nothing most likely meant ("did you mean"), or None.

        Candidates are the films of the same year, then of a year either side, then (a title
        without a year) the films sharing one of its rarer words; see :class:`_Suggestions`.
        """
        if self._suggestions is None:
            self._suggestions = _Suggestions()
            for film_id, known in self._known.items():
                self._suggestions.add(film_id, known.key, known.year)
        key = digits_key(title_keys(title)[0])
        return self._suggestions.best(key, year, cutoff) if key else None


def _bigrams(key: str) -> set[str]:
    padded = f" {key} "
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


class _Bucket(Generic[K]):
    """Films of one year (or sharing one word) as flat arrays of bigram ids, for numpy."""

    def __init__(self) -> None:
        self.films: list[tuple[K, str]] = []
        self._grams: list[list[int]] = []
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def add(self, film_id: K, key: str, grams: list[int]) -> None:
        self.films.append((film_id, key))
        self._grams.append(grams)
        self._arrays = None

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(all bigram ids, where each film's start, how many each film has)."""
        if self._arrays is None:
            sizes = np.fromiter((len(g) for g in self._grams), np.int64, len(self._grams))
            flat = np.fromiter((i for g in self._grams for i in g), np.int64, int(sizes.sum()))
            starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
            self._arrays = flat, starts, sizes
        return self._arrays


class _Suggestions(Generic[K]):
    """Near-miss search over title keys that stays cheap on a 60,000-film catalog.

    Shared bigrams (a Dice score, computed for a whole year at once with numpy) pick the few
    closest candidates; difflib's ratio decides among them. The same year is searched first,
    then a year either side; a title without a year meets the films sharing its rarest word.
    """

    _DICE_FLOOR = 0.5  # looser than any difflib ratio of 0.8 after a typo or two
    _FINALISTS = 20  # candidates difflib compares, best Dice first

    def __init__(self) -> None:
        self._gram_ids: dict[str, int] = {}
        self._by_year: dict[int | None, _Bucket[K]] = {}
        self._by_word: dict[str, _Bucket[K]] = {}

    def _ids(self, key: str, *, grow: bool) -> list[int]:
        ids = self._gram_ids
        if grow:
            return [ids.setdefault(g, len(ids)) for g in _bigrams(key)]
        return [ids[g] for g in _bigrams(key) if g in ids]

    def add(self, film_id: K, key: str, year: int | None) -> None:
        grams = self._ids(key, grow=True)
        self._by_year.setdefault(year, _Bucket()).add(film_id, key, grams)
        for word in set(key.split()):
            self._by_word.setdefault(word, _Bucket()).add(film_id, key, grams)

    def best(self, key: str, year: int | None, cutoff: float) -> K | None:
        size = len(_bigrams(key))
        grams = self._ids(key, grow=False)
        if year is not None:
            buckets = [
                [self._by_year.get(year)],
                [self._by_year.get(y) for y in (year - 1, year + 1)],
            ]
        else:
            known = [self._by_word[w] for w in set(key.split()) if w in self._by_word]
            buckets = [[min(known, key=lambda b: len(b.films))]] if known else []
        for group in buckets:
            found = self._best_of(key, size, grams, [b for b in group if b], cutoff)
            if found is not None:
                return found
        return None

    def _best_of(
        self, key: str, size: int, grams: list[int], buckets: list[_Bucket[K]], cutoff: float
    ) -> K | None:
        mark = np.zeros(len(self._gram_ids), dtype=np.int64)
        mark[grams] = 1
        finalists: list[tuple[float, K, str]] = []
        for bucket in buckets:
            flat, starts, sizes = bucket.arrays()
            shared = np.add.reduceat(mark[flat], starts) if len(flat) else np.zeros(0)
            dice = 2 * shared / (size + sizes)
            close = np.flatnonzero(dice >= self._DICE_FLOOR)
            for i in close[np.argsort(-dice[close], kind="stable")][: self._FINALISTS].tolist():
                finalists.append((float(dice[i]), *bucket.films[i]))
        finalists.sort(key=lambda f: -f[0])
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(key)
        best: tuple[float, K] | None = None
        for _dice, film_id, other in finalists[: self._FINALISTS]:
            matcher.set_seq1(other)
            if (
                matcher.real_quick_ratio() >= cutoff
                and matcher.quick_ratio() >= cutoff
                and (ratio := matcher.ratio()) >= cutoff
                and (best is None or ratio > best[0])
            ):
                best = (ratio, film_id)
        return best[1] if best else None


@dataclass
class FilmMapping(Generic[K]):
    """Where each source film went: ``ids[source_id]`` is its catalog id."""

    ids: dict[str, K] = field(default_factory=dict)
    matched: int = 0  # found in the catalog as it was before this import
    created: list[FilmRecord] = field(default_factory=list)
    duplicates: list[tuple[FilmRecord, K]] = field(default_factory=list)  # merged in-source twins


def map_films(
    records: Iterable[FilmRecord],
    matcher: FilmMatcher[K],
    create: Callable[[FilmRecord], K],
) -> FilmMapping[K]:
    """Match each record, calling ``create`` (which stores it and returns its id) for new films.

    A later record with the same identity in one source maps to the earlier one's film and is
    listed in ``duplicates`` (MovieLens 100K has 18 such pairs).
    """
    mapping: FilmMapping[K] = FilmMapping()
    seen: set[K] = set()
    for record in records:
        found = matcher.match(record)
        if found is None:
            found = create(record)
            matcher.add_record(found, record)
            mapping.created.append(record)
        elif found in seen:
            mapping.duplicates.append((record, found))
        else:
            mapping.matched += 1
        seen.add(found)
        mapping.ids[record.source_id] = found
    return mapping
