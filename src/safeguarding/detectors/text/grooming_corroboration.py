"""Whether the evidence for "``writer`` grooms ``other``" allows the high level.

The high level restricts the adult and drafts a report to the authorities, so a high score
is not enough: the evidence must come from independent kinds (issue #16). The kinds are
read from the conversation's state (``grooming_state``), never from text:

- ``several_stages``: three or more stages from the writer, in two or more of their
  messages (so never a single message);
- ``child``: the other's age, from the account or the text, is under 18;
- ``adult_writer``: the writer's age is 18 or more, or their declared age and their own
  text (or declared-age history) disagree by three years or more;
- ``unconnected``: the platform says the two have no connection;
- ``new_account``: the writer's account is ``NEW_ACCOUNT_DAYS`` old or newer.

High needs several stages, a child, and a writer who is not a child: an adult writer, or a
writer of unknown age with ``unconnected`` or ``new_account`` beside it. Two teenagers
flirting, a chat between adults, a family or guardian link the platform knows, and a chat
that shows a relative or a parent in the loop never reach it.
"""

from __future__ import annotations

from collections.abc import Sequence

from safeguarding.detectors.text.grooming_features import NEW_ACCOUNT_DAYS, adult_writers
from safeguarding.detectors.text.grooming_state import TRUSTED_LINKS, ConversationState

SEVERAL_STAGES = 3  # distinct stages from one writer that count as one kind of corroboration
DECEPTION_YEARS = 3  # a misstated age this far off makes the writer an adult in evidence


def kinds(state: ConversationState, writer: str, other: str) -> tuple[str, ...]:
    """The independent kinds of evidence that "``writer`` grooms ``other``" rests on."""
    steps = [s for s in state.timeline if s.writer == writer]
    found = []
    if len({s.stage for s in steps}) >= SEVERAL_STAGES and len({s.index for s in steps}) >= 2:
        found.append("several_stages")
    person, them = state.people[writer], state.people[other]
    if them.best_age is not None and them.best_age < 18:
        found.append("child")
    adult = person.best_age is not None and person.best_age >= 18
    if adult or person.deception_gap >= DECEPTION_YEARS:
        found.append("adult_writer")
    if state.link(writer, other) == "none":
        found.append("unconnected")
    if person.account_age_days is not None and person.account_age_days <= NEW_ACCOUNT_DAYS:
        found.append("new_account")
    return tuple(found)


def allows_high(
    state: ConversationState,
    writer: str,
    other: str,
    found: tuple[str, ...],
    family_groups: Sequence[int],
) -> bool:
    """Whether the kinds ``found`` allow the high level (see the module's docstring);
    ``family_groups`` are the cue groups that show a relative or a parent in the loop."""
    if state.link(writer, other) in TRUSTED_LINKS:
        return False
    if "several_stages" not in found or "child" not in found:
        return False
    if family_signs(state, writer, other, family_groups):
        return False
    if "adult_writer" in found:
        return True
    unknown_age = state.people[writer].best_age is None
    return unknown_age and bool({"unconnected", "new_account"} & set(found))


def family_signs(
    state: ConversationState, writer: str, other: str, family_groups: Sequence[int]
) -> bool:
    """Whether the chat shows a family or a parent in the loop: a relative named in address
    ("thanks nan", "its grandad"), the parent kept informed ("i have let your mum know"), or
    another adult taking part. Each lowers the risk through its fitted weight; any of them
    also keeps the chat from the high level, which a flag (a case, a moderator) does not."""
    person, them = state.people[writer], state.people[other]
    if any(person.counts[g] + them.counts[g] for g in family_groups):
        return True
    return bool(adult_writers(state) - {writer, other})


def cued(state: ConversationState, writer: str) -> bool:
    """Whether the writer has shown a stage of grooming at all: a flag names the cues that
    drove it, so a profile (an adult's new account writing to a child) is never enough."""
    return any(s.writer == writer for s in state.timeline)
