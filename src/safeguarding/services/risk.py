"""Risk assessment: a dated register of the platform's features, assessed and kept.

``assess(by)`` builds a new assessment from the policy in force and the store's evidence, and
stores it with an audit record (``risk.assess``). A change of policy makes the latest
assessment due for review: ``prompt_review`` hears of each new version (a ``PolicyStored``
domain event, after its commit) and appends ``risk.review_due`` to the audit log.
``markdown`` renders an assessment as the dated document a regulator reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from safeguarding.domain.audit import AuditEntry
from safeguarding.domain.audit_actions import AuditAction, AuditSubject
from safeguarding.domain.domain_events import PolicyStored
from safeguarding.domain.ids import Clock
from safeguarding.domain.policy import PolicyVersion
from safeguarding.domain.risk import (
    DEFAULT_PERIOD_DAYS,
    AssessmentContext,
    Feature,
    FeatureAssessment,
    Mitigation,
    RiskAssessment,
    assess,
    profile,
)
from safeguarding.ports.store import HasAudit, HasPolicy, HasRisk, Transactions
from safeguarding.services import auditor
from safeguarding.services.policy import PolicyService


class RiskWork(HasPolicy, HasAudit, HasRisk, Protocol):
    """What the risk assessment reads and writes in one transaction."""


@dataclass(frozen=True)
class RiskStatus:
    """The latest assessment (if any), the policy in force, and whether a review is due."""

    assessment: RiskAssessment | None
    current_policy_version: int

    @property
    def review_due(self) -> bool:
        """Due when nothing was assessed yet, or the policy changed since."""
        return self.assessment is None or self.assessment.review_due(self.current_policy_version)


class RiskService:
    """Assesses the features the platform offers, and keeps every assessment."""

    def __init__(
        self,
        store: Transactions[RiskWork],
        clock: Clock,
        policies: PolicyService,
        features: Iterable[Feature],
        *,
        organisation: str = "",
        senior_manager: str = "",
        period_days: int = DEFAULT_PERIOD_DAYS,
    ) -> None:
        self.store = store
        self.clock = clock
        self.policies = policies
        self.features = tuple(features)
        self.organisation = organisation
        self.senior_manager = senior_manager
        self.period_days = period_days

    def assess(self, by: str) -> RiskAssessment:
        """Assess now against the policy in force and the last ``period_days`` of evidence."""
        now = self.clock.now()
        start = now - timedelta(days=self.period_days)
        with self.store.write() as uow:
            policy = self.policies.current(uow)
            evidence = {
                f: uow.risk.feature_evidence(profile(f).observations, start, now, now)
                for f in self.features
                if profile(f).observed
            }
            latest = uow.risk.latest()
            context = AssessmentContext(
                version=(latest.version if latest else 0) + 1,
                assessed_at=now,
                assessed_by=by,
                policy_version=policy.version,
                period_days=self.period_days,
                organisation=self.organisation,
                senior_manager=self.senior_manager,
            )
            made = assess(self.features, policy.document, evidence, context)
            uow.risk.add(made)
            auditor.record_all(uow, [_assessed(made)])
        return made

    def latest(self) -> RiskAssessment | None:
        with self.store.read() as uow:
            return uow.risk.latest()

    def history(self, limit: int = 100, read: auditor.Read | None = None) -> list[RiskAssessment]:
        """Every stored assessment, newest first."""
        with auditor.reading(self.store, self.clock, read) as uow:
            return uow.risk.assessments(limit)

    def status(self, read: auditor.Read | None = None) -> RiskStatus:
        with auditor.reading(self.store, self.clock, read) as uow:
            return RiskStatus(uow.risk.latest(), self.policies.current(uow).version)

    def review_due(self) -> bool:
        return self.status().review_due

    def prompt_review(self, stored: PolicyStored) -> None:
        """Note in the audit log that a new policy makes the latest assessment due for review."""
        with self.store.write() as uow:
            review_prompt(uow, stored.version)


def review_prompt(uow: RiskWork, version: PolicyVersion) -> None:
    """Record that the latest assessment needs a review, when a new policy is stored."""
    latest = uow.risk.latest()
    if latest is None or not latest.review_due(version.version):
        return
    auditor.record(
        uow,
        version.created_at,
        version.created_by,
        AuditAction.RISK_REVIEW_DUE,
        AuditSubject.risk_assessment(latest.version),
        {
            "assessed_against": latest.policy_version,
            "policy_version": version.version,
            "note": version.note,
        },
    )


def _assessed(made: RiskAssessment) -> AuditEntry:
    return auditor.entry(
        made.assessed_at,
        made.assessed_by,
        AuditAction.RISK_ASSESS,
        AuditSubject.risk_assessment(made.version),
        {
            "policy_version": made.policy_version,
            "period_days": made.period_days,
            "features": [f.feature.value for f in made.features],
            "residual_risk": made.residual_counts(),
        },
    )


# -- the dated document -------------------------------------------------------------------
def document_name(assessment: RiskAssessment, extension: str = "md") -> str:
    return f"risk-assessment-{assessment.assessed_at:%Y-%m-%d}-v{assessment.version}.{extension}"


def _cell(text: object) -> str:
    """Table-safe text: a pipe would end the cell, a line break the row."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _header(a: RiskAssessment, current_policy_version: int) -> list[str]:
    manager = a.senior_manager or "not named (set SAFEGUARDING_SENIOR_MANAGER)"
    lines = [
        f"# Children's risk assessment: {a.organisation or 'this service'}",
        "",
        f"- Assessed: {a.assessed_at:%Y-%m-%d %H:%M} UTC by {a.assessed_by} (version {a.version})",
        f"- Against policy version {a.policy_version}; evidence from the last {a.period_days} days",
        f"- Senior manager accountable for children's safety: {manager}",
    ]
    if a.review_due(current_policy_version):
        lines += [
            "",
            f"> **Review due**: the policy in force is version {current_policy_version}, "
            f"this assessment was made against version {a.policy_version}.",
        ]
    return lines


def _summary(a: RiskAssessment) -> list[str]:
    lines = [
        "",
        "## Summary",
        "",
        "| Feature | Residual risk | Enforced rules | Shadow rules | Events | Cases |",
        "|---|---|---|---|---|---|",
    ]
    for f in a.features:
        events = f.evidence.events if f.evidence else "not observed"
        cases = f.evidence.cases if f.evidence else "not observed"
        lines.append(
            f"| {f.title} | **{f.residual_risk.value}** | {len(f.enforced)} | {len(f.shadow)} "
            f"| {events} | {cases} |"
        )
    if a.not_offered:
        offered = ", ".join(profile(f).title for f in a.not_offered)
        lines += ["", f"Not offered by this service, so not assessed: {offered}."]
    return lines


def _rules_table(rules: Sequence[Mitigation]) -> list[str]:
    if not rules:
        return ["No rule in the policy covers it."]
    lines = ["| Rule | Mode | Actions | What it does |", "|---|---|---|---|"]
    lines += [
        f"| `{m.rule}` | {m.mode.value} | {_cell(', '.join(m.actions))} | {_cell(m.description)} |"
        for m in rules
    ]
    return lines


def _evidence(f: FeatureAssessment, days: int) -> list[str]:
    if f.evidence is None:
        return ["Not observed by the engine: there is no evidence in the store."]
    e = f.evidence
    signals = ", ".join(f"{d} {n}" for d, n in sorted(e.signals_by_detector.items())) or "none"
    return [
        f"| Last {days} days | Count |",
        "|---|---|",
        f"| Events | {e.events} |",
        f"| Held or blocked | {e.actioned} |",
        f"| Signals by detector | {_cell(signals)} |",
        f"| Cases opened | {e.cases} |",
        f"| Cases open past their deadline (now) | {e.cases_overdue} |",
    ]


def _feature(f: FeatureAssessment, days: int) -> list[str]:
    return [
        "",
        f"## {f.title}",
        "",
        f"Residual risk: **{f.residual_risk.value}** ({f.residual_reason}).",
        "",
        f"How the engine sees it: {f.observed_as}.",
        "",
        "### Risks to children",
        "",
        *(f"- {risk}" for risk in f.risks),
        "",
        "### Mitigations in Safeguarding",
        "",
        *_rules_table(f.mitigations),
        "",
        "### Evidence",
        "",
        *_evidence(f, days),
    ]


RATING = (
    "Residual risk is **high** when the engine does not observe the feature or no enforced "
    "rule covers it; **medium** when enforced rules cover it but some covering rules are only "
    "in shadow mode, or one of its cases is open past its deadline; **low** otherwise."
)


def markdown(a: RiskAssessment, current_policy_version: int) -> str:
    """The assessment as a dated Markdown document, one table per feature."""
    lines = _header(a, current_policy_version) + _summary(a)
    for f in a.features:
        lines += _feature(f, a.period_days)
    lines += ["", "## Every feature: user reports", "", *_rules_table(a.every_feature)]
    lines += ["", "## How residual risk is rated", "", RATING, ""]
    return "\n".join(lines)
