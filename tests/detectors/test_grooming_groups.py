"""Big group chats: scoring a message costs the group's size, not its square, and finds the
same riskiest pair as scoring every pair."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding.detectors.text.grooming_model import (
    FULL_SCAN_PEOPLE,
    ConversationState,
    Profile,
    load,
)

MODEL = load()
LINES = [
    "hey everyone",
    "how old r u btw?",
    "ur really mature for ur age",
    "dont tell ur mum we talk ok",
    "send me a pic of u",
    "add me on my other app",
    "lets meet at the park saturday, just us",
    "training is at 6 on thursday",
    "did anyone finish the homework",
    "lol same",
]
START = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)


def profiles(size: int) -> dict[str, Profile]:
    ages = [34, 13, 12, 14, 15, 13, 16, 12, 40, 13, 14, 15, 12, 13, 17, 11]
    return {f"p{i}": Profile(declared_age=ages[i % len(ages)]) for i in range(size)}


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(min_value=FULL_SCAN_PEOPLE + 1, max_value=16),
    script=st.lists(
        st.tuples(st.integers(0, 15), st.integers(0, len(LINES) - 1)), min_size=5, max_size=40
    ),
)
def test_a_big_group_is_scored_as_if_every_pair_were(size: int, script) -> None:
    people = profiles(size)
    state = ConversationState()
    for n, (who, line) in enumerate(script):
        writer = f"p{who % size}"
        at = START + timedelta(minutes=n)
        found = MODEL.update(state, writer, LINES[line], at, f"m{n}", people)
        every_pair = MODEL.assess(copy.deepcopy(state))  # no writer: all pairs
        assert found.risk == every_pair.risk  # the same pair, or one tied with it
        assert found.level == every_pair.level


def test_the_state_keeps_the_riskiest_pairs_through_json() -> None:
    state = ConversationState()
    people = profiles(12)
    for n, line in enumerate(LINES[:7]):
        MODEL.update(state, "p0", line, START + timedelta(minutes=n), f"m{n}", people)
    restored = ConversationState.from_json(state.to_json())
    assert restored.top == state.top
    assert state.top[0] == ("p0", state.top[0][1])
    older = {k: v for k, v in state.to_json().items() if k != "top"}  # stored before "top"
    assert ConversationState.from_json(older).top == []
