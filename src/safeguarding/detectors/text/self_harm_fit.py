"""Fitting the self-harm classifier: shared by ``scripts/fit_self_harm.py`` and the eval CLI.

Needs the fitting extras (scikit-learn, scipy: ``pip install -e .[dev]``); the
live path (``self_harm_model``) never imports this module.

Reproducible: lbfgs is deterministic and nothing here draws random numbers, so
the same texts, labels and weights give the same weights, and ``save`` writes
byte-identical files (numpy stores no timestamps in the archive).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from safeguarding.detectors.text.normalise import Lexicon, Normalised
from safeguarding.detectors.text.self_harm_model import (
    ACTION_LABELS,
    IDIOM,
    LABELS,
    Featuriser,
    SelfHarmModel,
    WordPieces,
    load_embeddings,
    pair_grams,
    word_grams,
)

# Issue #16's targets, on the worst left-out source.
TARGET_RECALL = 0.95
TARGET_PRECISION = 0.90
TARGET_IDIOMS = 0.03
# Room kept above each target: about one standard error of recall on a source of ~100 action items.
SAFETY = 0.02
THRESHOLD_GRID = np.round(np.arange(0.10, 0.90, 0.01), 2)


@dataclass(frozen=True)
class Config:
    """The fitting choices; the defaults are the shipped model's."""

    c: float = 4.0
    embedding_weight: float = 1.0
    lexicon_weight: float = 0.25
    min_df: int = 2
    max_ngrams: int = 40_000
    unit_embedding: bool = True
    # Idioms share the action words ("kms this test"); counting them twice sharpens that edge.
    idiom_weight: float = 2.0
    # Never flag a text read more likely as an idiom than as needing action (see the model).
    idiom_veto: bool = True
    # Each source's items weigh (median source size / its size) ** source_balance, so a small
    # set written by another hand is not drowned by the project's own thousands of lines.
    source_balance: float = 0.5
    # Each label's items weigh (mean label count / its count) ** class_balance.
    class_balance: float = 0.25
    tol: float = 1e-4
    # Read hashtags as the words they run together, and spaced letters as one word.
    split_compounds: bool = True


def ngram_vocabulary(norms: Sequence[Normalised], config: Config) -> tuple[list[str], np.ndarray]:
    """Grams seen in at least ``min_df`` texts, most frequent first, with smoothed idf."""
    df: dict[str, int] = {}
    for norm in norms:
        grams = {g for word in norm.words for g in word_grams(word)}
        for gram in grams | set(pair_grams(norm.words)):
            df[gram] = df.get(gram, 0) + 1
    kept = sorted((g for g, n in df.items() if n >= config.min_df), key=lambda g: (-df[g], g))
    kept = kept[: config.max_ngrams]
    idf = np.log((1 + len(norms)) / (1 + np.array([df[g] for g in kept], dtype=np.float64))) + 1
    return kept, idf.astype(np.float32)


def design(
    featuriser: Featuriser, norms: Sequence[Normalised], config: Config
) -> sparse.csr_matrix:
    """The fitting matrix: weighted [embedding ; cue counts ; char n-grams]."""
    width = featuriser.vectors.shape[1]
    dense = np.stack([featuriser.dense(n) for n in norms])
    dense[:, :width] *= config.embedding_weight
    dense[:, width:] *= config.lexicon_weight
    rows, cols, vals = [], [], []
    for at, norm in enumerate(norms):
        c, v = featuriser.sparse(norm)
        rows.extend([at] * len(c))
        cols.extend(c.tolist())
        vals.extend(v.tolist())
    grams = sparse.csr_matrix((vals, (rows, cols)), shape=(len(norms), len(featuriser.grams)))
    return sparse.hstack([sparse.csr_matrix(dense), grams], format="csr")


def item_weights(labels: Sequence[str], sources: Sequence[str], config: Config) -> np.ndarray:
    """Per-item weights: source balance times class balance times the idiom weight, mean 1."""
    weights = _balance(sources, config.source_balance, np.median)
    weights *= _balance(labels, config.class_balance, np.mean)
    weights[np.asarray(labels) == IDIOM] *= config.idiom_weight
    return weights / weights.mean()


def _balance(names: Sequence[str], power: float, middle: Any) -> np.ndarray:
    """(middle count / the item's group count) ** power for each item."""
    _, inverse, counts = np.unique(np.asarray(names), return_inverse=True, return_counts=True)
    return np.asarray((float(middle(counts)) / counts[inverse]) ** power, dtype=np.float64)


def fit(
    norms: Sequence[Normalised],
    labels: Sequence[str],
    base: Featuriser,
    config: Config,
    threshold: float = 0.5,
    sources: Sequence[str] | None = None,
) -> SelfHarmModel:
    """Fit one model; the weights are exported so inference needs the featuriser only."""
    grams, idf = ngram_vocabulary(norms, config)
    featuriser = Featuriser(
        base.pieces, base.vectors, base.lexicon, grams, idf, config.unit_embedding
    )
    clf = LogisticRegression(C=config.c, max_iter=5000, tol=config.tol)
    weights = item_weights(labels, sources or ["one"] * len(labels), config)
    clf.fit(design(featuriser, norms, config), np.asarray(labels), sample_weight=weights)
    order = [list(clf.classes_).index(label) for label in LABELS if label in clf.classes_]
    coef, bias = clf.coef_[order], clf.intercept_[order]
    width, dense = base.vectors.shape[1], featuriser.dense_size
    dense_w = coef[:, :dense].copy()
    dense_w[:, :width] *= config.embedding_weight
    dense_w[:, width:] *= config.lexicon_weight
    meta = {"labels": [label for label in LABELS if label in clf.classes_]}
    meta["config"] = asdict(config)
    return SelfHarmModel(
        featuriser, dense_w, coef[:, dense:], bias, threshold, meta["labels"], meta
    )


def figures(scores: np.ndarray, labels: Sequence[str], threshold: float) -> dict[str, float]:
    """Recall and precision of the action decision and the idiom flag rate, mean over rows.

    ``scores`` holds one row per repeat (or a single row) of action scores.
    """
    y = np.asarray(labels)
    scores = np.atleast_2d(scores)
    truth = np.isin(y, list(ACTION_LABELS))
    flagged = scores >= threshold
    hits = (flagged & truth).sum(axis=1)
    idioms = flagged[:, y == IDIOM]
    return {
        "recall": float((hits / max(truth.sum(), 1)).mean()),
        "precision": float((hits / np.maximum(flagged.sum(axis=1), 1)).mean()),
        "idiom_flagged": float(idioms.mean()) if idioms.size else 0.0,
    }


def margin(found: dict[str, float]) -> float:
    """How far the figures clear issue #16's targets; below 0 one fails."""
    return min(
        found["recall"] - TARGET_RECALL,
        found["precision"] - TARGET_PRECISION,
        TARGET_IDIOMS - found["idiom_flagged"],
    )


def choose_threshold(scores: np.ndarray, labels: Sequence[str], safety: float = SAFETY) -> float:
    """The highest threshold whose figures clear every target by ``safety`` (one group)."""
    return choose_threshold_worst([(scores, labels)], safety)


def choose_threshold_worst(
    groups: Sequence[tuple[np.ndarray, Sequence[str]]], safety: float = SAFETY
) -> float:
    """The highest threshold at which the *worst* group clears every target by ``safety``.

    Each group is (out-of-fold action scores, labels) of one held-out source. A
    higher threshold flags less everyday chat, so of the thresholds that leave
    room the highest is taken; where none does, the one whose worst group clears
    the targets by the most (the lowest such threshold on ties, for recall).
    """
    worst = np.array([min(margin(figures(s, y, t)) for s, y in groups) for t in THRESHOLD_GRID])
    safe = THRESHOLD_GRID[worst >= safety]
    return float(safe.max() if len(safe) else THRESHOLD_GRID[int(worst.argmax())])


def save(model: SelfHarmModel, directory: Path) -> None:
    """Write classifier.npz (weights, n-grams, threshold, metadata as JSON)."""
    featuriser = model.featuriser
    np.savez_compressed(
        directory / "classifier.npz",
        dense_weights=np.hstack([model.embedding_weights, model.cue_weights]),
        sparse_weights=model.sparse_weights.astype(np.float16),
        bias=model.bias,
        threshold=np.float32(model.threshold),
        grams=np.array("\n".join(featuriser.grams)),
        idf=featuriser.idf.astype(np.float32),
        meta=np.array(json.dumps(model.meta, sort_keys=True)),
    )


def base_featuriser(directory: Path) -> Featuriser:
    """The embeddings and lexicon of a model directory, with no grams yet."""
    tokens, vectors = load_embeddings(directory / "embeddings.npz")
    return Featuriser(WordPieces(tokens), vectors, Lexicon.load(directory / "lexicon.json"))
