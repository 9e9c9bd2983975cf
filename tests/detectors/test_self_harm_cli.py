"""The self-harm CLI (classify-text, eval, leave one source out) and the fitting script.

Texts here show warning signs only in general words; none describes a method.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from safeguarding.adapters.cli import text as text_cli
from safeguarding.detectors.text.normalise import normalise
from safeguarding.detectors.text.self_harm_model import shared_model
from tests.detectors.self_harm_data import DATA, VEILED, load_fit_script, read_split


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


def test_the_default_sources_are_the_project_and_each_independent_set_never_the_test_split() -> (
    None
):
    from safeguarding.detectors.text.self_harm_sources import default_layout

    layout = default_layout(DATA)
    assert set(layout) == {"project", *(f"b{n}" for n in range(1, 11))}
    files = [
        path for scored, fit_only in layout.values() for pair in scored + fit_only for path in pair
    ]
    assert not [path for path in files if path and path.name.startswith("test.")]
    assert layout["project"][1] == [(DATA / "extra_train.jsonl", None)]  # fitted on, never scored
