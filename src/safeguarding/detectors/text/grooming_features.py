"""The feature vector of one ordered pair (writer, other), and who can be a pair at all.

The grooming-risk model (``grooming_model``) scores "``writer`` grooms ``other``" as a logistic
regression over these features: the writer's stage cues and their semantic likeness, both
people's ages and the gap, age deception, a new account, and the context the hard benign
conversations show. That context is of two sorts. Some is said in words: family, a surprise,
a club or a workplace, talk about staying safe, a relative named in address ("thanks nan",
"its grandad") and a parent kept in the loop ("i have let your mum know"). Some is who is
there: two children of about the same age (peers), and another adult taking part (a parent
or a second leader in the chat), which is how safe practice with children looks.

A known adult is never the "other" of a pair: grooming here means of a child, so a chat
between adults (a romance scam, an adult gaming guild) is never flagged by this model.
Neither the hour nor the conversation's length is a feature.
"""

from __future__ import annotations

import math

import numpy as np

from safeguarding.detectors.text.grooming_cues import CueReader
from safeguarding.detectors.text.grooming_semantic import SEMANTIC_STAGES
from safeguarding.detectors.text.grooming_state import ConversationState, Person

NEW_ACCOUNT_DAYS = 30
PEER_YEARS = 3  # two children this close in age are peers
CONTEXT_GROUPS = ("family", "surprise", "professional", "safety_talk")
SAID_CONTEXT = ("kin_address", "parent_in_loop")


def feature_names(reader: CueReader) -> tuple[str, ...]:
    stages = tuple(f"stage_{s}" for s in reader.stages)
    return (
        *stages,
        "stages_distinct",
        "stages_with_child",
        "asked_child_age",
        "other_is_child",
        "other_age_unknown",
        "writer_is_adult",
        "writer_age_unknown",
        "age_gap",
        "age_deception",
        "child_cues_other",
        "adult_cues_writer",
        "new_account",
        "group_chat",
        *(f"context_{c}" for c in CONTEXT_GROUPS),
        *(f"context_{c}" for c in SAID_CONTEXT),
        "peer_children",
        "other_adult_present",
        *(f"semantic_{s}" for s in SEMANTIC_STAGES),
    )


def is_child(person: Person) -> bool:
    age = person.best_age
    return age is not None and age < 18


def is_known_adult(person: Person) -> bool:
    age = person.best_age
    return age is not None and age >= 18


def can_be_target(other: Person) -> bool:
    """Whether ``other`` can be the child of a pair: anyone not known to be an adult."""
    return not is_known_adult(other)


def peers(writer: Person, other: Person) -> bool:
    """Two children within PEER_YEARS of each other, with no age deception by the writer."""
    if not (is_child(writer) and is_child(other)) or writer.deception_gap >= PEER_YEARS:
        return False
    gap = abs((writer.best_age or 0) - (other.best_age or 0))
    return gap <= PEER_YEARS


def adult_writers(state: ConversationState) -> frozenset[str]:
    """The participants known to be adults who have written in the conversation."""
    return frozenset(n for n, p in state.people.items() if p.messages and is_known_adult(p))


def pair_features(
    reader: CueReader,
    writer: Person,
    other: Person,
    group_chat: bool,
    other_adult_present: bool,
) -> np.ndarray:
    """The feature vector for "``writer`` grooming ``other``" (see ``feature_names``)."""
    g = reader.group
    c = writer.counts
    stage_counts = [c[i] for i in reader.stage_ids]
    distinct = sum(1 for n in stage_counts if n) / 4.0
    other_age, writer_age = other.best_age, writer.best_age
    child = 1.0 if other_age is not None and other_age < 18 else 0.0
    unknown = 1.0 if other_age is None else 0.0
    childish = child + 0.5 * unknown
    gap = 0.0
    if other_age is not None and writer_age is not None:
        gap = min(max((writer_age - other_age) / 10.0, 0.0), 3.0)
    context = [math.log1p(c[g[n]] + other.counts[g[n]]) for n in (*CONTEXT_GROUPS, *SAID_CONTEXT)]
    values = [
        *(math.log1p(n) for n in stage_counts),
        distinct,
        distinct * childish,
        (1.0 if c[g["age_question"]] else 0.0) * childish,
        child,
        unknown,
        1.0 if writer_age is not None and writer_age >= 18 else 0.0,
        1.0 if writer_age is None else 0.0,
        gap,
        min(writer.deception_gap / 5.0, 2.0),
        math.log1p(other.counts[g["child_context"]] + other.counts[g["child_age"]]),
        math.log1p(c[g["adult_context"]]),
        _new_account(writer) * distinct,
        1.0 if group_chat else 0.0,
        *context,
        1.0 if peers(writer, other) else 0.0,
        1.0 if other_adult_present else 0.0,
        *(writer.semantic or [0.0] * len(SEMANTIC_STAGES)),
    ]
    return np.asarray(values, dtype=np.float64)


def _new_account(person: Person) -> float:
    """1 for an account NEW_ACCOUNT_DAYS old or newer. As a feature it is scaled by the stages
    the writer has shown: relatives and new users join every day, so a new account alone (no
    cue) is not a reason, only a weight on the cues it comes with."""
    days = person.account_age_days
    return 1.0 if days is not None and days <= NEW_ACCOUNT_DAYS else 0.0
