"""The self-harm and suicide text classifier: numpy only, loaded once per process.

A message is read by ``normalise`` (teen register to plain words; in a model
fitted with ``split_compounds``, hashtags and spaced letters too, see
``self_harm_read``), then scored
from three blocks of features:

- a static sentence embedding: the mean of word-piece vectors distilled from
  all-MiniLM-L6-v2 with model2vec (``scripts/fit_self_harm.py`` says how),
  stored int8 in ``models/self_harm/embeddings.npz``, scaled to unit length
  when the model was fitted that way (``Featuriser.embed``);
- cue counts from ``models/self_harm/lexicon.json`` (death wish, self-harm,
  telling someone else to, finality, timing; and against: recovery, news,
  jokes, trivial triggers, gaming, idioms);
- grams: character 2-5-grams inside each word (misspellings, coded words),
  the words themselves and adjacent word pairs, weighted idf * count and
  L2-normalised (``Featuriser.sparse``).

One multinomial logistic regression over the nine labels scores them; the
action decision is P(action labels) >= the threshold chosen by
cross-validation, unless (in a model fitted with the idiom veto) the idiom
label alone is at least as likely as the four action labels together. Each
word's share of the logits is cached, so a message costs a few dictionary
look-ups per word. A model with a second stage (``self_harm_second``) reads
the texts whose P(action) falls in its uncertain band again, as a whole.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from safeguarding.detectors.text.normalise import Lexicon, Normalised, normalise
from safeguarding.detectors.text.once import OncePerProcess
from safeguarding.detectors.text.self_harm_features import (
    MAX_COUNT,
    Featuriser,
    Matches,
    WordPieces,
    pair_grams,
    word_grams,
)
from safeguarding.detectors.text.self_harm_read import CompoundReader
from safeguarding.detectors.text.self_harm_second import SecondStage, load_second_stage

__all__ = [
    "ACTION_LABELS",
    "IDIOM",
    "LABELS",
    "MODEL_DIR",
    "Cue",
    "Featuriser",
    "Prediction",
    "SelfHarmModel",
    "WordPieces",
    "load",
    "load_embeddings",
    "pair_grams",
    "reader",
    "shared_model",
    "word_grams",
]

MODEL_DIR = Path(__file__).parent / "models" / "self_harm"
LABELS = (
    "ideation",
    "intent_or_plan",
    "encouragement",
    "self_harm_disclosure",
    "recovery_support",
    "news_or_education",
    "idiom_or_hyperbole",
    "other_negative",
    "benign",
)
ACTION_LABELS = frozenset(LABELS[:4])
IDIOM = "idiom_or_hyperbole"
MAX_CUES = 3
_CACHE_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class Cue:
    """A short stretch of the original text that drove the score."""

    start: int
    end: int
    words: str


@dataclass(frozen=True, slots=True)
class Prediction:
    """The label, whether it needs action, P(action), every label's probability, and the cues."""

    label: str
    action: bool
    score: float
    label_scores: dict[str, float] = field(default_factory=dict)
    cues: tuple[Cue, ...] = ()

    def top_labels(self, n: int = 3) -> dict[str, float]:
        ranked = sorted(self.label_scores.items(), key=lambda kv: -kv[1])[:n]
        return {label: round(score, 4) for label, score in ranked}


class SelfHarmModel:
    """The fitted classifier: featuriser, weights, and the action threshold.

    Scoring is linear up to two per-message scalings (the embedding's mean or
    unit length, and the gram norm), so each word's share of the logits is
    cached once; a message then costs a few look-ups per word and one small
    matrix sum.
    """

    def __init__(
        self,
        featuriser: Featuriser,
        dense_weights: np.ndarray,
        sparse_weights: np.ndarray,
        bias: np.ndarray,
        threshold: float,
        labels: Sequence[str] = LABELS,
        meta: dict[str, Any] | None = None,
        second: SecondStage | None = None,
    ) -> None:
        self.featuriser = featuriser
        self.second = second
        width = featuriser.width
        self.embedding_weights = np.ascontiguousarray(dense_weights[:, :width], dtype=np.float32)
        self.cue_weights = np.ascontiguousarray(dense_weights[:, width:], dtype=np.float32)
        self.sparse_weights = sparse_weights
        self.bias = bias.astype(np.float32)
        self.threshold = float(threshold)
        self.labels = tuple(labels)
        self.meta = meta or {}
        self.action_mask = np.array([label in ACTION_LABELS for label in self.labels])
        # A model fitted with the idiom veto never flags a text it reads more likely as an idiom.
        veto = bool(self.meta.get("config", {}).get("idiom_veto", False))
        self.read = reader(featuriser, bool(self.meta.get("config", {}).get("split_compounds")))
        self._idiom = self.labels.index(IDIOM) if veto and IDIOM in self.labels else None
        self._action_ids = [i for i, label in enumerate(self.labels) if label in ACTION_LABELS]
        self._label_ids = {
            True: self._action_ids,
            False: [i for i in range(len(self.labels)) if i not in self._action_ids],
        }
        # log(1 + count) * weights for each cue group and count, so cue logits are a row sum.
        counts = np.log1p(np.arange(MAX_COUNT + 1, dtype=np.float32))
        self._cue_table = (self.cue_weights.T[:, None, :] * counts[None, :, None]).reshape(
            -1, len(self.labels)
        )
        # Each word piece's and each gram's push on every label, so logits are sums of rows.
        self._piece_logits = featuriser.vectors @ self.embedding_weights.T
        self._gram_logits = np.ascontiguousarray(
            (sparse_weights * featuriser.idf[None, :]).T, dtype=np.float32
        )
        self._cache_lock = threading.Lock()
        self._words: dict[str, tuple[int, tuple[int, ...], float]] = {}
        self._word_rows = np.zeros((4096, 2 * len(self.labels)), dtype=np.float32)
        self._zero = np.zeros(2 * len(self.labels), dtype=np.float32)

    def logits(self, norm: Normalised, matches: Matches | None = None) -> np.ndarray:
        """Equal to weights @ [embedding ; cue counts ; grams] + bias, from per-word rows."""
        f, size = self.featuriser, len(self.labels)
        rows, ids, squares, uncached = [], [], 0.0, []
        for word in norm.words:
            row, pieces, square = self._words.get(word) or self._add_word(word)
            if row < 0:
                uncached.append(self._word_vector(word)[0])
            else:
                rows.append(row)
            ids += pieces
            squares += square
        parts = self._word_rows.take(rows, axis=0).sum(axis=0) if rows else self._zero
        if uncached:
            parts = parts + np.sum(uncached, axis=0)
        pairs = [c for c in map(f.grams.get, pair_grams(norm.words)) if c is not None]
        grams = parts[size:]
        if pairs:
            grams = grams + self._gram_logits.take(pairs, axis=0).sum(axis=0)
            squares += float(f.idf.take(pairs) @ f.idf.take(pairs))
        out = self._cue_logits(norm, matches) + self.bias
        scale = self._embedding_scale(ids) if ids else 0.0
        if scale > 0:
            out += parts[:size] / scale
        if squares > 0:
            out += grams / math.sqrt(squares)
        return out

    def _embedding_scale(self, ids: list[int]) -> float:
        """What the summed piece logits are divided by: the piece count, or the sum's length."""
        f = self.featuriser
        if not f.unit_embedding:
            return float(len(ids))
        total = f.vectors.take(ids, axis=0).sum(axis=0)
        return math.sqrt(float(total @ total))

    def _cue_logits(self, norm: Normalised, matches: Matches | None) -> np.ndarray:
        if matches is None:
            matches = self.featuriser.lexicon.matches(norm.words)
        if not matches:
            return self._zero[: len(self.labels)]
        counts: dict[int, int] = {}
        for group, _, _ in matches:
            counts[group] = counts.get(group, 0) + 1
        rows = [g * (MAX_COUNT + 1) + min(n, MAX_COUNT) for g, n in counts.items()]
        return self._cue_table.take(rows, axis=0).sum(axis=0)

    def probabilities(self, norm: Normalised, matches: Matches | None = None) -> np.ndarray:
        logits = self.logits(norm, matches)
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()

    def p_action(self, norm: Normalised) -> float:
        return float(self.probabilities(norm)[self.action_mask].sum())

    def action_score(self, norm: Normalised) -> float:
        """P(action), or 0 where the idiom veto holds: what the threshold is compared with."""
        values = self.probabilities(norm).tolist()
        p_action = sum(values[i] for i in self._action_ids)
        return 0.0 if self._vetoed(values, p_action) else p_action

    def _vetoed(self, values: list[float], p_action: float) -> bool:
        """The idiom reading ("kms this test 😭") is as likely as all action labels together."""
        return self._idiom is not None and values[self._idiom] >= p_action

    def classify_one(self, text: str, threshold: float | None = None) -> Prediction:
        """Classify one text; ``threshold`` replaces the fitted action threshold.

        A given threshold applies to the first stage alone: the second stage's
        band was chosen for the fitted threshold, so it is not consulted then.
        """
        norm = self.read(text)
        matches = self.featuriser.lexicon.matches(norm.words)
        probs = self.probabilities(norm, matches)
        values = probs.tolist()
        p_action = sum(values[i] for i in self._action_ids)
        action = p_action >= (self.threshold if threshold is None else threshold)
        action = action and not self._vetoed(values, p_action)
        second = self.second if threshold is None else None
        if second is not None and second.in_band(p_action) and not self._vetoed(values, p_action):
            values = second.mix(probs, text).tolist()
            p_action = sum(values[i] for i in self._action_ids)
            action = p_action >= second.threshold
        label = self.labels[max(self._label_ids[action], key=values.__getitem__)]
        scores = dict(zip(self.labels, values, strict=True))
        cues = self._cues(norm, matches, label) if action else ()
        return Prediction(label, action, p_action, scores, cues)

    def classify(self, texts: Iterable[str], threshold: float | None = None) -> list[Prediction]:
        return [self.classify_one(text, threshold) for text in texts]

    def _add_word(self, word: str) -> tuple[int, tuple[int, ...], float]:
        """Cache a word's row: [summed piece logits | unscaled gram logits], piece ids, norm².

        Writers take the lock and publish a row only once it is filled; readers need no lock.
        Past the cache limit nothing more is cached: the row is -1 and the caller computes it.
        """
        with self._cache_lock:
            cached = self._words.get(word)
            if cached is not None:
                return cached
            vector, pieces, square = self._word_vector(word)
            row = len(self._words)
            if row >= _CACHE_LIMIT:
                return -1, pieces, square
            if row == len(self._word_rows):
                grown = np.zeros((2 * row, self._word_rows.shape[1]), dtype=np.float32)
                grown[:row] = self._word_rows
                self._word_rows = grown
            self._word_rows[row] = vector
            self._words[word] = (row, pieces, square)
            return row, pieces, square

    def _word_vector(self, word: str) -> tuple[np.ndarray, tuple[int, ...], float]:
        size = len(self.labels)
        vector = np.zeros(2 * size, dtype=np.float32)
        ids = self.featuriser.pieces.ids(word)
        if ids:
            vector[:size] = self._piece_logits.take(ids, axis=0).sum(axis=0)
        values = self.featuriser.unit_values(word_grams(word))
        square = 0.0
        if values:
            cols = list(values)
            counts = np.fromiter(values.values(), dtype=np.float32, count=len(cols))
            vector[size:] = (counts / self.featuriser.idf[cols]) @ self._gram_logits[cols]
            square = float(counts @ counts)
        return vector, ids, square

    def _cues(self, norm: Normalised, matches: Matches, label: str) -> tuple[Cue, ...]:
        """Cue-word matches; for veiled text with none, the words pushing hardest to the label."""
        found = self.featuriser.lexicon.cues(norm.words, matches)
        if found:
            picked = [(first, last) for _, first, last in found[:MAX_CUES]]
        else:
            column = self.labels.index(label)
            pushes = []
            for at, word in enumerate(norm.words):
                ids = self.featuriser.pieces.ids(word)
                if ids:
                    pushes.append((float(self._piece_logits[list(ids), column].mean()), at))
            picked = [(at, at) for push, at in sorted(pushes, reverse=True)[:2] if push > 0]
        cues = {norm.span(a, b): " ".join(norm.words[a : b + 1]) for a, b in picked}
        return tuple(Cue(start, end, words) for (start, end), words in sorted(cues.items()))


def reader(featuriser: Featuriser, split_compounds: bool) -> Callable[[str], Normalised]:
    """How a model reads text: ``normalise``, or with hashtags split (``self_harm_read``)."""
    return CompoundReader(featuriser.pieces.vocab).read if split_compounds else normalise


def load_embeddings(path: Path) -> tuple[list[str], np.ndarray]:
    """Word-piece tokens and their vectors, stored int8 with one scale per row."""
    with np.load(path, allow_pickle=False) as data:
        tokens = str(data["tokens"]).split("\n")
        vectors = data["vectors"].astype(np.float32) * data["scales"][:, None]
    return tokens, vectors


def load(model_dir: Path = MODEL_DIR) -> SelfHarmModel:
    """Read a fitted model from its directory."""
    tokens, vectors = load_embeddings(model_dir / "embeddings.npz")
    lexicon = Lexicon.load(model_dir / "lexicon.json")
    with np.load(model_dir / "classifier.npz", allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        grams = str(data["grams"]).split("\n")
        unit = bool(meta.get("config", {}).get("unit_embedding", False))
        featuriser = Featuriser(WordPieces(tokens), vectors, lexicon, grams, data["idf"], unit)
        return SelfHarmModel(
            featuriser,
            data["dense_weights"],
            data["sparse_weights"].astype(np.float32),
            data["bias"],
            float(data["threshold"]),
            tuple(meta["labels"]),
            meta,
            load_second_stage(model_dir),
        )


_shared: OncePerProcess[SelfHarmModel] = OncePerProcess(load)


def shared_model() -> SelfHarmModel:
    """The shipped model, read once per process."""
    return _shared.get()


def forget_shared_model() -> None:
    """Read the model afresh at next use (after its files changed)."""
    _shared.forget()


def classify(texts: Iterable[str]) -> list[Prediction]:
    """Classify texts with the shipped model."""
    return shared_model().classify(texts)
