"""How the self-harm model reads a text: ``normalise``, then hashtags and spaced letters.

Captions and bios run words together in hashtags ("#wanttodie", "#endyourself")
and filter evasion spaces letters out ("k y s"). ``normalise`` keeps each as it
is, so the words the model knows never appear. ``CompoundReader`` splits a long
unknown hashtag into known whole words (fewest pieces, at most four) and joins
three or more single letters, then reads the result through ``normalise`` again
(so "kys" still reads "kill yourself"). Every new word keeps the span of the
word it came from, so cues still point at the original text.

Only the self-harm model reads this way (a model fitted with ``split_compounds``);
``normalise`` itself is shared with the grooming model and stays as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from safeguarding.detectors.text.normalise import Normalised, normalise
from safeguarding.detectors.text.word_cache import WordCache

MIN_COMPOUND = 7  # shorter hashtags are single words more often than compounds
MAX_PARTS = 4
MIN_SPACED = 3  # "k y s"; two letters apart are too often initials
_SHORT_WORDS = frozenset(
    {"a", "i", "to", "me", "my", "of", "in", "on", "up", "so", "no", "be", "do", "go", "is"}
    | {"it", "am", "an", "at", "we", "us", "or", "if", "by", "he"}
)
# Three single letters in a row: the only text besides a hashtag that reading can change.
_SPACED_RE = re.compile(r"\b[^\W\d_]\b\W+\b[^\W\d_]\b\W+\b[^\W\d_]\b")


class CompoundReader:
    """Reads text as ``normalise`` does, with compounds split and spaced letters joined."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.words = frozenset(
            w
            for w in vocabulary
            if w.isascii() and w.isalpha() and (len(w) >= 3 or w in _SHORT_WORDS)
        )
        self._parts = WordCache(self._segment)

    def read(self, text: str) -> Normalised:
        norm = normalise(text)
        if "#" not in text and not _SPACED_RE.search(text):
            return norm  # most messages: nothing to split or join
        words: list[str] = []
        spans: list[tuple[int, int]] = []
        at, total = 0, len(norm.words)
        while at < total:
            end = self._spaced_run(norm, at)
            joined = "".join(text[a:b] for a, b in norm.spans[at:end]).lower()
            if end - at >= MIN_SPACED and self._is_word(joined):
                span = norm.span(at, end - 1)
            else:
                end, joined, span = at + 1, norm.words[at], norm.spans[at]
            hashtag = end - at == 1 and span[0] > 0 and text[span[0] - 1] == "#"
            parts = self.split(joined) if hashtag else (joined,)
            if len(parts) == 1 and end - at == 1:
                words.append(joined)
                spans.append(span)
            else:
                read = normalise(" ".join(parts)).words
                words.extend(read)
                spans.extend([span] * len(read))
            at = end
        return Normalised(text, tuple(words), tuple(spans))

    @staticmethod
    def _spaced_run(norm: Normalised, at: int) -> int:
        """The end of the run of single written letters ("k y s", "u" included) from ``at``."""
        end = at
        while end < len(norm.words):
            start, stop = norm.spans[end]
            if stop - start != 1 or not (
                norm.original[start].isascii() and norm.original[start].isalpha()
            ):
                break
            end += 1
        return max(end, at + 1)

    def _is_word(self, joined: str) -> bool:
        """Spaced letters are joined only into a known word or a coded one ("kys"), never
        into chance strings ("u r a" is three words)."""
        return (len(joined) >= 4 and joined in self.words) or normalise(joined).words != (joined,)

    def split(self, word: str) -> tuple[str, ...]:
        """Known whole words that make up ``word``, or ``(word,)``; cached."""
        return self._parts(word)

    def _segment(self, word: str) -> tuple[str, ...]:
        if len(word) < MIN_COMPOUND or word in self.words or not word.isalpha():
            return (word,)
        # best[k]: the fewest known words that make up word[:k], and where the last one starts.
        best: list[tuple[int, int] | None] = [(0, 0)] + [None] * len(word)
        for end in range(1, len(word) + 1):
            for start in range(end):
                before = best[start]
                known = before is not None and word[start:end] in self.words
                if known and (best[end] is None or before[0] + 1 < best[end][0]):  # type: ignore
                    best[end] = (before[0] + 1, start)  # type: ignore[index]
        found = best[len(word)]
        if found is None or found[0] > MAX_PARTS:
            return (word,)
        parts, end = [], len(word)
        while end > 0:
            start = best[end][1]  # type: ignore[index]
            parts.append(word[start:end])
            end = start
        return tuple(reversed(parts))
