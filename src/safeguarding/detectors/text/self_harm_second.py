"""The self-harm classifier's second stage: a contextual reading of the uncertain texts.

The first stage (``self_harm_model``) scores every text from word-level
features. Only a text whose P(action) falls in the uncertain band
``[low, high)`` is read again here: the contextual encoder
(``contextual.ContextualEncoder``, all-MiniLM-L6-v2) turns the whole text into
one vector, a multinomial logistic regression over the nine labels reads that
vector, and the two stages' label probabilities are mixed,
``first_weight * first + (1 - first_weight) * second``. The text needs action
when the mixture's P(action) reaches ``threshold``. A text below the band is
left alone and one above it is flagged, as the first stage read them.

The band, the mixing weight and the threshold are chosen on the training
sources only (``self_harm_second_fit``); the weights live in
``models/self_harm/second_stage.npz``. The encoder is read on the first text
that reaches the band, so a process that never meets one never loads it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from safeguarding.detectors.text.contextual import ContextualEncoder, shared_encoder

__all__ = ["SECOND_STAGE_FILE", "SecondStage", "load_second_stage"]

SECOND_STAGE_FILE = "second_stage.npz"


@dataclass
class SecondStage:
    """Weights over the contextual vector, the uncertain band, the mixing weight, the threshold."""

    weights: np.ndarray  # labels x dimensions
    bias: np.ndarray
    low: float
    high: float
    first_weight: float
    threshold: float
    meta: dict[str, Any] = field(default_factory=dict)
    encoder: ContextualEncoder | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def in_band(self, p_action: float) -> bool:
        """Whether the first stage is unsure enough about this text to read it again."""
        return self.low <= p_action < self.high

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Each row's nine label probabilities from its contextual vector."""
        logits = vectors @ self.weights.T + self.bias
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def mix(self, first: np.ndarray, text: str) -> np.ndarray:
        """The label probabilities of one text, both stages mixed."""
        second = self.probabilities(self._encoder().encode([text]))[0]
        return np.asarray(self.first_weight * first + (1.0 - self.first_weight) * second)

    def _encoder(self) -> ContextualEncoder:
        with self._lock:
            if self.encoder is None:
                self.encoder = shared_encoder()
            return self.encoder


def load_second_stage(model_dir: Path) -> SecondStage | None:
    """The second stage saved beside a model, or None where the model has none."""
    path = model_dir / SECOND_STAGE_FILE
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        return SecondStage(
            weights=data["weights"].astype(np.float32),
            bias=data["bias"].astype(np.float32),
            low=float(data["low"]),
            high=float(data["high"]),
            first_weight=float(data["first_weight"]),
            threshold=float(data["threshold"]),
            meta=json.loads(str(data["meta"])),
        )


def save_second_stage(stage: SecondStage, model_dir: Path) -> None:
    """Write ``second_stage.npz`` (byte-identical for the same stage)."""
    np.savez_compressed(
        model_dir / SECOND_STAGE_FILE,
        weights=stage.weights.astype(np.float32),
        bias=stage.bias.astype(np.float32),
        low=np.float64(stage.low),
        high=np.float64(stage.high),
        first_weight=np.float64(stage.first_weight),
        threshold=np.float64(stage.threshold),
        meta=np.array(json.dumps(stage.meta, sort_keys=True)),
    )
