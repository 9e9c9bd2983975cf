"""The self-harm classifier's features: word pieces, the static embedding, cue counts, grams.

``Featuriser`` turns normalised text into what ``SelfHarmModel`` scores (see
``self_harm_model`` for how the scores are cached per word): the mean of the
word-piece vectors, cue counts from the lexicon, and character and word grams.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import pairwise

import numpy as np

from safeguarding.detectors.text.normalise import Lexicon, Normalised
from safeguarding.detectors.text.word_cache import WordCache

NGRAM_SIZES = (2, 3, 4, 5)
MAX_COUNT = 16  # cue counts above this are read as this (log1p flattens them anyway)
Matches = list[tuple[int, int, int]]


def word_grams(word: str) -> list[str]:
    """The word itself (tab-marked) and its character 2-5-grams, word edges marked by spaces."""
    padded = f" {word} "
    grams = ["\t" + word]
    for size in NGRAM_SIZES:
        grams.extend(padded[at : at + size] for at in range(len(padded) - size + 1))
    return grams


def pair_grams(words: Sequence[str]) -> list[str]:
    return [f"\t{a} {b}" for a, b in pairwise(words)]


class WordPieces:
    """BERT's greedy longest-match word pieces over a fixed vocabulary, cached per word."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self.vocab = {token: at for at, token in enumerate(tokens)}
        self._ids = WordCache(self._split)

    def ids(self, word: str) -> tuple[int, ...]:
        return self._ids(word)

    def _split(self, word: str) -> tuple[int, ...]:
        if word in self.vocab:
            return (self.vocab[word],)
        pieces, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    pieces.append(self.vocab[piece])
                    start = end
                    break
            else:
                return ()  # BERT reads the whole word as [UNK]; an unknown word adds nothing
        return tuple(pieces)


class Featuriser:
    """Normalised text to [embedding ; cue counts] (dense) and grams (sparse), as fitted."""

    def __init__(
        self,
        pieces: WordPieces,
        vectors: np.ndarray,
        lexicon: Lexicon,
        grams: Sequence[str] = (),
        idf: np.ndarray | None = None,
        unit_embedding: bool = False,
    ) -> None:
        self.pieces = pieces
        self.unit_embedding = unit_embedding
        self.vectors = vectors
        self.lexicon = lexicon
        self.grams = {gram: at for at, gram in enumerate(grams)}
        self.idf = idf if idf is not None else np.ones(len(grams), dtype=np.float32)

    @property
    def width(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def dense_size(self) -> int:
        return self.width + len(self.lexicon.names)

    def embed(self, words: Iterable[str]) -> np.ndarray:
        """Mean of the word-piece vectors, unit length if so fitted (zeros when no word is known).

        The mean of a few pieces is much longer than the mean of many (averaging
        shrinks it), so without the unit scaling a two-word chat line ("stop 😂")
        gets an outsized push from weights fitted mostly on longer posts.
        """
        ids = [i for word in words for i in self.pieces.ids(word)]
        if not ids:
            return np.zeros(self.width, dtype=np.float32)
        mean = self.vectors.take(ids, axis=0).mean(axis=0)
        if self.unit_embedding:
            length = float(np.linalg.norm(mean))
            return mean / length if length > 0 else mean
        return mean

    def cue_counts(self, norm: Normalised, matches: Matches | None = None) -> np.ndarray:
        """log(1 + matches) per lexicon group."""
        if matches is None:
            matches = self.lexicon.matches(norm.words)
        counts = np.zeros(len(self.lexicon.names), dtype=np.float32)
        for group, _, _ in matches:
            counts[group] += 1
        return np.log1p(np.minimum(counts, MAX_COUNT))

    def dense(self, norm: Normalised) -> np.ndarray:
        return np.concatenate((self.embed(norm.words), self.cue_counts(norm)))

    def sparse(self, norm: Normalised) -> tuple[np.ndarray, np.ndarray]:
        """Column ids and weights of the known grams (see ``unit_values`` for the scaling)."""
        total: dict[int, float] = {}
        squares = 0.0
        for unit in [word_grams(w) for w in norm.words] + [[p] for p in pair_grams(norm.words)]:
            for col, value in self.unit_values(unit).items():
                total[col] = total.get(col, 0.0) + value
                squares += value * value
        cols = np.fromiter(total, dtype=np.int64, count=len(total))
        vals = np.fromiter(total.values(), dtype=np.float32, count=len(total))
        return cols, vals / math.sqrt(squares) if squares > 0 else vals

    def unit_values(self, grams: Iterable[str]) -> dict[int, float]:
        """idf * count of each known gram of one word (or one word pair).

        A text's gram vector is the sum over its words and pairs, divided by the
        root of the summed squares of these per-unit values: an L2 norm that
        can be cached word by word.
        """
        counts: dict[int, int] = {}
        for col in map(self.grams.get, grams):
            if col is not None:
                counts[col] = counts.get(col, 0) + 1
        return {col: n * float(self.idf[col]) for col, n in counts.items()}
