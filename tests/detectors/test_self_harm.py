"""The self-harm and suicide detector: contract, shipped-model targets, teen register, CLI, fitting.

Texts here show warning signs only in general words; none describes a method.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from safeguarding.adapters.cli import text as text_cli
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
from tests.factories import BASE, at, event, media, message, next_id

ROOT = Path(__file__).parents[2]
DATA = ROOT / "datasets" / "self_harm"
VEILED = "ive written letters to everyone and given my stuff away. wont be a problem much longer"


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


def read_split(name: str) -> tuple[list[str], list[str]]:
    texts = [json.loads(line) for line in (DATA / f"{name}.texts.jsonl").open(encoding="utf-8")]
    labels = {r["id"]: r["label"] for r in map(json.loads, (DATA / f"{name}.labels.jsonl").open())}
    return [r["text"] for r in texts], [labels[r["id"]] for r in texts]


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


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("classify-text")(text_cli.classify_text)
    evaluate = typer.Typer()
    evaluate.command("self-harm")(text_cli.eval_self_harm)
    app.add_typer(evaluate, name="eval")
    return app


def test_classify_text_prints_one_json_line_per_text(tmp_path: Path) -> None:
    source = tmp_path / "texts.jsonl"
    source.write_text(
        json.dumps({"id": "a", "text": VEILED})
        + "\n"
        + json.dumps({"id": "b", "text": "omw"})
        + "\n"
    )
    result = CliRunner().invoke(cli(), ["classify-text", str(source)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [set(r) for r in rows] == [{"id", "label", "action", "score"}] * 2
    assert (rows[0]["id"], rows[0]["action"], rows[1]["action"]) == ("a", True, False)
    assert all(isinstance(r["score"], float) and 0 <= r["score"] <= 1 for r in rows)


def test_classify_text_names_the_bad_line(tmp_path: Path) -> None:
    source = tmp_path / "texts.jsonl"
    source.write_text('{"id": "a", "text": "hi"}\nnot json\n')
    result = CliRunner().invoke(cli(), ["classify-text", str(source)])
    assert result.exit_code == 2
    assert "texts.jsonl:2: not JSON" in result.output


def test_eval_prints_figures_beside_the_keyword_baseline(tmp_path: Path) -> None:
    texts, labels = tmp_path / "t.jsonl", tmp_path / "l.jsonl"
    items = [
        ("a", VEILED, "intent_or_plan"),
        ("b", "this homework is killing me", "idiom_or_hyperbole"),
    ]
    texts.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t, _ in items))
    labels.write_text("".join(json.dumps({"id": i, "label": lab}) + "\n" for i, _, lab in items))
    result = CliRunner().invoke(
        cli(),
        ["eval", "self-harm", "--texts", str(texts), "--labels", str(labels)],
        terminal_width=160,
    )
    assert result.exit_code == 0, result.output
    for heading in ("Action decision", "Flagged for action, by true label", "Label confusion"):
        assert heading in result.output
    assert "keyword baseline" in result.output
    recall = next(line for line in result.output.splitlines() if "recall" in line)
    assert recall.split("\t")[1:3] == ["1.000", "0.000"]


def load_fit_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fit_self_harm", ROOT / "scripts" / "fit_self_harm.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["fit_self_harm"] = module
    spec.loader.exec_module(module)
    return module


def test_fitting_is_reproducible() -> None:
    fitting = load_fit_script()
    texts, labels = read_split("train")
    norms, labels = [normalise(t) for t in texts[:90]], labels[:90]
    base = shared_model().featuriser
    config = fitting.Config(c=1.0, max_ngrams=300)
    first = fitting.fit(norms, labels, base, config)
    second = fitting.fit(norms, labels, base, config)
    assert np.array_equal(first.sparse_weights, second.sparse_weights)
    assert np.array_equal(first.embedding_weights, second.embedding_weights)
    assert np.array_equal(first.bias, second.bias)
    assert list(first.featuriser.grams) == list(second.featuriser.grams)


def test_threshold_is_the_highest_that_clears_every_target_with_room() -> None:
    fitting = load_fit_script()
    labels = ["ideation"] * 10 + ["benign"] * 10 + ["idiom_or_hyperbole"] * 10
    action = np.linspace(0.6, 0.95, 10)
    scores = np.concatenate([action, np.full(10, 0.05), np.full(10, 0.2)])[None, :]
    assert fitting.choose_threshold(scores, labels) == pytest.approx(0.6)
    # Where no threshold leaves room, the one that clears the targets by the most.
    crowded = np.concatenate([action, np.full(10, 0.7), np.full(10, 0.2)])[None, :]
    chosen = fitting.choose_threshold(crowded, labels)
    best = max(
        fitting.margin(fitting.figures(crowded, labels, t)) for t in np.arange(0.1, 0.9, 0.01)
    )
    assert fitting.margin(fitting.figures(crowded, labels, chosen)) == pytest.approx(best)


# -- Leave one source out (issue #16) ------------------------------------------------------

SYNTHETIC = {
    "ideation": ["i want to die", "i dont want to be here anymore", "i wish i was never born"],
    "encouragement": ["kys nobody would miss you", "just do it already, go die"],
    "idiom_or_hyperbole": ["this homework is killing me", "kms this test lol", "im dead 💀"],
    "benign": ["see you at practice", "omw", "what time is the bus", "nice goal"],
}


def write_source(folder: Path, size: int, offset: int) -> tuple[Path, Path]:
    """A small labelled source of ``size`` items, the synthetic texts varied by a suffix."""
    folder.mkdir(parents=True, exist_ok=True)
    pairs = [(t, label) for label, texts in SYNTHETIC.items() for t in texts]
    rows = [(f"{text} {'x' * (1 + (offset + i) % 3)}", lab) for i, (text, lab) in enumerate(pairs)]
    rows = rows[:size]
    texts, labels = folder / "texts.jsonl", folder / "labels.jsonl"
    texts.write_text(
        "".join(json.dumps({"id": f"i{i}", "text": t}) + "\n" for i, (t, _) in enumerate(rows))
    )
    labels.write_text(
        "".join(json.dumps({"id": f"i{i}", "label": lab}) + "\n" for i, (_, lab) in enumerate(rows))
    )
    return texts, labels


def by_source_args(tmp_path: Path, sizes: dict[str, int]) -> list[str]:
    args = ["eval", "self-harm", "--by-source"]
    for offset, (name, size) in enumerate(sizes.items()):
        texts, labels = write_source(tmp_path / name, size, offset)
        args += ["--source", f"{name}={texts},{labels}"]
    return args


def test_by_source_prints_a_row_per_left_out_source_the_worst_and_the_mean(
    tmp_path: Path,
) -> None:
    args = by_source_args(tmp_path, {"alpha": 12, "beta": 11, "gamma": 10})
    result = CliRunner().invoke(cli(), args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Leave one source out" in result.output
    rows = {line.split("\t")[0]: line for line in result.output.splitlines() if "\t" in line}
    for name, size in {"alpha": 12, "beta": 11, "gamma": 10}.items():
        assert rows[name].split("\t")[1] == str(size)
    assert {"worst", "mean"} <= set(rows)
    assert "Flagged for action by true label" in result.output


def test_by_source_chooses_each_threshold_without_the_left_out_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each fold's thresholds and band see only the training sources' held-out readings."""
    from safeguarding.detectors.text import self_harm_second_fit

    chosen, staged = self_harm_second_fit.choose_threshold_worst, self_harm_second_fit.choose_stage
    seen: list[list[int]] = []
    seen_by_stage: list[list[int]] = []

    def spy(groups: list[tuple[np.ndarray, list[str]]], *args: float) -> float:
        seen.append(sorted(len(labels) for _, labels in groups))
        return chosen(groups, *args)

    def stage_spy(readings: list, first_threshold: float, everyday: np.ndarray) -> object:
        seen_by_stage.append(sorted(len(r.labels) for r in readings))
        return staged(readings, first_threshold, everyday)

    monkeypatch.setattr(self_harm_second_fit, "choose_threshold_worst", spy)
    monkeypatch.setattr(self_harm_second_fit, "choose_stage", stage_spy)
    args = by_source_args(tmp_path, {"alpha": 12, "beta": 11, "gamma": 10})
    result = CliRunner().invoke(cli(), args, terminal_width=200)
    assert result.exit_code == 0, result.output
    # alpha (12 items) left out first, then beta (11), then gamma (10).
    assert seen == [[10, 11], [10, 12], [11, 12]]
    assert seen_by_stage == seen


def test_by_source_never_scores_fit_only_items(tmp_path: Path) -> None:
    args = by_source_args(tmp_path, {"alpha": 12, "beta": 11, "gamma": 10})
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"id": "e1", "text": "heading out now", "label": "benign"}) + "\n")
    result = CliRunner().invoke(cli(), [*args, "--fit-only", f"alpha={extra}"], terminal_width=200)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("alpha\t"))
    assert row.split("\t")[1] == "12"


@pytest.mark.parametrize(
    ("extra_args", "problem"),
    [
        (["--source", "alpha"], "expected NAME=TEXTS,LABELS"),
        (["--source", "alpha=/no/such.jsonl"], "no such file"),
        (["--fit-only", "zeta=/no/such.jsonl"], "no --source named zeta"),
    ],
)
def test_by_source_names_a_bad_source(tmp_path: Path, extra_args: list[str], problem: str) -> None:
    args = by_source_args(tmp_path, {"alpha": 12, "beta": 11, "gamma": 10})
    result = CliRunner().invoke(cli(), [*args, *extra_args], terminal_width=200)
    assert result.exit_code == 2
    assert problem in result.output


def test_eval_needs_texts_and_labels_or_by_source() -> None:
    result = CliRunner().invoke(cli(), ["eval", "self-harm"])
    assert result.exit_code == 2
    assert "--by-source" in result.output


def test_refitting_writes_byte_identical_files(tmp_path: Path) -> None:
    from safeguarding.detectors.text.self_harm_fit import Config, fit, save

    texts, labels = read_split("train")
    norms, labels = [normalise(t) for t in texts[:90]], labels[:90]
    base = shared_model().featuriser
    config = Config(c=1.0, max_ngrams=300)
    digests = []
    for run in ("one", "two"):
        (tmp_path / run).mkdir()
        save(fit(norms, labels, base, config, 0.4, ["a", "b", "c"] * 30), tmp_path / run)
        digests.append((tmp_path / run / "classifier.npz").read_bytes())
    assert digests[0] == digests[1]


# One example per class, shared with the policy tests (tests/api/test_self_harm_policy.py).
ACTION_EXAMPLES = {
    "ideation": "honestly i just want to unalive myself, i dont see the point anymore",
    "intent_or_plan": "this is my last post. ive written letters to everyone. goodbye tonight",
    "self_harm_disclosure": "i self harmed again last night. i keep doing it",
    "encouragement": "kys nobody would miss you. just do it already",
}
NO_ACTION_EXAMPLES = {
    "recovery_support": "one year self harm free today. if youre struggling, talk to someone",
    "news_or_education": "a new study reports that rates of self-harm among teenagers have risen",
    "idiom_or_hyperbole": "this homework is killing me lol",
}


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


def test_the_default_sources_are_the_project_and_each_independent_set_never_the_test_split() -> (
    None
):
    from safeguarding.detectors.text.self_harm_sources import default_layout

    layout = default_layout(DATA)
    assert sorted(layout) == ["b1", "b2", "b3", "b4", "b5", "b6", "b7", "project"]
    files = [
        path for scored, fit_only in layout.values() for pair in scored + fit_only for path in pair
    ]
    assert not [path for path in files if path and path.name.startswith("test.")]
    assert layout["project"][1] == [(DATA / "extra_train.jsonl", None)]  # fitted on, never scored
