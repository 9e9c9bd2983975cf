"""Signals: what a detector saw, with the evidence a moderator checks in seconds."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from safeguarding.domain.banks import BankHarm


class SubjectKind(StrEnum):
    """What a signal is about."""

    CONTENT = "content"
    ACCOUNT = "account"
    CONVERSATION = "conversation"


class Span(BaseModel):
    """A character range inside one message's text (never the text itself)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Evidence(BaseModel):
    """References to what drove a signal: events, text spans, a matched hash and its bank."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_ids: tuple[str, ...] = ()
    spans: tuple[Span, ...] = ()
    matched_hash: str | None = None
    hash_type: str | None = None
    bank: str | None = None
    harm: BankHarm | None = None  # the matched bank's harm (domain/banks.py)
    distance: int | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class Signal(BaseModel):
    """One observation by one detector, scored in [0, 1] and explained in one line."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    detector: str
    kind: str
    score: float = Field(ge=0.0, le=1.0)
    subject: SubjectKind
    subject_id: str
    explanation: str
    evidence: Evidence = Evidence()


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """A count in words that agree with it: "no stages", "one stage", "3 stages"."""
    many = plural or f"{noun}s"
    if n == 0:
        return f"no {many}"
    return f"one {noun}" if n == 1 else f"{n} {many}"
