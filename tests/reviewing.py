"""A moderator's decision in the tests: claim a case, then decide it, through the service or
over the HTTP API."""

from __future__ import annotations

import httpx

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


async def claim_and_decide_over_http(
    client: httpx.AsyncClient,
    case_id: str,
    moderator: dict[str, str],
    reason_code: str,
    outcome: str = "confirm",
) -> None:
    """The moderator whose headers ``moderator`` are claims the case over the API and decides it
    (confirmed unless ``outcome`` says otherwise); both calls must succeed."""
    claimed = await client.post(f"/v1/cases/{case_id}/claim", headers=moderator)
    assert claimed.status_code == 200, claimed.text
    decided = await client.post(
        f"/v1/cases/{case_id}/decision",
        json={"outcome": outcome, "reason_code": reason_code},
        headers=moderator,
    )
    assert decided.status_code == 200, decided.text
