"""The compliance checklist, judged on live configuration, behaviour and the store's figures.

The measures and what meets each are in ``domain/compliance.py``; this service gathers the
facts: the policy in force, the enabled detectors, the hash banks, complaints, case deadlines
(the ``case.decide`` audit records), authority reports, the latest risk assessment, and what
the child-safety self-test saw when it ran the adversary's sequences (``services/selftest.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from safeguarding.domain.banks import Bank, BankHarm, BankKind, HashType
from safeguarding.domain.compliance import (
    MODERATION_WINDOW_DAYS,
    REPORT_WAIT_HOURS,
    Checklist,
    ComplianceFacts,
    checklist,
)
from safeguarding.domain.ids import Clock
from safeguarding.ports.store import HasAudit, HasPolicy, HasRisk, Transactions
from safeguarding.services import auditor
from safeguarding.services.banks import BankService
from safeguarding.services.policy import PolicyService
from safeguarding.services.selftest import ChildSafetySelfTest


class ComplianceWork(HasAudit, HasPolicy, HasRisk, Protocol):
    """What the compliance checklist reads and writes in one transaction."""


@dataclass(frozen=True)
class ComplianceConfig:
    """What the checklist reads from settings (the composition root fills it in)."""

    detectors: tuple[str, ...] = ()
    organisation: str = ""
    senior_manager: str = ""
    qualifying_revenue_gbp: float | None = None
    sha256_list_configured: bool = False
    report_destination: str | None = None  # "endpoint" or "folder", None when neither is set


class ComplianceService:
    """Builds the checklist on demand; nothing is stored."""

    def __init__(
        self,
        store: Transactions[ComplianceWork],
        clock: Clock,
        policies: PolicyService,
        banks: BankService,
        config: ComplianceConfig,
        selftest: ChildSafetySelfTest | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.policies = policies
        self.banks = banks
        self.config = config
        self.selftest = selftest

    def checklist(self, read: auditor.Read | None = None) -> Checklist:
        auditor.note(self.store, self.clock, read)
        now = self.clock.now()
        return checklist(self.facts(now), now)

    def facts(self, now: datetime) -> ComplianceFacts:
        held = [(b, c) for b, c in self.banks.list() if b.enabled and any(c.values())]
        # A partner's list trusted for matching only blocks nothing: not a blocking bank.
        blocking = [(b, c) for b, c in held if b.kind is BankKind.BLOCK and b.acts]
        partners = [(b, c) for b, c in held if b.partner]
        # Hash matching of abuse imagery counts that harm's hashes alone: not another harm's,
        # nor listed URLs (a measure of their own).
        banks = [
            hashes
            for b, c in blocking
            if b.harm is BankHarm.ABUSE_IMAGERY
            and (hashes := sum(n for kind, n in c.items() if kind != HashType.URL))
        ]
        with self.store.read() as uow:
            policy = self.policies.current(uow)
            open_complaints, overdue_complaints = uow.risk.complaints_open(now)
            on_time, decided = uow.risk.cases_decided_on_time(
                now - timedelta(days=MODERATION_WINDOW_DAYS), now
            )
            facts = {
                "overdue_cases": uow.risk.cases_overdue(now),
                "reports_waiting": uow.risk.authority_reports_waiting(
                    now - timedelta(hours=REPORT_WAIT_HOURS)
                ),
            }
            risk = uow.risk.latest()
        config = self.config
        return ComplianceFacts(
            policy=policy.document,
            policy_version=policy.version,
            detectors=config.detectors,
            blocking_banks=len(banks),
            blocking_bank_hashes=sum(banks),
            bank_entries=_by_harm(blocking),
            partner_lists=len(partners),
            partner_entries=sum(sum(c.values()) for _, c in partners),
            sha256_list_configured=config.sha256_list_configured,
            open_complaints=open_complaints,
            overdue_complaints=overdue_complaints,
            decided_cases=decided,
            decided_on_time=on_time,
            report_destination=config.report_destination,
            risk_assessment_version=risk.version if risk else None,
            risk_assessed_at=risk.assessed_at if risk else None,
            risk_policy_version=risk.policy_version if risk else None,
            organisation=config.organisation,
            senior_manager=config.senior_manager,
            qualifying_revenue_gbp=config.qualifying_revenue_gbp,
            child_safety_selftest=self.selftest.run() if self.selftest is not None else (),
            **facts,
        )


def _by_harm(banks: list[tuple[Bank, dict[str, int]]]) -> dict[BankHarm, dict[HashType, int]]:
    """Live entries by the banks' harm, then by entry type."""
    found: dict[BankHarm, dict[HashType, int]] = {}
    for bank, counts in banks:
        held = found.setdefault(bank.harm, {})
        for kind, count in counts.items():
            held[HashType(kind)] = held.get(HashType(kind), 0) + count
    return found
