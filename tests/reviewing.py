"""A moderator's decision in the tests: claim a case, then decide it, through the service."""

from __future__ import annotations

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Principal
from safeguarding.domain.cases import CaseDecision, Outcome


def claim_and_decide(
    container: Container,
    case_id: str,
    who: Principal,
    reason_code: str,
    outcome: Outcome = Outcome.CONFIRM,
) -> None:
    """``who`` claims the case and decides it (confirmed unless ``outcome`` says otherwise),
    now by the container's clock."""
    container.review.claim(case_id, who)
    decision = CaseDecision(
        case_id=case_id,
        outcome=outcome,
        reason_code=reason_code,
        by=who.audit_name,
        at=container.clock.now(),
    )
    container.review.decide(decision, who)
