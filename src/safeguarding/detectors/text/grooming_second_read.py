"""Conversations read message by message for the grooming second stage, and their figures.

A ``Reading`` holds one source's conversations as the first stage scored them
(the riskiest pair's risk and writer after each message, whether it was cued
and corroborated), flattened over all messages, with where each message's
writer window ends. ``decide`` applies a ``StageChoice`` to it without
replaying anything, so the band, window, weight and threshold can be chosen
over a grid quickly; ``margins`` gives each source's distance from issue #16's
targets as ``grooming_fit.margin`` does.

Used by ``grooming_second_fit``; needs numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from safeguarding.detectors.text.grooming_eval import EARLY_MESSAGES, Scored
from safeguarding.detectors.text.grooming_fit import TARGETS
from safeguarding.detectors.text.grooming_second import pool

NEVER = np.iinfo(np.int64).max
# An empty band: the first stage alone, kept where no band does better on the training sources.
NO_BAND = (1.0, 1.0)


@dataclass(frozen=True)
class StageChoice:
    """The band, the window, the first stage's weight in the mixture, and its threshold."""

    low: float
    high: float
    window: int
    first_weight: float
    threshold: float
    others: bool = False  # whether the others' last messages are read beside the writer's

    @property
    def banded(self) -> bool:
        """Whether any risk falls in the band (the empty band is the first stage alone)."""
        return self.low < self.high


FIRST_ALONE = StageChoice(*NO_BAND, 1, 1.0, 1.0)


@dataclass(frozen=True)
class Chat:
    """One labelled conversation: who wrote each message, the truth, the messages' vectors."""

    conversation_id: str
    senders: tuple[str, ...]
    grooming: bool
    onset: int
    hard: bool
    suspect: str | None
    vectors: np.ndarray  # messages x dimensions


def pooled_windows(chat: Chat, window: int, others: bool = False) -> np.ndarray:
    """Row j: the pooled vector of the last ``window`` messages of message j's sender, to j;
    with ``others``, beside it the pooled last ``window`` messages of everyone else, to j."""
    rows, dims = chat.vectors.shape
    out = np.zeros((rows, 2 * dims if others else dims), dtype=np.float32)
    for at in range(rows):
        out[at, :dims] = pool(chat.vectors[window_members(chat.senders, at, window)])
        if others:
            theirs = window_members(chat.senders, at, window, theirs=True)
            out[at, dims:] = pool(chat.vectors[theirs]) if theirs else 0.0
    return out


def window_members(
    senders: Sequence[str], end: int, window: int, theirs: bool = False
) -> list[int]:
    """The last ``window`` messages up to ``end`` by its sender (``theirs``: by anyone else)."""
    writer = senders[end]
    found = [j for j in range(end, -1, -1) if (senders[j] == writer) != theirs]
    return found[:window]


def window_ends(senders: Sequence[str], writers: Sequence[str | None]) -> list[int]:
    """For each message, the last message up to it by the riskiest pair's writer (-1: none)."""
    last: dict[str, int] = {}
    ends = []
    for at, (sender, writer) in enumerate(zip(senders, writers, strict=True)):
        last[sender] = at
        ends.append(last.get(writer, -1) if writer is not None else -1)
    return ends


@dataclass(frozen=True)
class Reading:
    """One source's conversations read by a first stage, flat over their messages."""

    scored: tuple[Scored, ...]
    chats: tuple[Chat, ...]
    risks: np.ndarray
    cued: np.ndarray
    corroborated: np.ndarray
    ends: np.ndarray  # flat index of the writer's window end (-1: none)
    starts: np.ndarray  # each conversation's first flat index
    local: np.ndarray  # each message's index in its conversation
    seconds: float = 0.0  # CPU seconds the first stage took to read them

    @property
    def messages(self) -> int:
        """How many messages the source has."""
        return len(self.risks)


def reading_of(scored: Sequence[Scored], chats: Sequence[Chat], seconds: float) -> Reading:
    """Flatten a source's first-stage replays (``Scored`` with writers) beside its chats."""
    ends: list[int] = []
    starts, offset = [], 0
    for s, chat in zip(scored, chats, strict=True):
        starts.append(offset)
        ends += [offset + e if e >= 0 else -1 for e in window_ends(chat.senders, s.writers)]
        offset += len(chat.senders)
    return Reading(
        tuple(scored),
        tuple(chats),
        np.concatenate([np.asarray(s.risks, dtype=np.float64) for s in scored]),
        np.concatenate([np.asarray(s.cued, dtype=bool) for s in scored]),
        np.concatenate([np.asarray(s.corroborated, dtype=bool) for s in scored]),
        np.asarray(ends, dtype=np.int64),
        np.asarray(starts, dtype=np.int64),
        np.concatenate([np.arange(len(c.senders), dtype=np.int64) for c in chats]),
        seconds,
    )


def second_risks(
    reading: Reading, pooled: np.ndarray, weights: np.ndarray, bias: float
) -> np.ndarray:
    """P(grooming) of the riskiest pair's writer's window after each message (0: no writer)."""
    z = pooled.astype(np.float64) @ weights + bias
    p = 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))
    return np.where(reading.ends >= 0, p[np.maximum(reading.ends, 0)], 0.0)


def in_band(reading: Reading, choice: StageChoice) -> np.ndarray:
    """Which messages the second stage reads (the riskiest pair's risk in the band)."""
    return (reading.risks >= choice.low) & (reading.risks < choice.high)


def decide(
    reading: Reading, second: np.ndarray, flag: float, high: float, choice: StageChoice
) -> np.ndarray:
    """Each conversation's first flagged message under the cascade (``NEVER``: not flagged)."""
    band = in_band(reading, choice)
    mixed = choice.first_weight * reading.risks + (1 - choice.first_weight) * second
    return first_flags(reading, _flags(reading, band, mixed, flag, high, choice.threshold))


def _flags(
    reading: Reading, band: np.ndarray, mixed: np.ndarray, flag: float, high: float, thr: float
) -> np.ndarray:
    at_high = (reading.risks >= high) & reading.corroborated
    return np.asarray(
        at_high | (reading.cued & np.where(band, mixed >= thr, reading.risks >= flag))
    )


def first_flags(reading: Reading, flags: np.ndarray) -> np.ndarray:
    """Each conversation's first message index whose flag is set (``NEVER`` where none is)."""
    return np.asarray(np.minimum.reduceat(np.where(flags, reading.local, NEVER), reading.starts))


@dataclass(frozen=True)
class Truth:
    """Per conversation of several sources: which source, the label, the onset, hard or not."""

    source: np.ndarray
    grooming: np.ndarray
    onset: np.ndarray
    hard: np.ndarray

    @classmethod
    def of(cls, readings: Sequence[Reading]) -> Truth:
        chats = [(at, c) for at, r in enumerate(readings) for c in r.chats]
        return cls(
            np.array([at for at, _ in chats]),
            np.array([c.grooming for _, c in chats]),
            np.array([c.onset for _, c in chats]),
            np.array([c.hard and not c.grooming for _, c in chats]),
        )


def margins(first: np.ndarray, truth: Truth, sources: int) -> np.ndarray:
    """Each source's margin over the targets (``grooming_fit.margin``) from first flags."""
    flagged = first != NEVER
    early = flagged & (first - truth.onset <= EARLY_MESSAGES)
    benign = ~truth.grooming

    def share(hit: np.ndarray, among: np.ndarray) -> np.ndarray:
        total = np.bincount(truth.source, weights=among, minlength=sources)
        hits = np.bincount(truth.source, weights=hit & among, minlength=sources)
        return np.divide(hits, total, out=np.zeros(sources), where=total > 0)

    return np.asarray(
        np.minimum.reduce(
            [
                share(flagged, truth.grooming) - TARGETS["recall"],
                TARGETS["fpr"] - share(flagged, benign),
                TARGETS["hard"] - share(flagged, truth.hard),
                share(early, truth.grooming) - TARGETS["early"],
            ]
        )
    )


def rescored(reading: Reading, first: np.ndarray) -> list[Scored]:
    """The source's ``Scored`` with the cascade's flags (the high level is the first stage's)."""
    return [
        Scored(
            s.conversation_id,
            bool(at != NEVER),
            s.risk,
            int(at) if at != NEVER else None,
            s.reasons,
            s.risks,
            s.corroborated,
            s.reached_high,
            s.cued,
            s.writers,
        )
        for s, at in zip(reading.scored, first, strict=True)
    ]


def encoded(reading: Reading, band: np.ndarray, window: int, others: bool = False) -> int:
    """How many messages the encoder reads: each message of a window read in the band, once."""
    needed: set[int] = set()
    for at in np.flatnonzero(band & (reading.ends >= 0)):
        end = int(reading.ends[at])
        conversation = int(np.searchsorted(reading.starts, end, side="right")) - 1
        start = int(reading.starts[conversation])
        senders = reading.chats[conversation].senders
        for theirs in (False, True) if others else (False,):
            members = window_members(senders, end - start, window, theirs)
            needed.update(start + j for j in members)
    return len(needed)
