"""The case state machine allows only its listed transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeguarding.domain.cases import (
    ALLOWED_TRANSITIONS,
    CLAIMABLE,
    Case,
    CaseStatus,
    Outcome,
    reasons_for,
)
from safeguarding.domain.errors import Conflict

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def case(status: CaseStatus = CaseStatus.OPEN) -> Case:
    return Case(
        case_id="c1",
        queue="grooming",
        priority=2,
        status=status,
        subject_account_id="a",
        event_ids=("e1",),
        rule="r",
        opened_at=T0,
        deadline=Case.deadline_for(2, T0),
    )


def test_review_path_open_claim_confirm() -> None:
    confirmed = case().move_to(CaseStatus.IN_REVIEW).move_to(CaseStatus.CONFIRMED)
    assert confirmed.status is CaseStatus.CONFIRMED


@pytest.mark.parametrize("start", list(CaseStatus))
@pytest.mark.parametrize("end", list(CaseStatus))
def test_every_transition_not_listed_is_refused(start: CaseStatus, end: CaseStatus) -> None:
    if end in ALLOWED_TRANSITIONS[start]:
        assert case(start).move_to(end).status is end
    else:
        with pytest.raises(Conflict, match=f"cannot go from {start} to {end}"):
            case(start).move_to(end)


@pytest.mark.parametrize("status", list(CaseStatus))
def test_claimable_states_are_those_a_claim_may_leave(status: CaseStatus) -> None:
    """The case page offers a claim from CLAIMABLE; a claim is the move into review."""
    try:
        case(status).move_to(CaseStatus.IN_REVIEW)
    except Conflict:
        assert status not in CLAIMABLE
    else:
        assert status in CLAIMABLE


def test_deadline_follows_priority_unless_given() -> None:
    assert Case.deadline_for(1, T0) == T0 + timedelta(hours=1)
    assert Case.deadline_for(3, T0) == T0 + timedelta(hours=24)
    assert Case.deadline_for(1, T0, hours=0.5) == T0 + timedelta(minutes=30)


later_signals = st.lists(
    st.tuples(st.integers(1, 4), st.integers(0, 96), st.booleans()), min_size=1, max_size=8
)


@given(later_signals)
def test_absorbing_later_signals_only_ever_raises_the_case(signals) -> None:
    """However later signals come, the case keeps every event once, takes the most severe
    priority (and that signal's rule), the earliest deadline, and any report to an authority."""
    folded = case()
    for n, (priority, hours, report) in enumerate(signals):
        later = case().model_copy(
            update={
                "case_id": f"c{n + 2}",
                "event_ids": (f"e{n + 2}", "e1"),
                "priority": priority,
                "rule": f"rule-{n}",
                "deadline": T0 + timedelta(hours=hours),
                "report_to_authority": report,
            }
        )
        folded = folded.absorb(later)
    assert folded.case_id == "c1"
    assert folded.event_ids == ("e1", *(f"e{n + 2}" for n in range(len(signals))))
    assert folded.priority == min(2, *(p for p, _, _ in signals))
    assert folded.deadline == min(
        case().deadline, *(T0 + timedelta(hours=h) for _, h, _ in signals)
    )
    assert folded.report_to_authority == any(r for _, _, r in signals)
    if folded.priority < 2:
        first = next(n for n, (p, _, _) in enumerate(signals) if p == folded.priority)
        assert folded.rule == f"rule-{first}"


def test_self_harm_cases_are_keyed_by_the_person_not_the_conversation() -> None:
    grooming = case().model_copy(update={"conversation_id": "dm-1"})
    assert grooming.open_key == "grooming\x1fa\x1fdm-1"
    self_harm = grooming.model_copy(update={"queue": "self_harm"})
    assert self_harm.open_key == self_harm.model_copy(update={"conversation_id": "dm-2"}).open_key


def test_an_intimate_image_case_offers_its_own_reason_first_and_not_abuse_imagerys() -> None:
    offered = reasons_for("intimate_image_abuse")
    assert offered[Outcome.CONFIRM][0] == "intimate_image_shared"
    assert "known_abuse_image" not in offered[Outcome.CONFIRM]  # adults' images, not CSAM
    assert "needs_specialist" in offered[Outcome.ESCALATE]  # a child in it: the specialists
    assert "intimate_image_shared" not in reasons_for("abuse_imagery")[Outcome.CONFIRM]
    assert reasons_for("terrorism")[Outcome.CONFIRM][0] == "terrorist_content"
