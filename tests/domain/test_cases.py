"""The case state machine allows only its listed transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from safeguarding.domain.cases import ALLOWED_TRANSITIONS, Case, CaseStatus
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


def test_deadline_follows_priority_unless_given() -> None:
    assert Case.deadline_for(1, T0) == T0 + timedelta(hours=1)
    assert Case.deadline_for(3, T0) == T0 + timedelta(hours=24)
    assert Case.deadline_for(1, T0, hours=0.5) == T0 + timedelta(minutes=30)
