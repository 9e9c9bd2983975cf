"""Reading conversations message by message, as the live path does, and measuring the result.

Used by ``safeguarding score-conversations`` and ``safeguarding eval grooming``
and by ``scripts/fit_grooming.py``. The Conversation JSONL and Labels JSONL
formats are the ones in DESIGN.md. The measures follow PAN 2012's
sexual-predator task (conversation-level precision, recall and F0.5) plus
the early-warning figures the issue asks for: the share of grooming
conversations flagged no later than three messages after the labelled onset,
and the median number of messages from onset to flag.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from safeguarding.detectors.text.grooming_model import (
    ConversationState,
    GroomingModel,
    Profile,
)

EARLY_MESSAGES = 3


@dataclass(frozen=True, slots=True)
class Scored:
    """One conversation's outcome (the DESIGN.md output line) and its risk after each message."""

    conversation_id: str
    flagged: bool
    risk: float
    first_flag_index: int | None
    reasons: tuple[str, ...]
    risks: tuple[float, ...] = ()

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


def score_conversation(model: GroomingModel, conversation: dict[str, Any]) -> Scored:
    """Replay a conversation through ``GroomingModel.update``, one message at a time."""
    state = ConversationState()
    profiles = profiles_of(conversation)
    risks: list[float] = []
    reasons: tuple[str, ...] = ()
    peak = 0.0
    for at, message in enumerate(conversation["messages"]):
        when = datetime.fromisoformat(message["ts"].replace("Z", "+00:00"))
        found = model.update(state, message["sender"], message["text"], when, f"m{at}", profiles)
        risks.append(found.risk)
        if found.risk >= peak:
            peak, reasons = found.risk, found.reasons
    return Scored(
        conversation["conversation_id"],
        state.first_flag_index is not None,
        peak,
        state.first_flag_index,
        reasons[:6],
        tuple(risks),
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

    def row(self) -> list[str]:
        delay = "-" if self.median_delay is None else f"{self.median_delay:g}"
        return [
            f"{self.precision:.3f}",
            f"{self.recall:.3f}",
            f"{self.f05:.3f}",
            f"{self.false_positive_rate:.3f}",
            f"{self.early_share:.3f}",
            delay,
        ]


def figures(scored: Sequence[Scored], labels: dict[str, dict[str, Any]]) -> Figures:
    """Precision, recall, F0.5, benign FPR, early share and delay, and per-category counts."""
    tp = fp = fn = tn = early = 0
    delays: list[int] = []
    by_category: dict[str, list[int]] = {}
    for s in scored:
        label = labels[s.conversation_id]
        counts = by_category.setdefault(label.get("category") or label["label"], [0, 0])
        counts[0] += s.flagged
        counts[1] += 1
        if label["label"] == "grooming":
            tp, fn = tp + s.flagged, fn + (not s.flagged)
            if s.flagged and s.first_flag_index is not None:
                delay = s.first_flag_index - (label.get("onset_index") or 0)
                delays.append(delay)
                early += delay <= EARLY_MESSAGES
        else:
            fp, tn = fp + s.flagged, tn + (not s.flagged)
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
    )


def at_threshold(scored: Iterable[Scored], threshold: float) -> list[Scored]:
    """The same replays read at another flag threshold (for choosing it)."""
    out = []
    for s in scored:
        first = next((i for i, r in enumerate(s.risks) if r >= threshold), None)
        out.append(Scored(s.conversation_id, first is not None, s.risk, first, s.reasons, s.risks))
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
