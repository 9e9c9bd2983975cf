"""Teen-register text normalisation shared by the text detectors.

Young people write in lowercase, drop apostrophes, stretch letters ("sooo"),
swap letters for look-alike symbols ("su1c1de", "self h@rm") and use coded
words to slip past filters ("unalive", "kms", "sewer slide"). ``normalise``
turns a message into plain lowercase words a model can read, and keeps for
every word the character span it came from in the original text, so that a
detector can point a moderator at the cue without copying the text.

The maps it reads with are general (abbreviations, contractions, filter-evasion
spellings) and live in ``teen_words``; a detector's own lexicon works on the words this
module returns.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from safeguarding.detectors.text.teen_words import (
    ABBREVIATIONS,
    EUPHEMISM_PHRASES,
    EUPHEMISMS,
    MARKED_FORMS,
)

# One look-alike symbol between two letters is read as the letter it stands for.
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"}
_LEET |= {"@": "a", "$": "s", "!": "i", "|": "l"}
_LEET_RE = re.compile(r"(?<=[a-z])[0134578@$!|](?=[a-z])")
# A chunk of letters and digits, joined by the marks that teens put inside words.
_CHUNK_RE = re.compile(r"[a-z0-9]+(?:['\u2019/*.\-][a-z0-9]+)*|[^\sa-z0-9\W_]|[^\w\s]")
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
_SPLIT_RE = re.compile(r"[/*.\-]")
_CURLY = "\u2019"  # the typographic apostrophe phones insert
_IGNORED = {"\ufe0f", "\u200d", "\u200b", "\ufe0e"}

_WORD_MAP = {word: tuple(plain.split()) for word, plain in ABBREVIATIONS.items()}
_WORD_MAP |= {word: tuple(plain.split()) for word, plain in EUPHEMISMS.items()}
_PHRASES: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
for _phrase, _plain in sorted(EUPHEMISM_PHRASES.items(), key=lambda kv: -len(kv[0])):
    _PHRASES.setdefault(_phrase[0], []).append((_phrase, tuple(_plain.split())))


@dataclass(frozen=True, slots=True)
class Normalised:
    """Plain words, each with the span of original text it was read from."""

    original: str
    words: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def span(self, first: int, last: int) -> tuple[int, int]:
        """The original-text span from word ``first`` to word ``last`` (inclusive)."""
        return self.spans[first][0], self.spans[last][1]


# One message is read by several detectors in a row (grooming's cues and its age reading,
# the self-harm classifier): each gets the same reading. A few entries are enough for that,
# and keep no more text than the batch being decided holds anyway.
RECENT_READINGS = 32


@lru_cache(maxsize=RECENT_READINGS)
def normalise(text: str) -> Normalised:
    """Read ``text`` into plain lowercase words with their original spans (immutable, so a
    reading is shared by the detectors that read the same text)."""
    folded, index = _fold(text)
    words, spans = _expand(_pieces(folded, index))
    return Normalised(text, tuple(words), tuple(spans))


def _fold(text: str) -> tuple[str, list[int] | None]:
    """Lowercase and fold look-alike characters; ``index`` maps back when lengths differ."""
    if text.isascii():
        return _LEET_RE.sub(_leet, _LEET_RE.sub(_leet, text.lower())), None
    chars: list[str] = []
    index: list[int] = []
    for at, char in enumerate(text):
        if char in _IGNORED:
            continue
        plain = _fold_char(char)
        chars.append(plain)
        index.extend([at] * len(plain))
    folded = "".join(chars)
    return _LEET_RE.sub(_leet, _LEET_RE.sub(_leet, folded)), index


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """NFKC folds styled letters (fullwidth, maths fonts) to plain ones; accents are dropped."""
    plain = unicodedata.normalize("NFKC", char).lower()
    if plain.isascii():
        return plain
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", plain) if unicodedata.category(c) != "Mn"
    )
    return stripped if stripped.isascii() and stripped else char


def _leet(match: re.Match[str]) -> str:
    return _LEET[match.group()]


def _pieces(folded: str, index: list[int] | None) -> list[tuple[str, int, int]]:
    """(token, start, end) in original-text coordinates, marks and stretched letters handled."""
    stretched = _REPEAT_RE.search(folded) is not None
    pieces = []
    for match in _CHUNK_RE.finditer(folded):
        raw = match.group()
        start, end = match.span()
        if index is not None:
            start, end = index[start], index[end - 1] + 1
        if raw.isalnum():  # the common case: a plain word
            pieces.append((_REPEAT_RE.sub(r"\1\1", raw) if stretched else raw, start, end))
        else:
            pieces.extend((token, start, end) for token in _marked_tokens(raw, stretched))
    return pieces


def _marked_tokens(raw: str, stretched: bool) -> list[str]:
    """Tokens of a chunk with inner marks ("s/h", "don't", "self-harm") or of a symbol."""
    chunk = raw.replace("'", "").replace(_CURLY, "")
    if not chunk:
        return []
    if not chunk[0].isalnum():
        # Emoji and other symbols are words ("💀" reads as a joke); ASCII punctuation is not.
        return [chunk] if not chunk.isascii() or chunk == "?" else []
    marked = MARKED_FORMS.get(raw.replace(_CURLY, "'"))
    if marked is not None:
        return [marked]
    parts = _SPLIT_RE.split(chunk)
    return [_REPEAT_RE.sub(r"\1\1", p) if stretched else p for p in parts if p]


def _expand(pieces: list[tuple[str, int, int]]) -> tuple[list[str], list[tuple[int, int]]]:
    """Apply coded phrases, coded words and abbreviations; keep each word's span."""
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    at, size = 0, len(pieces)
    while at < size:
        token, start, end = pieces[at]
        plain, used = _phrase_at(pieces, at) if token in _PHRASES else (None, 1)
        if plain is None:
            plain = _WORD_MAP.get(token)
        else:
            end = pieces[at + used - 1][2]
        if plain is None and " " not in token:  # the common case: a word kept as it is
            words.append(token)
            spans.append((start, end))
        else:
            plain = plain or tuple(token.split())
            words.extend(plain)
            spans.extend([(start, end)] * len(plain))
        at += used
    return words, spans


def _phrase_at(pieces: list[tuple[str, int, int]], at: int) -> tuple[tuple[str, ...] | None, int]:
    for phrase, plain in _PHRASES[pieces[at][0]]:
        size = len(phrase)
        if tuple(p[0] for p in pieces[at : at + size]) == phrase:
            return plain, size
    return None, 1


class Lexicon:
    """Named groups of word phrases, matched on ``Normalised.words``; a detector's cue list.

    Phrases are written in a small pattern language expanded at load time:
    ``(a|b)`` alternatives, ``x?`` or ``(...)?`` optional, ``<num>`` any number,
    and a backslash to take the next character literally (``\\?``). Matching
    is by whole words, so "ready" never matches inside "already".
    """

    def __init__(self, groups: dict[str, list[str]], action_groups: Iterable[str] = ()) -> None:
        self.names = tuple(groups)
        self.action_groups = frozenset(action_groups)
        # Indexed by first word (one-word phrases) or first two words, so a message costs
        # one or two look-ups per word whatever the size of the lexicon.
        self._index: dict[str, tuple[list[int], dict[str, list[tuple[tuple[str, ...], int]]]]] = {}
        self._numeric: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for group, patterns in enumerate(groups.values()):
            for pattern in patterns:
                for phrase in sorted({tuple(p.split()) for p in expand(pattern)}):
                    if "<num>" in phrase:
                        self._numeric.setdefault(phrase[0], []).append((phrase, group))
                        continue
                    single, multi = self._index.setdefault(phrase[0], ([], {}))
                    if len(phrase) == 1:
                        single.append(group)
                    else:
                        multi.setdefault(phrase[1], []).append((phrase, group))

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["groups"], data.get("action_groups", ()))

    def matches(self, words: Sequence[str]) -> list[tuple[int, int, int]]:
        """Every (group, first word, last word) match; overlaps are all kept."""
        words = tuple(words)
        index, last = self._index, len(words) - 1
        found = []
        for at, word in enumerate(words):
            entry = index.get(word)
            if entry is None:
                continue
            found.extend([(group, at, at) for group in entry[0]])
            phrases = entry[1].get(words[at + 1]) if entry[1] and at < last else None
            for phrase, group in phrases or ():
                if len(phrase) == 2 or words[at : at + len(phrase)] == phrase:
                    found.append((group, at, at + len(phrase) - 1))
        if self._numeric and any(w.isdigit() for w in words):
            found.extend(self._numeric_matches(words))
        return found

    def _numeric_matches(self, words: tuple[str, ...]) -> list[tuple[int, int, int]]:
        found = []
        for at, word in enumerate(words):
            starting = self._numeric.get("<num>" if word.isdigit() else word, ())
            found.extend(
                (group, at, at + len(phrase) - 1)
                for phrase, group in starting
                if _same(phrase, words[at : at + len(phrase)])
            )
        return found

    def counts(self, words: Sequence[str]) -> list[int]:
        counts = [0] * len(self.names)
        for group, _, _ in self.matches(words):
            counts[group] += 1
        return counts

    def cues(
        self, words: Sequence[str], matches: list[tuple[int, int, int]] | None = None
    ) -> list[tuple[str, int, int]]:
        """Matches from the action groups as (group, first, last), longest first, no overlaps."""
        hits = [
            (self.names[g], first, last)
            for g, first, last in (self.matches(words) if matches is None else matches)
            if self.names[g] in self.action_groups
        ]
        hits.sort(key=lambda h: (h[1] - h[2], h[1]))
        taken: set[int] = set()
        kept = []
        for name, first, last in hits:
            if taken.isdisjoint(range(first, last + 1)):
                taken.update(range(first, last + 1))
                kept.append((name, first, last))
        return kept


def _same(phrase: tuple[str, ...], words: Sequence[str]) -> bool:
    if len(words) != len(phrase):
        return False
    return all(p == w or (p == "<num>" and w.isdigit()) for p, w in zip(phrase, words, strict=True))


def expand(pattern: str) -> list[str]:
    """Every plain string a lexicon pattern stands for."""
    options, at = _alternatives(pattern, 0)
    if at != len(pattern):
        raise ValueError(f"unbalanced ')' in lexicon pattern {pattern!r}")
    return [" ".join(o.split()) for o in options]


def _alternatives(pattern: str, at: int) -> tuple[list[str], int]:
    options, at = _sequence(pattern, at)
    while at < len(pattern) and pattern[at] == "|":
        more, at = _sequence(pattern, at + 1)
        options += more
    return options, at


def _sequence(pattern: str, at: int) -> tuple[list[str], int]:
    made = [""]
    while at < len(pattern) and pattern[at] not in "|)":
        if pattern[at] == "(":
            atom, at = _alternatives(pattern, at + 1)
            if at >= len(pattern) or pattern[at] != ")":
                raise ValueError(f"unclosed '(' in lexicon pattern {pattern!r}")
            at += 1
        elif pattern[at] == "\\" and at + 1 < len(pattern):
            atom, at = [pattern[at + 1]], at + 2
        else:
            atom, at = [pattern[at]], at + 1
        if at < len(pattern) and pattern[at] == "?":
            atom, at = [*atom, ""], at + 1
        made = [m + a for m in made for a in atom]
    return made, at
