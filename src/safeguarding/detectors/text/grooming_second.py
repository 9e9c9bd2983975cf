"""The grooming model's second stage: a contextual reading of the writer's recent messages.

The first stage (``grooming_model``) scores every ordered pair (writer, other)
after each message from lexicon cue counts, ages, context and static
embeddings. Only when the conversation's riskiest pair has a risk in the
uncertain band ``[low, high)`` is it read again here: the writer's last
``window`` messages (and, where chosen, the others' last ``window`` beside
them) are turned into vectors by the contextual encoder
(``contextual.ContextualEncoder``, all-MiniLM-L6-v2), averaged and brought to
unit length (``pool``), and a logistic regression over that vector gives
P(grooming). The two stages are mixed, ``first_weight * first + (1 -
first_weight) * second``; inside the band the pair is flagged when the mixture
reaches ``threshold``. Below the band nothing changes, above it the first stage
decides, and the high level is always the first stage's (with its
corroboration), so the second stage can neither raise nor lower it.

The band, window, mixing weight and threshold are chosen on training sources
only (``grooming_second_fit``). Measured leave-one-author-out, the stage did
not lift the worst source (docs/grooming.md, "The contextual second stage"),
so no ``second_stage.npz`` is shipped and the live detector reads the first
stage alone.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SECOND_STAGE_FILE", "SecondStage", "load_second_stage", "pool", "save_second_stage"]

SECOND_STAGE_FILE = "second_stage.npz"


def pool(vectors: np.ndarray) -> np.ndarray:
    """The mean of a window's message vectors, brought to unit length (zeros stay zeros)."""
    mean = vectors.mean(axis=0) if vectors.ndim == 2 else vectors
    norm = float(np.linalg.norm(mean))
    return np.asarray(mean / norm if norm > 0 else mean, dtype=np.float64)


@dataclass
class SecondStage:
    """Weights over the pooled window vector, the band, the window, the mixing weight, the
    threshold."""

    weights: np.ndarray  # dimensions
    bias: float
    window: int
    low: float
    high: float
    first_weight: float
    threshold: float
    meta: dict[str, Any] = field(default_factory=dict)
    others: bool = False  # the others' last ``window`` messages pooled beside the writer's

    def in_band(self, risk: float) -> bool:
        """Whether the first stage is unsure enough about this pair to read it again."""
        return self.low <= risk < self.high

    def probability(self, pooled: np.ndarray) -> float:
        """P(grooming) of one pooled window vector."""
        z = float(pooled @ self.weights) + self.bias
        return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0

    def mix(self, first: float, second: float) -> float:
        """The two stages' risks mixed."""
        return self.first_weight * first + (1.0 - self.first_weight) * second


def load_second_stage(model_dir: Path) -> SecondStage | None:
    """The second stage saved beside a model, or None where the model has none."""
    path = model_dir / SECOND_STAGE_FILE
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        return SecondStage(
            weights=data["weights"].astype(np.float64),
            bias=float(data["bias"]),
            window=int(data["window"]),
            low=float(data["low"]),
            high=float(data["high"]),
            first_weight=float(data["first_weight"]),
            threshold=float(data["threshold"]),
            meta=json.loads(str(data["meta"])),
            others=bool(data["others"]),
        )


def save_second_stage(stage: SecondStage, model_dir: Path) -> None:
    """Write ``second_stage.npz`` (byte-identical for the same stage)."""
    np.savez_compressed(
        model_dir / SECOND_STAGE_FILE,
        weights=stage.weights.astype(np.float64),
        bias=np.float64(stage.bias),
        window=np.int64(stage.window),
        low=np.float64(stage.low),
        high=np.float64(stage.high),
        first_weight=np.float64(stage.first_weight),
        threshold=np.float64(stage.threshold),
        meta=np.array(json.dumps(stage.meta, sort_keys=True)),
        others=np.bool_(stage.others),
    )
