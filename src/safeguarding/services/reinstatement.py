"""What an upheld appeal may bring back, and what it may not.

An upheld appeal reverses a decision's effects on its author: their restrictions are lifted
and their content is shown again. Two things it never does on its own: bring back content
that matched a known-abuse hash while its case is open (and then only by an admin), and show
a child what the child-safe defaults keep from her. An adult's message to a child who has
not accepted him, or one held while a case about the pair is undecided, stays back: the
appeal is about the author, and the child's consent and the case are not his to waive.
"""

from __future__ import annotations

from typing import Any, Protocol

from safeguarding.domain.access import Principal, Role
from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.complaints import Complaint, ComplaintKind, ComplaintStatus
from safeguarding.domain.errors import AccessDenied, Conflict
from safeguarding.ports.store import HasAccounts, HasConversations
from safeguarding.services.access import AccessWork
from safeguarding.services.review import OPEN_STATUSES, hash_matched
from safeguarding.services.visibility import APPEAL_SOURCE


class ReinstatementWork(AccessWork, HasAccounts, HasConversations, Protocol):
    """What deciding an appeal's effects reads and writes, in the complaint's transaction."""


def reverses(complaint: Complaint) -> bool:
    return complaint.kind is ComplaintKind.APPEAL and complaint.status is ComplaintStatus.UPHELD


def check_hash_reinstatement(
    uow: ReinstatementWork, complaint: Complaint, principal: Principal
) -> dict[str, Any]:
    """Content that matched a known-abuse hash comes back on appeal only once its case is
    closed, and only by an admin giving a reason (which the audit record keeps)."""
    if not reverses(complaint) or complaint.event_id is None:
        return {}
    if not hash_matched(uow, [complaint.event_id]):
        return {}
    cases = uow.cases.of_event(complaint.event_id)
    still_open = [c.case_id for c in cases if c.status in OPEN_STATUSES]
    if still_open or not cases:
        case = still_open[0] if still_open else "(not opened yet)"
        raise Conflict(
            f"{complaint.event_id} matched a known-abuse hash and its case {case} is open; "
            "an appeal cannot reinstate it until that case is decided"
        )
    if principal.role is not Role.ADMIN:
        raise AccessDenied(
            f"{complaint.event_id} matched a known-abuse hash: only an admin may reinstate it",
            principal.role.value,
            ("admin",),
        )
    return {"hash_match_reinstated_by_admin": True}


def reverse(uow: ReinstatementWork, complaint: Complaint, principal: Principal) -> dict[str, int]:
    """Lift the author's restrictions from the event, and show it again unless that would
    show a child what the child-safe defaults keep from her."""
    assert complaint.event_id is not None
    assert complaint.decided_at is not None
    events = [complaint.event_id]
    kept = kept_from_children(uow, complaint.event_id)
    restored = 0
    if not kept:
        by = principal.audit_name
        source = APPEAL_SOURCE + complaint.complaint_id
        restored = uow.events.reinstate(events, source, complaint.decided_at, by)
    lifted = uow.accounts.restrictions_remove(complaint.account_id, events)
    effects = {"content_reinstated": restored, "restrictions_lifted": lifted}
    return effects | ({"content_kept_from_children": len(kept)} if kept else {})


def kept_from_children(uow: ReinstatementWork, event_id: str) -> list[str]:
    """The children the event would reach that it must not: those an adult author is not
    connected to, and those a case about the pair still holds him from."""
    event = uow.events.get(event_id)
    if event is None:
        return []
    author = event.actor_id
    targets = [t for t in event.target_ids() if t != author]
    pairs = [(author, t) for t in targets]
    held = uow.conversations.holds_among(pairs)
    connected = uow.accounts.connection_links_among(pairs)
    accounts = uow.accounts.get({author, *targets})
    adult = author in accounts and accounts[author].actor_band is AgeBand.ADULT

    def unconnected_child(target: str) -> bool:
        child = target in accounts and accounts[target].age_band.is_child
        return adult and child and (author, target) not in connected

    return [t for t in targets if (author, t) in held or unconnected_child(t)]
