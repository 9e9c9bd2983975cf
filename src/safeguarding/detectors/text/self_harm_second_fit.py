"""Fitting the self-harm classifier's second stage, and leave-one-source-out with it.

The second stage (``self_harm_second``) is a multinomial logistic regression
over the contextual vectors of the training texts. Its uncertain band, the
mixing weight and its threshold are chosen, like the first stage's threshold,
on readings of the training sources alone: each training source is read by
both stages fitted on the other training sources, and the choice is the one
whose figures clear issue #16's targets by the most, counting the worst source
and the mean over sources half each (``choose_stage``). The left-out source is
never read before its model is fixed.

Needs the fitting extras (scikit-learn), like ``self_harm_fit``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from safeguarding.detectors.text.contextual import ContextualEncoder
from safeguarding.detectors.text.normalise import Normalised
from safeguarding.detectors.text.self_harm_fit import (
    SAFETY,
    Config,
    choose_threshold_worst,
    item_weights,
    margin,
)
from safeguarding.detectors.text.self_harm_model import (
    ACTION_LABELS,
    IDIOM,
    LABELS,
    Featuriser,
    SelfHarmModel,
)
from safeguarding.detectors.text.self_harm_second import SecondStage
from safeguarding.detectors.text.self_harm_sources import Fold, Source, fit_on

SECOND_C = 1.0
FIRST_WEIGHTS = (0.5, 0.6, 0.7)
LOWS = np.round(np.arange(0.05, 0.81, 0.05), 2)
HIGHS = np.round(np.arange(0.10, 0.96, 0.05), 2)
# An empty band: the first stage alone, kept where no band does better on the training sources.
NO_BAND = (1.0, 1.0)
THRESHOLDS = np.round(np.arange(0.10, 0.90, 0.02), 2)
# At most this share of everyday chat is read again. The live path must keep 5,000 texts/s per
# core (200 µs a text); on 2026-12-07 the first stage cost about 60 µs of CPU a chat line and
# each text read again about 3,000 µs, so 5% gave under 5,000/s and 2% leaves room.
MAX_EVERYDAY_SHARE = 0.02
_ACTION = np.array([label in ACTION_LABELS for label in LABELS])
_IDIOM = LABELS.index(IDIOM)


@dataclass(frozen=True)
class Reading:
    """One source's scored items read by both stages fitted without it."""

    first: np.ndarray  # items x labels, first stage
    second: np.ndarray  # items x labels, second stage
    labels: tuple[str, ...]

    @property
    def first_scores(self) -> np.ndarray:
        """P(action) of the first stage, 0 where the idiom veto holds (as ``action_score``)."""
        p_action = self.first[:, _ACTION].sum(axis=1)
        return np.where(self.first[:, _IDIOM] >= p_action, 0.0, p_action)


@dataclass(frozen=True)
class StageChoice:
    """The band, the first stage's weight in the mixture, and the mixture's threshold."""

    low: float
    high: float
    first_weight: float
    threshold: float


def flagged(reading: Reading, first_threshold: float, choice: StageChoice) -> np.ndarray:
    """The cascade's decision: the mixture inside the band, the first stage outside it."""
    return _flagged(
        reading.first_scores, _mixed(reading, choice.first_weight), first_threshold, choice
    )


def _mixed(reading: Reading, first_weight: float) -> np.ndarray:
    """P(action) of the two stages' mixed label probabilities."""
    mixed = first_weight * reading.first + (1 - first_weight) * reading.second
    return np.asarray(mixed[:, _ACTION].sum(axis=1))


def _flagged(
    scores: np.ndarray, mixed: np.ndarray, first_threshold: float, choice: StageChoice
) -> np.ndarray:
    band = (scores >= choice.low) & (scores < choice.high)
    return np.where(band, mixed >= choice.threshold, scores >= first_threshold)


def figures_of(flags: np.ndarray, labels: Sequence[str]) -> dict[str, float]:
    """Recall and precision of the action decision, and the share of idioms flagged."""
    y = np.asarray(labels)
    truth = np.isin(y, list(ACTION_LABELS))
    hits = int((flags & truth).sum())
    idioms = flags[y == IDIOM]
    return {
        "recall": hits / max(int(truth.sum()), 1),
        "precision": hits / max(int(flags.sum()), 1),
        "idiom_flagged": float(idioms.mean()) if idioms.size else 0.0,
    }


def choose_stage(
    readings: Sequence[Reading], first_threshold: float, everyday: np.ndarray | None = None
) -> StageChoice:
    """The choice whose figures clear the targets by the most (worst and mean, half each).

    Only bands that read at most ``MAX_EVERYDAY_SHARE`` of ``everyday`` (the
    first stage's scores of everyday chat) again are considered, and the empty
    band (the first stage alone) always is; of the choices that leave
    ``SAFETY`` room, the one that reads the fewest texts again.
    """
    best: tuple[tuple[float, float, float], StageChoice] | None = None
    scores = [r.first_scores for r in readings]
    mixed = {w: [_mixed(r, w) for r in readings] for w in FIRST_WEIGHTS}
    everything = np.concatenate(scores)
    for low, high in _bands(np.zeros(0) if everyday is None else everyday):
        share = float(((everything >= low) & (everything < high)).mean())
        for weight in FIRST_WEIGHTS:
            for threshold in THRESHOLDS:
                choice = StageChoice(low, high, weight, float(threshold))
                margins = [
                    margin(figures_of(_flagged(s, m, first_threshold, choice), r.labels))
                    for s, m, r in zip(scores, mixed[weight], readings, strict=True)
                ]
                found = 0.5 * min(margins) + 0.5 * float(np.mean(margins))
                key = (min(found, SAFETY), -share, found)
                if best is None or key > best[0]:
                    best = (key, choice)
    assert best is not None
    return best[1]


def _bands(everyday: np.ndarray) -> list[tuple[float, float]]:
    """The empty band, and each band of the grid that reads little enough everyday chat."""
    bands = [NO_BAND]
    for low in LOWS:
        for high in HIGHS[low < HIGHS]:
            inside = (everyday >= low) & (everyday < high)
            if not everyday.size or float(inside.mean()) <= MAX_EVERYDAY_SHARE:
                bands.append((float(low), float(high)))
    return bands


def fit_second(
    vectors: np.ndarray, labels: Sequence[str], sources: Sequence[str], config: Config
) -> tuple[np.ndarray, np.ndarray]:
    """Weights and bias over the contextual vectors, items weighted as the first stage's."""
    clf = LogisticRegression(C=SECOND_C, max_iter=5000, tol=config.tol)
    clf.fit(vectors, np.asarray(labels), sample_weight=item_weights(labels, sources, config))
    classes = list(clf.classes_)
    weights = np.zeros((len(LABELS), vectors.shape[1]), dtype=np.float64)
    bias = np.full(len(LABELS), -30.0)  # a label no training item had is never read
    for at, label in enumerate(LABELS):
        if label in classes:
            row = classes.index(label)
            weights[at], bias[at] = clf.coef_[row], clf.intercept_[row]
    return weights, bias


class Cascade:
    """Fits both stages on sets of sources, each set once (fitting is deterministic)."""

    def __init__(
        self,
        sources: Sequence[Source],
        base: Featuriser,
        config: Config,
        everyday: Sequence[Normalised] = (),
    ) -> None:
        self.sources = list(sources)
        self.everyday = list(everyday)
        self.base, self.config = base, config
        self.encoder = ContextualEncoder()
        # One text at a time, as the live path reads them (int8 activations scale per batch).
        self.vectors = {s.name: self.encoder.encode(s.texts, batch=1) for s in self.sources}
        self._first: dict[frozenset[str], SelfHarmModel] = {}
        self._second: dict[frozenset[str], tuple[np.ndarray, np.ndarray]] = {}

    def first(self, names: frozenset[str]) -> SelfHarmModel:
        if names not in self._first:
            chosen = [s for s in self.sources if s.name in names]
            self._first[names] = fit_on(chosen, self.base, self.config)
        return self._first[names]

    def second(self, names: frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
        if names not in self._second:
            chosen = [s for s in self.sources if s.name in names]
            vectors = np.vstack([self.vectors[s.name] for s in chosen])
            labels = [label for s in chosen for label in s.labels]
            tags = [s.name for s in chosen for _ in s.labels]
            self._second[names] = fit_second(vectors, labels, tags, self.config)
        return self._second[names]

    def reading(self, held: Source, names: frozenset[str]) -> Reading:
        """``held``'s scored items read by both stages fitted on the sources ``names``."""
        model = self.first(names)
        stage = self.stage(names, model, StageChoice(*NO_BAND, 1.0, 1.0))
        rows = [LABELS.index(label) for label in model.labels]
        first = np.zeros((len(held.scored_labels), len(LABELS)))
        first[:, rows] = np.array([model.probabilities(n) for n in held.scored_norms])
        second = np.zeros_like(first)
        second[:, rows] = stage.probabilities(self.vectors[held.name][np.array(held.scored)])
        return Reading(first, second, tuple(held.scored_labels))

    def stage(
        self, names: frozenset[str], model: SelfHarmModel, choice: StageChoice
    ) -> SecondStage:
        """The second stage fitted on ``names``, over the labels ``model`` knows."""
        weights, bias = self.second(names)
        rows = [LABELS.index(label) for label in model.labels]
        stage = SecondStage(
            weights[rows],
            bias[rows],
            choice.low,
            choice.high,
            choice.first_weight,
            choice.threshold,
        )
        stage.encoder = self.encoder
        return stage

    def model(
        self, names: frozenset[str], first_threshold: float, choice: StageChoice
    ) -> SelfHarmModel:
        """Both stages fitted on ``names``, with the chosen thresholds and band."""
        model = self.first(names)
        model.threshold = first_threshold
        model.second = self.stage(names, model, choice)
        return model

    def choose(self, names: frozenset[str]) -> tuple[float, StageChoice]:
        """Both thresholds and the band for a model fitted on ``names``, chosen on them alone."""
        readings = [self.reading(s, names - {s.name}) for s in self.sources if s.name in names]
        first_threshold = choose_threshold_worst([(r.first_scores, r.labels) for r in readings])
        return first_threshold, choose_stage(readings, first_threshold, self.everyday_scores(names))

    def everyday_scores(self, names: frozenset[str]) -> np.ndarray:
        """The first stage's scores of everyday chat, fitted on ``names``."""
        model = self.first(names)
        return np.array([model.action_score(n) for n in self.everyday])


@dataclass(frozen=True)
class CascadeFold:
    """One left-out source: the first stage alone (``fold``) and with the second stage."""

    fold: Fold
    choice: StageChoice
    cascade: Fold
    share: float  # of the left-out texts, read again


def leave_one_source_out_cascade(
    sources: Sequence[Source],
    base: Featuriser,
    config: Config,
    everyday: Sequence[Normalised] = (),
) -> tuple[Cascade, list[CascadeFold]]:
    """For each source: both stages chosen and fitted on the others, read the one left out.

    ``everyday`` is chat with no self-harm in it, read only to bound the
    share of texts the second stage reads (``choose_stage``).
    """
    if len(sources) < 3:
        raise ValueError("leave-one-source-out needs at least three sources")
    cascade = Cascade(sources, base, config, everyday)
    everyone = frozenset(s.name for s in sources)
    folds = []
    for held in sources:
        names = everyone - {held.name}
        first_threshold, choice = cascade.choose(names)
        model = cascade.model(names, first_threshold, choice)
        scores = np.array([model.action_score(n) for n in held.scored_norms])
        truth = tuple(held.scored_labels)
        alone = tuple(model.classify(held.scored_texts, first_threshold))
        both = tuple(model.classify(held.scored_texts))
        share = float(((scores >= choice.low) & (scores < choice.high)).mean())
        banded = (choice.low, choice.high) != NO_BAND
        folds.append(
            CascadeFold(
                Fold(held.name, first_threshold, scores, alone, truth),
                choice,
                Fold(
                    held.name, choice.threshold if banded else first_threshold, scores, both, truth
                ),
                share,
            )
        )
    return cascade, folds


def shipped_choice(cascade: Cascade, folds: Sequence[CascadeFold]) -> StageChoice:
    """The band and thresholds for the model fitted on every source: chosen on the outer folds."""
    everyone = frozenset(s.name for s in cascade.sources)
    readings = [cascade.reading(s, everyone - {s.name}) for s in cascade.sources]
    first_threshold = choose_threshold_worst([(f.fold.scores, list(f.fold.truth)) for f in folds])
    return choose_stage(readings, first_threshold, cascade.everyday_scores(everyone))


def everyday_chat(folder: Path) -> list[str]:
    """Every message of the conversations under ``folder`` (the grooming data set): no self-harm."""
    lines = []
    for path in sorted(folder.glob("*.conversations.jsonl")):
        for row in map(json.loads, path.open(encoding="utf-8")):
            lines += [m["text"] for m in row["messages"] if m.get("text")]
    return lines
