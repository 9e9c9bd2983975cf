"""The self-harm classifier's second stage: read only in the uncertain band, mixed, saved exactly.

Texts here show warning signs only in general words; none describes a method.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from safeguarding.detectors.text.contextual import DIMENSIONS
from safeguarding.detectors.text.self_harm_model import LABELS, SelfHarmModel, load
from safeguarding.detectors.text.self_harm_second import (
    SecondStage,
    load_second_stage,
    save_second_stage,
)
from safeguarding.detectors.text.self_harm_second_fit import (
    MAX_EVERYDAY_SHARE,
    NO_BAND,
    Reading,
    _bands,
    choose_stage,
    flagged,
)
from tests.detectors.self_harm_data import load_fit_script

UNSURE = "i dont know how much longer i can keep going like this"
CLEAR = "this is my last post. ive written letters to everyone. goodbye tonight"
BENIGN = "see you at practice tomorrow, bring the ball"


class CountingEncoder:
    """Stands in for the contextual encoder and records every text it is asked to read."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def encode(self, texts: Sequence[str], batch: int = 32) -> np.ndarray:
        self.read += list(texts)
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        vectors[:, 0] = 1.0
        return vectors


def stage_around(
    model: SelfHarmModel, text: str, leaning: str
) -> tuple[SecondStage, CountingEncoder]:
    """A second stage whose band holds just ``text`` and which reads every text as ``leaning``."""
    score = model.action_score(model.read(text))
    bias = np.full(len(LABELS), -10.0, dtype=np.float32)
    bias[LABELS.index(leaning)] = 10.0
    weights = np.zeros((len(LABELS), DIMENSIONS), dtype=np.float32)
    stage = SecondStage(weights, bias, score - 0.01, score + 0.01, 0.0, 0.5)
    encoder = CountingEncoder()
    stage.encoder = encoder  # type: ignore[assignment]
    return stage, encoder


@pytest.fixture
def model() -> SelfHarmModel:
    return load()


@pytest.mark.parametrize(("leaning", "action"), [("ideation", True), ("benign", False)])
def test_the_second_stage_decides_texts_in_its_band(
    model: SelfHarmModel, leaning: str, action: bool
) -> None:
    model.second, encoder = stage_around(model, UNSURE, leaning)
    found = model.classify_one(UNSURE)
    assert encoder.read == [UNSURE]
    assert found.action is action
    assert found.label == leaning
    assert found.score == pytest.approx(1.0 if action else 0.0, abs=1e-3)


def test_texts_outside_the_band_are_never_read_again(model: SelfHarmModel) -> None:
    model.second, encoder = stage_around(model, UNSURE, "benign")
    clear, benign = model.classify([CLEAR, BENIGN])
    assert encoder.read == []
    assert clear.action
    assert not benign.action


def test_a_given_threshold_reads_the_first_stage_alone(model: SelfHarmModel) -> None:
    model.second, encoder = stage_around(model, UNSURE, "ideation")
    first = model.classify_one(UNSURE, threshold=0.99)
    assert encoder.read == []
    assert not first.action


def test_cues_still_name_the_words_of_a_text_the_second_stage_flagged(
    model: SelfHarmModel,
) -> None:
    model.second, _ = stage_around(model, UNSURE, "ideation")
    found = model.classify_one(UNSURE)
    assert found.cues
    assert all(0 <= c.start < c.end <= len(UNSURE) for c in found.cues)


def test_the_second_stage_is_saved_and_read_back_exactly(tmp_path: Path) -> None:
    assert load_second_stage(tmp_path) is None  # a model without one reads the first stage only
    rng = np.random.default_rng(7)
    stage = SecondStage(
        rng.normal(size=(len(LABELS), DIMENSIONS)).astype(np.float32),
        rng.normal(size=len(LABELS)).astype(np.float32),
        0.15,
        0.55,
        0.6,
        0.42,
        {"loao": {}},
    )
    save_second_stage(stage, tmp_path)
    first = (tmp_path / "second_stage.npz").read_bytes()
    again = load_second_stage(tmp_path)
    assert again is not None
    assert (again.low, again.high, again.first_weight, again.threshold) == (0.15, 0.55, 0.6, 0.42)
    save_second_stage(again, tmp_path)
    assert (tmp_path / "second_stage.npz").read_bytes() == first


def test_only_bands_that_read_little_everyday_chat_are_tried() -> None:
    everyday = np.array([0.0] * 95 + [0.32, 0.33, 0.34, 0.36, 0.6])
    bands = _bands(everyday)
    assert bands[0] == NO_BAND  # the first stage alone is always a candidate
    assert (0.35, 0.40) in bands  # 1 of 100 chat lines inside: allowed
    assert (0.30, 0.40) not in bands  # 4 of 100 inside: more than MAX_EVERYDAY_SHARE
    assert MAX_EVERYDAY_SHARE < 0.04


def reading(first_action: list[float], second_action: list[float], labels: list[str]) -> Reading:
    """A reading whose stages give these P(action), split between ideation and benign."""

    def probs(values: list[float]) -> np.ndarray:
        out = np.zeros((len(values), len(LABELS)))
        out[:, LABELS.index("ideation")] = values
        out[:, LABELS.index("benign")] = 1 - np.asarray(values)
        return out

    return Reading(probs(first_action), probs(second_action), tuple(labels))


def test_the_first_stage_alone_is_kept_where_a_second_reading_only_hurts() -> None:
    labels = ["ideation"] * 20 + ["benign"] * 20
    first = [0.9] * 20 + [0.05] * 20  # the first stage is right about everything
    second = [0.0] * 20 + [1.0] * 20  # the second stage is wrong about everything
    choice = choose_stage([reading(first, second, labels)] * 3, 0.5)
    assert (choice.low, choice.high) == NO_BAND


def test_a_band_is_chosen_where_the_second_reading_settles_the_unsure_texts() -> None:
    labels = ["ideation"] * 20 + ["benign"] * 20
    first = [0.9] * 10 + [0.45] * 10 + [0.05] * 10 + [0.45] * 10  # unsure about half
    second = [0.9] * 20 + [0.05] * 20  # the second stage is right about everything
    choice = choose_stage([reading(first, second, labels)] * 3, 0.5)
    assert choice.low <= 0.45 < choice.high
    flags = flagged(reading(first, second, labels), 0.5, choice)
    assert flags.tolist() == [True] * 20 + [False] * 20


def test_the_second_stage_is_written_only_where_it_lifts_the_worst_source() -> None:
    helps = load_fit_script().helps
    alone = {"a": {"recall": 0.83, "precision": 0.95, "idiom_flagged": 0.0}}
    better = {"a": {"recall": 0.85, "precision": 0.95, "idiom_flagged": 0.0}}
    worse = {"a": {"recall": 0.81, "precision": 0.95, "idiom_flagged": 0.0}}
    assert helps(alone, better)
    assert not helps(alone, worse)
    assert not helps(alone, alone)
