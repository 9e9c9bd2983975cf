"""The review queue: list it, claim and release cases, and decide them with a reason.

A decision is recorded with who made it and why (an outcome, a reason code, a note) in the
audit log, in the same transaction as its effects: a dismissal lifts the restrictions the
case's events put on the account and reinstates their content in feeds (content that
matched a known-abuse hash only when an admin dismisses it); an escalation
raises the case to priority 1; a confirmation keeps the restrictions (and any drafted
authority report awaits its own confirmation). Either decision releases the holds for review
the case's events put on an adult and a child (a flagged grooming risk): a dismissal lets the
adult's messages to the child through again, a confirmation turns the hold into a restriction
on contacting children, so they stay refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from safeguarding.domain.access import Principal, Role
from safeguarding.domain.actions import ActionName
from safeguarding.domain.audit_actions import AuditAction, AuditSubject
from safeguarding.domain.cases import OUTCOME_STATUS, Case, CaseDecision, CaseStatus, Outcome
from safeguarding.domain.domain_events import ContentReinstated
from safeguarding.domain.errors import AccessDenied, Conflict, NotFound
from safeguarding.domain.ids import Clock
from safeguarding.ports.store import (
    Counts,
    HasAccounts,
    HasAudit,
    HasCases,
    HasConversations,
    HasEvents,
    HasFigures,
    HasOutbox,
    RecordsDomainEvents,
    Restriction,
    Transactions,
)
from safeguarding.services import auditor

OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.IN_REVIEW, CaseStatus.ESCALATED)
RESTRICT = ActionName.RESTRICT_CONTACT_WITH_CHILDREN.value
HASH_MATCH = "hash_match"  # the signal kind of the hash-list and hash-bank detectors


class ReviewWork(
    HasAccounts,
    HasAudit,
    HasCases,
    HasConversations,
    HasEvents,
    HasFigures,
    HasOutbox,
    RecordsDomainEvents,
    Protocol,
):
    """What case review reads and writes in one transaction."""


class ReviewService:
    """Lists cases by priority and deadline; claims, releases and decides them."""

    def __init__(self, store: Transactions[ReviewWork], clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def queue(
        self, limit: int = 100, principal: Principal | None = None, harm: str | None = None
    ) -> list[Case]:
        """Open cases, most urgent first: all, or those ``principal`` works (of one harm)."""
        queues: set[str] | None = None
        if (
            principal is not None
            and principal.role is Role.MODERATOR
            and principal.queues is not None
        ):
            queues = set(principal.queues)
        if harm is not None:
            queues = {harm} & queues if queues is not None else {harm}
        with self.store.read() as uow:
            return uow.cases.listed(OPEN_STATUSES, limit, queues)

    def counts(self, read: auditor.Read | None = None) -> Counts:
        with auditor.reading(self.store, self.clock, read) as uow:
            return uow.figures.counts()

    def outbox_pending(self) -> int:
        with self.store.read() as uow:
            return uow.outbox.pending()

    def claim(self, case_id: str, principal: Principal) -> Case:
        """Take a case into review; nobody else can decide it until it is released."""
        with self.store.write() as uow:
            case = existing_case(uow, case_id)
            check_works(principal, case)
            claimed = case.move_to(CaseStatus.IN_REVIEW).model_copy(
                update={"assignee": principal.audit_name}
            )
            uow.cases.put(claimed)
            self._audit(uow, principal.audit_name, AuditAction.CASE_CLAIM, case_id, {})
        return claimed

    def release(self, case_id: str, principal: Principal) -> Case:
        with self.store.write() as uow:
            case = self._assigned(uow, case_id, principal)
            released = case.move_to(CaseStatus.OPEN).model_copy(update={"assignee": None})
            uow.cases.put(released)
            self._audit(uow, principal.audit_name, AuditAction.CASE_RELEASE, case_id, {})
        return released

    def decide(self, decision: CaseDecision, principal: Principal) -> Case:
        decision.check()
        who = principal.audit_name
        with self.store.write() as uow:
            case = self._assigned(uow, decision.case_id, principal)
            decided = case.move_to(OUTCOME_STATUS[decision.outcome])
            lifted = restored = 0
            kept: list[str] = []
            if decision.outcome is Outcome.DISMISS:
                lifted = uow.accounts.restrictions_remove(case.subject_account_id, case.event_ids)
                back, kept = reinstatable(uow, case.event_ids, principal)
                restored = uow.events.reinstate(back, case.case_id, decision.at, who)
            released = 0
            if decision.outcome in (Outcome.DISMISS, Outcome.CONFIRM):
                released = uow.conversations.holds_remove(case.event_ids)
            if released and decision.outcome is Outcome.CONFIRM:
                uow.accounts.restriction_add(
                    Restriction(case.subject_account_id, RESTRICT, case.event_ids[0], decision.at)
                )
            if decision.outcome is Outcome.ESCALATE:
                decided = decided.model_copy(update={"priority": 1, "assignee": None})
            uow.cases.put(decided)
            details = decision.model_dump(mode="json", exclude={"case_id", "by", "at"})
            effects = {"restrictions_lifted": lifted, "content_reinstated": restored}
            if released:
                effects["review_holds_released"] = released
            hidden = {"kept_hidden_hash_match": kept} if kept else {}
            self._audit(uow, who, AuditAction.CASE_DECIDE, case.case_id, details | effects | hidden)
            if restored:
                uow.record(ContentReinstated(tuple(case.event_ids)))
        return decided

    def _assigned(self, uow: ReviewWork, case_id: str, principal: Principal) -> Case:
        case = existing_case(uow, case_id)
        # A key made later under the same name is another caller: its queues decide, not the name.
        check_works(principal, case)
        if case.status is not CaseStatus.IN_REVIEW or case.assignee != principal.audit_name:
            raise Conflict(
                f"case {case_id} is {case.status.value}"
                + (f", claimed by {case.assignee}" if case.assignee else "")
                + "; claim it first"
            )
        return case

    def _audit(
        self,
        uow: ReviewWork,
        actor: str,
        action: AuditAction,
        case_id: str,
        details: dict[str, Any],
    ) -> None:
        auditor.record(uow, self.clock.now(), actor, action, AuditSubject.case(case_id), details)


def check_works(principal: Principal, case: Case) -> None:
    """Raise AccessDenied unless ``principal`` reviews ``case``'s queue."""
    if not principal.works(case.queue):
        raise AccessDenied(
            f"case {case.case_id} is in the {case.queue} queue, which {principal.name} "
            "does not work",
            principal.role.value,
            ("admin", "moderator"),
        )


def hash_matched(uow: HasEvents, event_ids: Iterable[str]) -> list[str]:
    """The events whose decision matched a hash bank or hash list (known abuse imagery)."""
    decided = uow.events.decisions(list(event_ids))
    return [
        event_id
        for event_id, (_, decision) in decided.items()
        if any(s.kind == HASH_MATCH for s in decision.signals)
    ]


def reinstatable(
    uow: ReviewWork, event_ids: Sequence[str], principal: Principal
) -> tuple[list[str], list[str]]:
    """The events ``principal`` may put back in feeds, and those that stay hidden: content
    that matched a known-abuse hash comes back only by an admin's hand."""
    matched = set(hash_matched(uow, event_ids)) if principal.role is not Role.ADMIN else set()
    return [e for e in event_ids if e not in matched], [e for e in event_ids if e in matched]


def existing_case(uow: HasCases, case_id: str) -> Case:
    case = uow.cases.get(case_id)
    if case is None:
        raise NotFound(f"no case {case_id!r}")
    return case
