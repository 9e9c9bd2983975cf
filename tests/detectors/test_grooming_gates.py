"""Who the grooming model can flag, and who can reach the high level (issue #16, point 5).

Two teenagers flirting, a chat between adults (a romance scam, an adult guild) and a relative
are the false positives that hurt most: the high level restricts the adult and drafts an
authority report. Conversations here show only non-explicit warning signs.
"""

from __future__ import annotations

from datetime import UTC, datetime

from safeguarding.detectors.text.grooming_eval import score_conversation
from safeguarding.detectors.text.grooming_model import ConversationState, shared_model
from safeguarding.detectors.text.grooming_state import Person
from tests.detectors.test_grooming_sources import GROOMING_LINES, conversation, corroborated_after

AT = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)


def test_two_fifteen_year_olds_are_never_corroborated_for_high() -> None:
    peers = conversation("peers", GROOMING_LINES, adult=15, senders="a", child=15)
    assert not corroborated_after(peers)
    assert not score_conversation(shared_model(), peers).reached_high


def test_a_writer_whose_own_text_gives_an_adult_age_is_corroborated_despite_a_child_profile() -> (
    None
):
    lines = ("im actually 24 lol", *GROOMING_LINES)
    posing = conversation("posing", lines, adult=15, senders="a", child=13)
    assert corroborated_after(posing)


def test_a_chat_between_two_known_adults_is_never_flagged() -> None:
    adults = conversation("adults", GROOMING_LINES * 2, adult=36, senders="a", child=57)
    scored = score_conversation(shared_model(), adults)
    assert not scored.flagged
    assert max(scored.risks) == 0.0  # a known adult is never the other of a pair


def test_an_adult_writing_to_someone_of_unknown_age_is_still_scored() -> None:
    chat = conversation("unknown", GROOMING_LINES, senders="a")
    chat["participants"]["b"]["declared_age"] = None
    assert score_conversation(shared_model(), chat).risks[-1] > 0.5


def test_a_relative_named_in_address_keeps_the_chat_from_high() -> None:
    lines = (
        GROOMING_LINES[0],
        "thanks nan",
        *GROOMING_LINES[1:],
    )
    family = conversation("nan", lines, adult=67, senders="abaaaaa")
    assert corroborated_after(conversation("no-nan", GROOMING_LINES, adult=67, senders="a"))
    assert not corroborated_after(family)


def test_a_parent_in_the_loop_keeps_the_chat_from_high() -> None:
    lines = (*GROOMING_LINES[:3], "i have let your mum know about saturday", *GROOMING_LINES[3:])
    assert not corroborated_after(conversation("loop", lines, senders="a"))


def test_another_adult_taking_part_keeps_the_chat_from_high() -> None:
    chat = conversation("group", GROOMING_LINES, senders="a")
    chat["participants"]["mum"] = {"declared_age": 44, "account_age_days": 900}
    chat["messages"].insert(1, {"sender": "mum", "text": "hi all", "ts": "2026-03-01T16:59:00Z"})
    chat["messages"].sort(key=lambda m: m["ts"])
    assert not corroborated_after(chat)


def test_an_unknown_age_writer_needs_a_new_account_for_high() -> None:
    old = conversation("old", GROOMING_LINES, senders="a")
    old["participants"]["a"]["declared_age"] = None
    assert not corroborated_after(old)
    new = conversation("new", GROOMING_LINES, senders="a")
    new["participants"]["a"] = {"declared_age": None, "account_age_days": 3}
    assert corroborated_after(new)


def test_a_state_stored_under_an_older_lexicon_gains_the_new_cue_groups() -> None:
    model = shared_model()
    groups = len(model.reader.lexicon.names)
    state = ConversationState(people={"a": Person(counts=[0] * (groups - 2), messages=1)})
    stored = ConversationState.from_json(state.to_json())
    model.update(stored, "a", "hi nan, how old r u", AT, "m0", {})
    assert len(stored.people["a"].counts) == groups


def test_a_profile_alone_never_flags() -> None:
    """An adult's new account writing small talk to a child names no cue, so no flag."""
    small_talk = ("hi", "hey", "did you see the match", "yeah it was good", "ok bye", "bye")
    chat = conversation("profile", small_talk)
    chat["participants"]["a"]["account_age_days"] = 2
    scored = score_conversation(shared_model(), chat)
    assert not scored.flagged
    assert scored.first_flag_index is None
