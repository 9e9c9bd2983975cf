"""Leave-one-source-out evaluation of the self-harm classifier (issue #16).

A *source* is a labelled set written by one hand: the project's own set, or
one of the independent sets. For each source in turn a model is fitted on all
the others and scored on the one left out. The fold's action threshold is
chosen on the training sources only, by the same procedure one level down:
each training source is scored by a model fitted on the other training
sources, and the threshold is the highest at which the worst of them clears
the targets (``self_harm_fit.choose_threshold_worst``). The left-out source is
never read before its model and threshold are fixed.

The outer folds' scores are also what the shipped model's threshold is chosen
on (``shipped_threshold``): every source scored by a model that never saw it.

Needs the fitting extras (scikit-learn, scipy), like ``self_harm_fit``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from safeguarding.detectors.text.jsonl import numbered_rows
from safeguarding.detectors.text.normalise import Normalised, normalise
from safeguarding.detectors.text.self_harm_fit import (
    THRESHOLD_GRID,
    Config,
    choose_threshold_worst,
    fit,
)
from safeguarding.detectors.text.self_harm_model import (
    LABELS,
    Featuriser,
    Prediction,
    SelfHarmModel,
)

# (texts file, labels file or None where each text row carries its label)
Files = tuple[Path, Path | None]


@dataclass(frozen=True)
class Source:
    """One author's labelled texts; ``scored`` is False for fit-only items (never evaluated)."""

    name: str
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    scored: tuple[bool, ...]
    norms: tuple[Normalised, ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def of(
        cls,
        name: str,
        labelled: Sequence[tuple[str, str]],
        fit_only: Sequence[tuple[str, str]] = (),
        read: Callable[[str], Normalised] = normalise,
    ) -> Source:
        """A source from (text, label) pairs that are scored and pairs that are only fitted on."""
        pairs = [*labelled, *fit_only]
        return cls(
            name,
            tuple(t for t, _ in pairs),
            tuple(label for _, label in pairs),
            tuple([True] * len(labelled) + [False] * len(fit_only)),
            tuple(read(t) for t, _ in pairs),
        )

    @property
    def scored_texts(self) -> list[str]:
        return [t for t, keep in zip(self.texts, self.scored, strict=True) if keep]

    @property
    def scored_labels(self) -> list[str]:
        return [label for label, keep in zip(self.labels, self.scored, strict=True) if keep]

    @property
    def scored_norms(self) -> list[Normalised]:
        return [n for n, keep in zip(self.norms, self.scored, strict=True) if keep]


@dataclass(frozen=True)
class Fold:
    """One left-out source: the threshold chosen without it, and the model's reading of it."""

    source: str
    threshold: float
    scores: np.ndarray
    predictions: tuple[Prediction, ...]
    truth: tuple[str, ...]


def fit_on(
    sources: Sequence[Source], base: Featuriser, config: Config, threshold: float = 0.5
) -> SelfHarmModel:
    """One model fitted on every item of these sources, each item tagged with its source."""
    norms = [n for s in sources for n in s.norms]
    labels = [label for s in sources for label in s.labels]
    names = [s.name for s in sources for _ in s.labels]
    return fit(norms, labels, base, config, threshold, names)


def held_out_scores(
    sources: Sequence[Source], base: Featuriser, config: Config
) -> list[tuple[np.ndarray, list[str]]]:
    """Each source's scored items, read by a model fitted on the other sources only."""
    groups = []
    for held in sources:
        model = fit_on([s for s in sources if s is not held], base, config)
        scores = np.array([model.action_score(n) for n in held.scored_norms])
        groups.append((scores, held.scored_labels))
    return groups


def inner_threshold(sources: Sequence[Source], base: Featuriser, config: Config) -> float:
    """The threshold chosen on these (training) sources alone, one level of leave-one-out down."""
    return choose_threshold_worst(held_out_scores(sources, base, config))


def leave_one_source_out(sources: Sequence[Source], base: Featuriser, config: Config) -> list[Fold]:
    """For each source: threshold on the others, fit on the others, read the one left out."""
    if len(sources) < 3:
        raise ValueError("leave-one-source-out needs at least three sources")
    folds = []
    for held in sources:
        training = [s for s in sources if s is not held]
        threshold = inner_threshold(training, base, config)
        model = fit_on(training, base, config, threshold)
        texts = held.scored_texts
        predictions = tuple(model.classify(texts))
        scores = np.array([model.action_score(n) for n in held.scored_norms])
        folds.append(Fold(held.name, threshold, scores, predictions, tuple(held.scored_labels)))
    return folds


def shipped_threshold(folds: Sequence[Fold]) -> float:
    """The threshold for a model fitted on every source: chosen on the outer folds' scores."""
    return choose_threshold_worst([(f.scores, list(f.truth)) for f in folds])


# The live path supports the writer of every flagged message: at most this share of everyday
# chat may be flagged (tests/detectors/test_self_harm.py holds the shipped files to it).
MAX_EVERYDAY_FLAGGED = 0.02


def within_everyday_bound(
    model: SelfHarmModel, everyday: Sequence[Normalised], low: float
) -> float:
    """The lowest threshold of the grid, from ``low`` up, at which ``model`` flags at most
    ``MAX_EVERYDAY_FLAGGED`` of ``everyday`` chat (the folds' choice where it already does)."""
    scores = np.array([model.action_score(n) for n in everyday])
    for threshold in THRESHOLD_GRID[low - 1e-9 <= THRESHOLD_GRID]:
        if (scores >= threshold).mean() <= MAX_EVERYDAY_FLAGGED:
            return float(threshold)
    return float(THRESHOLD_GRID[-1])


def read_pairs(texts: Path, labels: Path | None = None) -> list[tuple[str, str]]:
    """(text, label) pairs matched by id; without a labels file each row carries its label.

    Raises ``ValueError`` naming the file (and line) of the first problem.
    """
    rows = _rows(texts, ("id", "text") if labels else ("id", "text", "label"))
    by_id = {r["id"]: r["label"] for r in _rows(labels, ("id", "label"))} if labels else {}
    pairs = [(r["text"], r["label"] if labels is None else by_id.get(r["id"], "")) for r in rows]
    missing = [r["id"] for r, (_, label) in zip(rows, pairs, strict=True) if not label]
    if missing:
        raise ValueError(f"{labels}: no label for ids {missing[:5]}")
    unknown = sorted({label for _, label in pairs} - set(LABELS))
    if unknown:
        raise ValueError(f"{labels or texts}: unknown labels {unknown}")
    return pairs


def _rows(path: Path, keys: tuple[str, ...]) -> list[dict[str, str]]:
    return [row for _, row in numbered_rows(path, keys)]


def default_layout(data: Path) -> dict[str, tuple[list[Files], list[Files]]]:
    """The sources under ``datasets/self_harm``: name to (scored files, fit-only files).

    ``project`` is the project's train split, scored, plus ``extra_train.jsonl``,
    fit only; each ``independent/NAME/`` holding ``texts.jsonl`` and
    ``labels.jsonl`` is a source of its own. The test split is never read.
    """
    layout: dict[str, tuple[list[Files], list[Files]]] = {
        "project": (
            [(data / "train.texts.jsonl", data / "train.labels.jsonl")],
            [(data / "extra_train.jsonl", None)] if (data / "extra_train.jsonl").exists() else [],
        )
    }
    for folder in sorted((data / "independent").glob("*/")):
        if (folder / "texts.jsonl").exists() and (folder / "labels.jsonl").exists():
            layout[folder.name] = ([(folder / "texts.jsonl", folder / "labels.jsonl")], [])
    return layout


def load_sources(
    layout: dict[str, tuple[list[Files], list[Files]]],
    read: Callable[[str], Normalised] = normalise,
) -> list[Source]:
    """Read every source of a layout, each text as the model will (``ValueError`` on a bad file)."""
    return [
        Source.of(
            name,
            [pair for files in scored for pair in read_pairs(*files)],
            [pair for files in fit_only for pair in read_pairs(*files)],
            read,
        )
        for name, (scored, fit_only) in layout.items()
    ]
