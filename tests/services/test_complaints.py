"""Complaint figures for transparency: counted by kind and outcome, within a period."""

from __future__ import annotations

from datetime import timedelta

from safeguarding.domain.access import Principal, Role
from safeguarding.domain.complaints import ComplaintKind, ComplaintStatus
from safeguarding.services.complaints import NewComplaint

PLATFORM = Principal(key_id="p", name="app", role=Role.PLATFORM)
MODERATOR = Principal(key_id="m", name="sam", role=Role.MODERATOR)
ADVOCATE = Principal(key_id="a", name="voices", role=Role.ADVOCATE)


def test_outcomes_count_what_was_filed_in_the_period(container) -> None:
    complaints = container.complaints
    filed = [
        complaints.file(
            NewComplaint(ComplaintKind.COMPLAINT, f"u{i}", "too_slow", "It took weeks."), PLATFORM
        )
        for i in range(3)
    ]
    complaints.decide(filed[0].complaint_id, ComplaintStatus.UPHELD, "We were too slow.", MODERATOR)
    container.super_complaints.file(ADVOCATE, "A systemic title", "x" * 60, ["grooming"])
    now = container.clock.now()
    with container.store.read() as uow:
        during = uow.complaints.outcomes(now - timedelta(hours=1), now + timedelta(hours=1))
        before = uow.complaints.outcomes(now - timedelta(days=2), now - timedelta(days=1))
        supers = uow.super_complaints.outcomes(now - timedelta(hours=1), now + timedelta(hours=1))
    assert during == {("complaint", "upheld"): 1, ("complaint", "open"): 2}
    assert before == {}
    assert supers == {"received": 1}
