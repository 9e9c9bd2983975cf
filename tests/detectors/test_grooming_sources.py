"""Leave-one-author-out, the hour and length the model must not read, and corroborated highs.

Conversations here show only non-explicit warning signs (age questions, flattery, secrecy,
photo requests, moving apps, arranging to meet).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from safeguarding.adapters.cli.main import app
from safeguarding.detectors.text.grooming_eval import (
    padded,
    profiles_of,
    score_conversation,
    shifted,
)
from safeguarding.detectors.text.grooming_model import ConversationState, shared_model
from safeguarding.detectors.text.grooming_sources import mark_hard_negatives, read_sources
from tests.detectors.test_grooming import DATA, seed_case

GROOMING_LINES = (
    "hey ur so mature for ur age",
    "how old r u",
    "dont tell ur mum about me ok",
    "add me on snap its more private",
    "send me a pic of u",
    "lets meet up saturday just us two",
)
BENIGN_LINES = (
    "are you coming to practice on tuesday",
    "yes mum is driving me",
    "great, bring your boots",
    "what time does it finish",
    "half five, see you there",
    "ok thanks",
)


def conversation(
    cid: str,
    lines: tuple[str, ...],
    adult: int = 30,
    senders: str = "ab",
    child: int = 13,
    **extra,
) -> dict:
    """A chat between adult ``a`` and ``b`` (13 unless said); ``senders`` cycles through who
    writes."""
    start = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    return {
        "conversation_id": cid,
        "participants": {
            "a": {"declared_age": adult, "account_age_days": 400},
            "b": {"declared_age": child, "account_age_days": 300},
        },
        "messages": [
            {
                "sender": senders[at % len(senders)],
                "text": text,
                "ts": (start + timedelta(minutes=at)).isoformat().replace("+00:00", "Z"),
            }
            for at, text in enumerate(lines)
        ],
        **extra,
    }


def write_source(folder: Path, name: str, prefix: str = "") -> None:
    conversations, labels = [], []
    for at in range(3):
        cid = f"{name}-g{at}"
        conversations.append(
            conversation(cid, GROOMING_LINES[at:] + GROOMING_LINES[:at], senders="a")
        )
        labels.append({"conversation_id": cid, "label": "grooming", "onset_index": 0})
        cid = f"{name}-b{at}"
        conversations.append(conversation(cid, BENIGN_LINES))
        labels.append(
            {"conversation_id": cid, "label": "benign", "onset_index": None, "hard_negative": True}
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{prefix}conversations.jsonl").write_text(
        "".join(json.dumps(c) + "\n" for c in conversations), encoding="utf-8"
    )
    (folder / f"{prefix}labels.jsonl").write_text(
        "".join(json.dumps(x) + "\n" for x in labels), encoding="utf-8"
    )


def test_by_source_fits_on_the_others_and_scores_each_source_left_out(tmp_path: Path) -> None:
    write_source(tmp_path, "own", "train.")
    write_source(tmp_path / "independent" / "x1", "x1")
    write_source(tmp_path / "independent" / "x2", "x2")
    (tmp_path / "test.conversations.jsonl").write_text("never read\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["eval", "grooming", "--by-source", "--data", str(tmp_path)], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    rows = {line.split("\t")[0]: line for line in result.stdout.splitlines() if "\t" in line}
    assert {"project", "x1", "x2", "worst", "mean"} <= set(rows)
    assert "hour and length: final risk moved by at most 0.0000" in result.stdout


def test_by_source_needs_two_sources(tmp_path: Path) -> None:
    write_source(tmp_path / "independent" / "x1", "x1")
    result = CliRunner().invoke(app, ["eval", "grooming", "--by-source", "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert "needs two or more sources" in result.stderr


def test_hard_negatives_come_from_labels_then_the_readme(tmp_path: Path) -> None:
    labels = {i: {"conversation_id": i, "label": "benign"} for i in ("s-001", "s-002", "s-003")}
    readme = tmp_path / "README.md"
    readme.write_text("Easy negative ids: s-002\n", encoding="utf-8")
    assert "README" in mark_hard_negatives(labels, readme)
    assert [labels[i]["hard_negative"] for i in sorted(labels)] == [True, False, True]


def test_the_shipped_sources_are_the_project_fitting_part_and_ten_authors() -> None:
    sources = {s.name: s for s in read_sources(DATA)}
    assert set(sources) == {"project", *(f"a{n}" for n in range(1, 11))}
    assert "seed_case" not in sources["project"].labels  # the test split stays held out
    a1_benign = [x for x in sources["a1"].labels.values() if x["label"] == "benign"]
    assert sum(x["hard_negative"] for x in a1_benign) == 38  # a1's README lists them


# -- the model reads neither the hour nor the conversation's length ----------------------
@settings(max_examples=15, deadline=None)
@given(hours=st.integers(min_value=-23, max_value=23), pads=st.integers(min_value=0, max_value=12))
def test_risk_moves_neither_with_the_hour_nor_with_small_talk(hours: int, pads: int) -> None:
    model = shared_model()
    for original in (seed_case(), conversation("family", BENIGN_LINES)):
        before = score_conversation(model, original)
        after = score_conversation(model, padded(shifted(original, hours), pads))
        assert abs(after.risks[-1] - before.risks[-1]) < 1e-9
        assert after.flagged == before.flagged
        if before.first_flag_index is not None:
            assert after.first_flag_index == before.first_flag_index + pads


# -- the high level needs corroboration ----------------------------------------------------
ONE_ALARMING_MESSAGE = (
    "how old r u, ur so mature for ur age, dont tell ur mum, send me a pic, "
    "add me on snap and lets meet up alone, ill buy u robux"
)


def test_a_single_alarming_message_never_reaches_high() -> None:
    model = shared_model()
    alone = conversation("one", (ONE_ALARMING_MESSAGE,), senders="a")
    scored = score_conversation(model, alone)
    assert scored.risks[-1] >= model.high  # the risk alone would be high ...
    assert not scored.reached_high  # ... but one message is never corroboration


def corroborated_after(chat: dict) -> bool:
    """Whether the evidence for "a grooms b" would allow the high level after the chat."""
    model, state = shared_model(), ConversationState()
    for at, m in enumerate(chat["messages"]):
        when = datetime.fromisoformat(m["ts"].replace("Z", "+00:00"))
        model.update(state, m["sender"], m["text"], when, f"m{at}", profiles_of(chat))
    return model.corroborated(state, "a", "b", model.corroboration(state, "a", "b"))


def test_a_chat_between_adults_is_never_corroborated_for_high() -> None:
    assert not corroborated_after(conversation("adults", GROOMING_LINES, senders="a", child=29))
    assert corroborated_after(conversation("minor", GROOMING_LINES, senders="a"))


def test_a_family_linked_pick_up_does_not_reach_high_and_scores_lower() -> None:
    model = shared_model()
    lines = (
        "its grandad, i will pick you up from school at 3",
        "ok",
        "dont tell your mum, its a surprise for her birthday",
        "i wont",
        "send me a pic of the card you made",
        "[photo]",
        "lovely, we can meet at the cafe after, just us two",
    )
    family = [{"between": ["a", "b"], "relationship": "family"}]
    linked = score_conversation(model, conversation("pickup", lines, 68, relationships=family))
    unlinked = score_conversation(model, conversation("pickup", lines, 68))
    assert not linked.reached_high
    assert linked.risks[-1] < unlinked.risks[-1]


def test_an_unconnected_adult_scores_higher_than_an_unknown_link() -> None:
    model = shared_model()
    none = [{"between": ["a", "b"], "relationship": "none"}]
    known = score_conversation(
        model, conversation("g", GROOMING_LINES[:2], senders="a", relationships=none)
    )
    unknown = score_conversation(model, conversation("g", GROOMING_LINES[:2], senders="a"))
    assert known.risks[-1] > unknown.risks[-1]


def test_score_conversations_reads_relationships_and_keeps_its_output(tmp_path: Path) -> None:
    lines = ("its grandad, i will pick you up from school at 3", "ok") * 3
    family = [{"between": ["a", "b"], "relationship": "family"}]
    source = tmp_path / "family.jsonl"
    source.write_text(
        json.dumps(conversation("f", lines, 68, relationships=family)) + "\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["score-conversations", str(source)])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    assert set(line) == {"conversation_id", "flagged", "risk", "first_flag_index", "reasons"}


def test_score_conversations_names_a_bad_relationship(tmp_path: Path) -> None:
    bad = [{"between": ["a", "nobody"], "relationship": "family"}]
    wrong = [{"between": ["a", "b"], "relationship": "best_mate"}]
    source = tmp_path / "bad.jsonl"
    rows = [conversation("x", BENIGN_LINES, relationships=r) for r in (bad, wrong)]
    for at, row in enumerate(rows):
        source.write_text(json.dumps(row) + "\n", encoding="utf-8")
        result = CliRunner().invoke(app, ["score-conversations", str(source)])
        assert result.exit_code == 2
        said = " ".join(result.stderr.split())
        assert ("between must name two participants", "must be one of family")[at] in said
