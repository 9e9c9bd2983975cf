"""The self-harm and suicide detector: contract, shipped-model targets, teen register, classes.

The CLI and the fitting script are tested in test_self_harm_cli.py.

Texts here show warning signs only in general words; none describes a method.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from safeguarding.demo import demo_events
from safeguarding.detectors.text.keyword_baseline import KeywordBaseline
from safeguarding.detectors.text.normalise import Lexicon, expand, normalise
from safeguarding.detectors.text.self_harm import SelfHarmDetector
from safeguarding.detectors.text.self_harm_model import (
    ACTION_LABELS,
    IDIOM,
    Featuriser,
    SelfHarmModel,
    shared_model,
)
from safeguarding.detectors.text.self_harm_read import CompoundReader
from safeguarding.domain.events import Event
from safeguarding.testing import DetectorContract
from tests.detectors.self_harm_data import (
    ACTION_EXAMPLES,
    NO_ACTION_EXAMPLES,
    ROOT,
    VEILED,
    read_split,
)
from tests.factories import BASE, at, event, media, message, next_id


def post(text: str) -> Event:
    return event(
        {
            "type": "post",
            "event_id": next_id("post"),
            "occurred_at": at(),
            "actor_id": "kid1",
            "text": text,
        }
    )


class TestSelfHarmDetector(DetectorContract):
    def make_detector(self) -> SelfHarmDetector:
        return SelfHarmDetector()

    def positive_event(self) -> Event:
        return event(message(actor="kid1", to="kid2", text=VEILED))

    def test_signal_points_at_cues_without_repeating_the_text(self) -> None:
        ev = self.positive_event()
        (signal,) = self.observe(ev)
        assert signal.kind in ACTION_LABELS
        assert signal.explanation.startswith(f"reads as {signal.kind.replace('_', ' ')} (")
        assert VEILED not in signal.explanation
        assert len(signal.explanation) < 120
        assert signal.evidence.spans
        for span in signal.evidence.spans:
            assert span.event_id == ev.event_id
            assert 0 <= span.start < span.end <= len(VEILED)
        top = signal.evidence.details["label_scores"]
        assert len(top) == 3
        assert signal.kind in top

    def test_reads_posts_and_skips_media(self) -> None:
        assert self.observe(post("honestly i just want to unalive. im so done"))
        assert self.observe(event(media())) == []

    def test_threshold_option_moves_the_decision(self) -> None:
        ev = event(message(text="i just want everything to stop"))
        score = SelfHarmDetector().model.classify_one("i just want everything to stop").score
        strict = SelfHarmDetector.configure({"threshold": min(score + 0.01, 0.99)})
        lenient = SelfHarmDetector.configure({"threshold": max(score - 0.01, 0.01)})
        assert strict.observe(ev, self.context_for(ev)) == []
        assert lenient.observe(ev, self.context_for(ev))

    def test_unknown_option_is_refused(self) -> None:
        with pytest.raises(ValueError, match="threshold"):
            SelfHarmDetector.configure({"treshold": 0.5})


def test_shipped_model_meets_the_targets_on_the_held_out_split() -> None:
    texts, labels = read_split("test")
    found = shared_model().classify(texts)
    truth = np.array([label in ACTION_LABELS for label in labels])
    flagged = np.array([p.action for p in found])
    recall = (flagged & truth).sum() / truth.sum()
    precision = (flagged & truth).sum() / flagged.sum()
    idioms = flagged[np.array(labels) == "idiom_or_hyperbole"].mean()
    assert recall >= 0.90, recall
    assert precision >= 0.85, precision
    assert idioms <= 0.05, idioms


def chat_lines() -> list[str]:
    """Every message of the grooming data set's conversations and of the demo: no self-harm."""
    lines = []
    for path in sorted((ROOT / "datasets" / "grooming").glob("*.conversations.jsonl")):
        for row in map(json.loads, path.open(encoding="utf-8")):
            lines += [m["text"] for m in row["messages"] if m.get("text")]
    demo = [getattr(e, "text", "") for e in demo_events(BASE)]
    return lines + [text for text in demo if text]


def test_everyday_chat_is_seldom_flagged() -> None:
    lines = chat_lines()
    flagged = sum(p.action for p in shared_model().classify(lines))
    assert len(lines) > 4000
    assert flagged / len(lines) <= 0.02, flagged


def test_no_demo_message_is_flagged() -> None:
    texts = [getattr(e, "text", "") for e in demo_events(BASE)]
    texts = [t for t in texts if t]
    assert texts
    assert not [t for t, p in zip(texts, shared_model().classify(texts), strict=True) if p.action]


@pytest.mark.parametrize(
    "text",
    [
        "honestly i just want to unalive myself",
        "gonna kms tonight. not joking this time",
        "been thinking about sewer slide a lot lately",
        "i just want to not be here anymore",
        "su1c1dal again and nobody notices",
        "did self h@rm again last night",
        "everyone would be better off if i wasnt around",
        "kys nobody would miss you",
    ],
)
def test_teen_register_and_coded_words_are_flagged(text: str) -> None:
    assert shared_model().classify_one(text).action, text


@pytest.mark.parametrize(
    "text",
    [
        "this homework is killing me",
        "kms this test 😭 lol",
        "im dead 💀 he fell off his chair",
        "my phone died again",
        "we ran suicides at practice and my legs are gone",
        "see you at practice tomorrow",
        "pls dont",
        "ok i wont",
        "dont tell ur mum, its a surprise",
        "i want to die, the teacher read my essay out loud 😭",
    ],
)
def test_hyperbole_and_everyday_text_are_not_flagged(text: str) -> None:
    assert not shared_model().classify_one(text).action, text


def test_a_text_read_more_likely_as_an_idiom_is_never_flagged() -> None:
    """The idiom veto holds whatever the threshold: P(idiom) >= P(action) means no action."""
    model = shared_model()
    texts = [*read_split("train")[0], "my snap streak is the only thing keeping me alive"]
    vetoed = 0
    for prediction in model.classify(texts, threshold=0.01):
        if prediction.label_scores[IDIOM] >= prediction.score:
            assert not prediction.action
            vetoed += prediction.score >= 0.01
        else:
            assert prediction.action == (prediction.score >= 0.01)
    assert vetoed


def test_the_shipped_embedding_has_unit_length() -> None:
    featuriser = shared_model().featuriser
    assert featuriser.unit_embedding
    for text in ["stop", "i just want everything to stop and i dont know who to tell"]:
        assert np.linalg.norm(featuriser.embed(normalise(text).words)) == pytest.approx(1.0)


def test_normalise_reads_teen_register_and_keeps_original_spans() -> None:
    text = "sooooo tired, i wanna unalive tbh... su1c1dal & self h@rm"
    norm = normalise(text)
    assert norm.text == "soo tired i want to die to be honest suicidal self harm"
    assert [text[a:b] for a, b in norm.spans[:2]] == ["sooooo", "tired"]
    assert text[slice(*norm.span(3, 5))] == "wanna unalive"
    assert normalise("𝓴𝓶𝓼").text == "kill myself"


def test_lexicon_patterns_expand_and_match_whole_words() -> None:
    assert sorted(expand("(want|wish) to die?")) == [
        "want to di",
        "want to die",
        "wish to di",
        "wish to die",
    ]
    lexicon = Lexicon({"finality": ["ready", "last (post|message)"]}, ["finality"])
    assert lexicon.counts(normalise("already done").words) == [0]
    words = normalise("this is my last post. im ready").words
    assert [(name, words[a], words[b]) for name, a, b in lexicon.cues(words)] == [
        ("finality", "last", "post"),
        ("finality", "ready", "ready"),
    ]


def mean_embedding_model() -> SelfHarmModel:
    """The shipped weights over a featuriser that averages without scaling to unit length."""
    model = shared_model()
    f = model.featuriser
    grams = sorted(f.grams, key=f.grams.__getitem__)
    featuriser = Featuriser(f.pieces, f.vectors, f.lexicon, grams, f.idf, unit_embedding=False)
    weights = np.hstack([model.embedding_weights, model.cue_weights])
    return SelfHarmModel(
        featuriser, weights, model.sparse_weights, model.bias, model.threshold, model.labels
    )


@pytest.mark.parametrize("unit", [True, False])
def test_cached_scoring_equals_the_fitted_features(unit: bool) -> None:
    """The per-word fast path computes exactly weights @ features, as in fitting."""
    model = shared_model() if unit else mean_embedding_model()
    featuriser = model.featuriser
    assert featuriser.unit_embedding == unit
    weights = np.hstack([model.embedding_weights, model.cue_weights])
    for text in [*read_split("train")[0][:60], "", "💀💀", "123 456"]:
        norm = normalise(text)
        cols, vals = featuriser.sparse(norm)
        expected = (
            weights @ featuriser.dense(norm) + model.bias + model.sparse_weights[:, cols] @ vals
        )
        assert np.allclose(model.logits(norm), expected, atol=1e-4), text


def test_keyword_baseline_flags_keywords_only() -> None:
    baseline = KeywordBaseline()
    assert baseline.classify_one("kys").action
    assert baseline.classify_one("this homework is killing me, kms").action
    assert not baseline.classify_one(VEILED).action


@pytest.mark.parametrize(("kind", "text"), ACTION_EXAMPLES.items())
def test_the_signal_carries_the_class_it_read(kind: str, text: str) -> None:
    ev = event(message(actor="kid1", to="kid2", text=text))
    detector = SelfHarmDetector()
    (signal,) = detector.observe(ev, TestSelfHarmDetector().context_for(ev))
    assert signal.kind == kind
    assert signal.explanation.startswith(f"reads as {kind.replace('_', ' ')} (")


@pytest.mark.parametrize("text", NO_ACTION_EXAMPLES.values())
def test_recovery_news_and_idiom_raise_no_signal(text: str) -> None:
    ev = event(message(actor="kid1", to="kid2", text=text))
    assert SelfHarmDetector().observe(ev, TestSelfHarmDetector().context_for(ev)) == []


def test_hashtags_and_spaced_letters_are_read_as_words_with_their_spans() -> None:
    reader = CompoundReader(shared_model().featuriser.pieces.vocab)
    text = "#wanttodie k y s #footballtraining u r a star"
    norm = reader.read(text)
    assert norm.text == "want to die kill yourself football training you are a star"
    assert [text[slice(*span)] for span in norm.spans[:5]] == [
        "wanttodie",
        "wanttodie",
        "wanttodie",
        "k y s",
        "k y s",
    ]
    # Only hashtags are split, and only into known words; ordinary long words stay whole.
    assert reader.read("harming panicking").words == ("harming", "panicking")
    assert shared_model().read is not normalise  # the shipped model was fitted reading this way
