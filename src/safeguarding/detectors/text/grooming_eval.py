"""Reading conversations message by message, as the live path does, and measuring the result.

Used by ``safeguarding score-conversations`` and ``safeguarding eval grooming``
and by ``scripts/fit_grooming.py``. The Conversation JSONL and Labels JSONL
formats are the ones in docs/grooming.md. The measures follow PAN 2012's
sexual-predator task (conversation-level precision, recall and F0.5) plus
the early-warning figures the issue asks for: the share of grooming
conversations flagged no later than three messages after the labelled onset,
and the median number of messages from onset to flag; and, for benign
conversations, the false-positive rate among the hard negatives (labels with
``hard_negative: true``) and how many reached the high level.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from safeguarding.detectors.text.grooming_model import GroomingModel
from safeguarding.detectors.text.grooming_state import ConversationState, Profile, pair_key

EARLY_MESSAGES = 3


@dataclass(frozen=True, slots=True)
class Scored:
    """One conversation's outcome (a `score-conversations` output line) and its risk after
    each message."""

    conversation_id: str
    flagged: bool
    risk: float
    first_flag_index: int | None
    reasons: tuple[str, ...]
    risks: tuple[float, ...] = ()
    corroborated: tuple[bool, ...] = ()  # per message: whether the high level was allowed
    reached_high: bool = False
    cued: tuple[bool, ...] = ()  # per message: whether the writer had shown a stage
    writers: tuple[str | None, ...] = ()  # per message: the riskiest pair's writer

    def line(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "flagged": self.flagged,
            "risk": round(self.risk, 4),
            "first_flag_index": self.first_flag_index,
            "reasons": list(self.reasons),
        }


def profiles_of(conversation: dict[str, Any]) -> dict[str, Profile]:
    return {
        name: Profile(
            declared_age=facts.get("declared_age"),
            account_age_days=facts.get("account_age_days"),
        )
        for name, facts in conversation["participants"].items()
    }


def links_of(conversation: dict[str, Any]) -> dict[str, str]:
    """The optional ``relationships`` of a Conversation JSONL line, keyed as the state keeps them:
    ``[{"between": ["A", "B"], "relationship": "family"}]``."""
    return {
        pair_key(*row["between"]): row["relationship"]
        for row in conversation.get("relationships") or ()
    }


def score_conversation(model: GroomingModel, conversation: dict[str, Any]) -> Scored:
    """Replay a conversation through ``GroomingModel.update``, one message at a time."""
    state = ConversationState(links=links_of(conversation))
    profiles = profiles_of(conversation)
    risks: list[float] = []
    corroborated: list[bool] = []
    cued: list[bool] = []
    writers: list[str | None] = []
    reasons: tuple[str, ...] = ()
    peak, high = 0.0, False
    for at, message in enumerate(conversation["messages"]):
        when = datetime.fromisoformat(message["ts"].replace("Z", "+00:00"))
        found = model.update(state, message["sender"], message["text"], when, f"m{at}", profiles)
        risks.append(found.risk)
        corroborated.append(found.corroborated)
        cued.append(found.cued)
        writers.append(found.writer)
        high = high or found.level == "high"
        if found.risk >= peak:
            peak, reasons = found.risk, found.reasons
    return Scored(
        conversation["conversation_id"],
        state.first_flag_index is not None,
        peak,
        state.first_flag_index,
        reasons[:6],
        tuple(risks),
        tuple(corroborated),
        high,
        tuple(cued),
        tuple(writers),
    )


@dataclass
class Figures:
    """Conversation-level figures for one scorer on one labelled set."""

    precision: float
    recall: float
    f05: float
    false_positive_rate: float
    early_share: float
    median_delay: float | None
    by_category: dict[str, tuple[int, int]] = field(default_factory=dict)  # flagged, total
    hard_negative_rate: float | None = None  # None when no label marks hard negatives
    benign_high: int = 0
    grooming_high: float = 0.0  # share of grooming conversations that reached the high level

    def row(self) -> list[str]:
        delay = "-" if self.median_delay is None else f"{self.median_delay:g}"
        return [
            f"{self.precision:.3f}",
            f"{self.recall:.3f}",
            f"{self.f05:.3f}",
            f"{self.false_positive_rate:.3f}",
            f"{self.early_share:.3f}",
            delay,
            str(self.benign_high),
        ]


def figures(scored: Sequence[Scored], labels: dict[str, dict[str, Any]]) -> Figures:
    """Precision, recall, F0.5, benign FPR, early share and delay, and per-category counts."""
    tp = fp = fn = tn = early = hard = hard_fp = benign_high = grooming_high = 0
    delays: list[int] = []
    by_category: dict[str, list[int]] = {}
    for s in scored:
        label = labels[s.conversation_id]
        counts = by_category.setdefault(label.get("category") or label["label"], [0, 0])
        counts[0] += s.flagged
        counts[1] += 1
        if label["label"] == "grooming":
            tp, fn = tp + s.flagged, fn + (not s.flagged)
            grooming_high += s.reached_high
            if s.flagged and s.first_flag_index is not None:
                delay = s.first_flag_index - (label.get("onset_index") or 0)
                delays.append(delay)
                early += delay <= EARLY_MESSAGES
        else:
            fp, tn = fp + s.flagged, tn + (not s.flagged)
            benign_high += s.reached_high
            if label.get("hard_negative"):
                hard, hard_fp = hard + 1, hard_fp + s.flagged
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f05 = 1.25 * precision * recall / (0.25 * precision + recall) if precision + recall else 0.0
    return Figures(
        precision,
        recall,
        f05,
        fp / (fp + tn) if fp + tn else 0.0,
        early / (tp + fn) if tp + fn else 0.0,
        statistics.median(delays) if delays else None,
        {k: (v[0], v[1]) for k, v in sorted(by_category.items())},
        hard_fp / hard if hard else None,
        benign_high,
        grooming_high / (tp + fn) if tp + fn else 0.0,
    )


def at_threshold(
    scored: Iterable[Scored],
    threshold: float,
    high: float | None = None,
) -> list[Scored]:
    """The same replays read at other thresholds (for choosing them); ``high`` None: never.
    As in ``GroomingModel.level``, no level before the writer has shown a stage."""
    out = []
    for s in scored:
        cues = s.cued or (True,) * len(s.risks)
        reached = high is not None and any(
            r >= high and ok for r, ok in zip(s.risks, s.corroborated, strict=True)
        )
        first = next(
            (i for i, (r, c) in enumerate(zip(s.risks, cues, strict=True)) if r >= threshold and c),
            None,
        )
        out.append(
            Scored(
                s.conversation_id,
                first is not None,
                s.risk,
                first,
                s.reasons,
                s.risks,
                s.corroborated,
                reached,
                s.cued,
            )
        )
    return out


# -- the keyword-list baseline --------------------------------------------------------
KEYWORDS = (
    "how old",
    "secret",
    "dont tell",
    "don't tell",
    "delete",
    "send me a pic",
    "send a pic",
    "pic of you",
    "photo of you",
    "video call",
    "facetime",
    "snapchat",
    "whatsapp",
    "your number",
    "ur number",
    "meet up",
    "meet me",
    "mature for your age",
    "mature for ur age",
    "home alone",
)
_KEYWORD_RE = re.compile("|".join(re.escape(k) for k in KEYWORDS))


def keyword_baseline(conversation: dict[str, Any]) -> Scored:
    """Flag a conversation at its first message containing a listed phrase (lowercased)."""
    for at, message in enumerate(conversation["messages"]):
        found = _KEYWORD_RE.search(message["text"].lower())
        if found:
            return Scored(conversation["conversation_id"], True, 1.0, at, (found.group(0),))
    return Scored(conversation["conversation_id"], False, 0.0, None, ())


# -- the model must not score on the hour or on length --------------------------------
SMALL_TALK = (
    "what are you having for tea tonight",
    "my phone battery is nearly dead",
    "the weather has been rubbish all week",
    "my cat knocked a cup off the table again",
)


def shifted(conversation: dict[str, Any], hours: int) -> dict[str, Any]:
    """The same conversation with every timestamp moved by ``hours``."""
    moved = [
        message
        | {"ts": (_when(message) + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")}
        for message in conversation["messages"]
    ]
    return conversation | {"messages": moved}


def padded(conversation: dict[str, Any], count: int) -> dict[str, Any]:
    """The same conversation after ``count`` small-talk messages from its participants."""
    names = list(conversation["participants"])
    start = _when(conversation["messages"][0]) - timedelta(minutes=count + 1)
    pads = [
        {
            "sender": names[at % len(names)],
            "text": SMALL_TALK[at % len(SMALL_TALK)],
            "ts": (start + timedelta(minutes=at)).isoformat().replace("+00:00", "Z"),
        }
        for at in range(count)
    ]
    return conversation | {"messages": pads + conversation["messages"]}


def invariance(model: GroomingModel, conversations: Iterable[dict[str, Any]]) -> float:
    """The largest change of a conversation's final risk when its timestamps move by 1 to 23
    hours or 10 small-talk messages come first (0 when neither hour nor length is scored)."""
    worst = 0.0
    for conversation in conversations:
        final = score_conversation(model, conversation).risks[-1]
        variants = [shifted(conversation, h) for h in (1, 7, 13, 23)] + [padded(conversation, 10)]
        for variant in variants:
            worst = max(worst, abs(score_conversation(model, variant).risks[-1] - final))
    return worst


def _when(message: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(message["ts"].replace("Z", "+00:00"))
