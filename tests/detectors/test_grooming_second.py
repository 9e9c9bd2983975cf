"""The grooming model's second stage: deterministic, chosen on training sources only, and a
live path that stays the first stage's while no second stage is shipped.

Conversations come from the development sets (non-explicit warning signs only); a stand-in
encoder replaces the contextual one so that these tests need no model files.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from safeguarding.detectors.text.contextual import DIMENSIONS
from safeguarding.detectors.text.grooming import GroomingDetector
from safeguarding.detectors.text.grooming_eval import score_conversation
from safeguarding.detectors.text.grooming_model import MODEL_PATH, shared_model
from safeguarding.detectors.text.grooming_second import (
    SECOND_STAGE_FILE,
    SecondStage,
    load_second_stage,
    pool,
    save_second_stage,
)
from safeguarding.detectors.text.grooming_second_fit import (
    Cascade,
    VectorCache,
    chats_of,
    fit_second,
)
from safeguarding.detectors.text.grooming_second_read import (
    FIRST_ALONE,
    NEVER,
    decide,
    pooled_windows,
    reading_of,
)
from safeguarding.detectors.text.grooming_sources import Source, read_sources
from safeguarding.domain.accounts import Account, DeclaredAge
from safeguarding.domain.detectors import DetectorContext
from safeguarding.domain.events import EVENT_ADAPTER

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "datasets" / "grooming"


class WordEncoder:
    """Stands in for the contextual encoder: each word hashed to a dimension, unit length."""

    def encode(self, texts: Sequence[str], batch: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.sha256(word.encode()).hexdigest(), 16) % DIMENSIONS] += 1
            out[row] /= max(float(np.linalg.norm(out[row])), 1.0)
        return out


def small(source: Source, grooming: int = 5, benign: int = 7) -> Source:
    """The first few grooming and benign conversations of a source."""
    wanted = {"grooming": grooming, "benign": benign}
    kept = []
    for conversation in source.conversations:
        label = source.labels[conversation["conversation_id"]]["label"]
        if wanted[label] > 0:
            wanted[label] -= 1
            kept.append(conversation)
    ids = {c["conversation_id"] for c in kept}
    return Source(source.name, kept, {i: source.labels[i] for i in ids})


@pytest.fixture(scope="module")
def sources() -> list[Source]:
    return [small(s) for s in read_sources(DATA) if s.name in {"a4", "a5", "a6", "a7"}]


def cache() -> VectorCache:
    return VectorCache(None, WordEncoder())  # type: ignore[arg-type]


def shuffled(source: Source, seed: int = 3) -> Source:
    """The same conversations with their labels dealt out again at random."""
    ids = [c["conversation_id"] for c in source.conversations]
    dealt = ids[:]
    random.Random(seed).shuffle(dealt)
    labels = {
        i: {**source.labels[d], "conversation_id": i} for i, d in zip(ids, dealt, strict=True)
    }
    assert labels != source.labels
    return Source(source.name, source.conversations, labels)


def test_the_fold_chooses_the_same_without_reading_the_left_out_labels(sources) -> None:
    held = sources[0]
    fold = Cascade(sources, cache()).fold(held)
    again = Cascade([shuffled(held), *sources[1:]], cache()).fold(shuffled(held))
    assert again.choice == fold.choice
    assert (again.model.flag, again.model.high) == (fold.model.flag, fold.model.high)
    assert np.array_equal(again.model.weights, fold.model.weights)
    assert (again.consulted, again.encoded) == (fold.consulted, fold.encoded)


def test_fitting_the_second_stage_is_deterministic(sources, tmp_path: Path) -> None:
    cascade = Cascade(sources, cache())
    chats = [c for s in sources for c in cascade.chats[s.name]]
    pooled = [pooled_windows(c, 3) for c in chats]
    files = []
    for run in range(2):
        weights, bias = fit_second(chats, pooled)
        stage = SecondStage(weights, bias, 3, 0.3, 0.6, 0.5, 0.45, {"run": 0})
        folder = tmp_path / str(run)
        folder.mkdir()
        save_second_stage(stage, folder)
        files.append((folder / SECOND_STAGE_FILE).read_bytes())
    assert files[0] == files[1]
    loaded = load_second_stage(tmp_path / "0")
    assert loaded is not None
    assert np.array_equal(loaded.weights, weights)
    assert (loaded.window, loaded.low, loaded.high) == (3, 0.3, 0.6)


def test_the_first_stage_alone_flags_where_the_live_path_does(sources) -> None:
    model = shared_model()
    base = Cascade(sources[:3], cache())
    for source in sources[:3]:
        scored = [score_conversation(model, c) for c in source.conversations]
        reading = reading_of(scored, base.chats[source.name], 0.0)
        first = decide(reading, np.zeros(reading.messages), model.flag, model.high, FIRST_ALONE)
        live = [s.first_flag_index for s in scored]
        assert [None if f == NEVER else int(f) for f in first] == live


def test_windows_hold_only_the_senders_own_recent_messages_and_then_the_others(sources) -> None:
    (chat,) = chats_of(Cascade(sources[:3], cache()).groups[sources[0].name][:1], cache())
    alone, both = pooled_windows(chat, 1), pooled_windows(chat, 2, others=True)
    for at, sender in enumerate(chat.senders):
        assert np.allclose(alone[at], pool(chat.vectors[at]), atol=1e-6)
        mine = [j for j in range(at + 1) if chat.senders[j] == sender][-2:]
        theirs = [j for j in range(at + 1) if chat.senders[j] != sender][-2:]
        assert np.allclose(both[at, :DIMENSIONS], pool(chat.vectors[mine]), atol=1e-6)
        wanted = pool(chat.vectors[theirs]) if theirs else np.zeros(DIMENSIONS)
        assert np.allclose(both[at, DIMENSIONS:], wanted, atol=1e-6)


# -- the live path, which no second stage reaches while none is shipped ---------------------
# Recorded at commit bc43180, before the second stage existed, and again when model.json was
# refitted on eleven sources (47f3937): a refit changes the signals, the second stage must not.
LIVE_DIGEST = "dfc99b1ef58e6188042bd28ad8ec51dfc17ad171c096dd01e75b85f3a84f8fff"


def _account(name: str, age: int | None, when: datetime) -> Account:
    return Account(
        account_id=name, first_seen_at=when, declared_ages=(DeclaredAge(age=age, declared_at=when),)
    )


def live_signals(conversation: dict) -> list[dict]:
    """Every signal the live detector gives, message by message, in plain data."""
    detector = GroomingDetector()
    ages = {n: p.get("declared_age") for n, p in conversation["participants"].items()}
    state, out = None, []
    for at, m in enumerate(conversation["messages"]):
        others = [n for n in ages if n != m["sender"]]
        raw = {
            "type": "message",
            "event_id": f"{conversation['conversation_id']}-{at}",
            "occurred_at": m["ts"],
            "actor_id": m["sender"],
            "recipient_ids": others,
            "conversation_id": conversation["conversation_id"],
            "text": m["text"],
        }
        event = EVENT_ADAPTER.validate_python(raw)
        when = event.occurred_at
        context = DetectorContext(
            now=when,
            actor=_account(m["sender"], ages[m["sender"]], when),
            targets=tuple(_account(n, ages[n], when) for n in others),
        )
        signals, state = detector.observe_in_conversation(event, context, state)
        out += [
            {
                "kind": s.kind,
                "score": round(s.score, 6),
                "explanation": s.explanation,
                "events": list(s.evidence.event_ids),
                "details": s.evidence.details,
            }
            for s in signals
        ]
    return out


def test_the_live_path_without_a_second_stage_is_unchanged() -> None:
    assert not (MODEL_PATH.parent / SECOND_STAGE_FILE).exists()
    project = read_sources(DATA)[0]
    chosen = project.conversations[:6]
    found = json.dumps([live_signals(c) for c in chosen], sort_keys=True, default=str)
    assert hashlib.sha256(found.encode()).hexdigest() == LIVE_DIGEST
