"""Transparency reports: a period's figures beside the year before's, as of the audit head.

Everything is read in one read transaction (one snapshot), with the audit head taken first,
so the report states exactly what it is as of. The store does the counting (SQL aggregates
and streamed reads); this module names the figures and groups them into sections. The
figures' definitions are in ``docs/transparency.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from safeguarding.domain.actions import ActionName
from safeguarding.domain.audit import GENESIS_HASH
from safeguarding.domain.audit_actions import AuditAction
from safeguarding.domain.decision_facts import (
    ActionTally,
    DecisionFacts,
    TimeQuantiles,
    is_child_safe_default,
)
from safeguarding.domain.ids import Clock
from safeguarding.domain.policy import PolicyVersion
from safeguarding.domain.sharing import PARTNER_HARMS, SHARED_HARMS
from safeguarding.domain.transparency import (
    AuditHead,
    DailyPoint,
    Figure,
    Harm,
    Period,
    Section,
    TransparencyReport,
)
from safeguarding.ports.store import (
    HasAudit,
    HasComplaints,
    HasPolicy,
    HasSuperComplaints,
    HasTransparency,
    Transactions,
)
from safeguarding.services import auditor
from safeguarding.services.dsa_qualitative import QualitativeConfig, qualitative

COMPLAINT_STATUSES = ("upheld", "rejected", "open")
SUPER_COMPLAINT_STATUSES = ("received", "under_review", "responded")


class TransparencyWork(
    HasAudit, HasComplaints, HasPolicy, HasSuperComplaints, HasTransparency, Protocol
):
    """What transparency reports reads and writes in one transaction."""


def complaint_outcomes(uow: TransparencyWork, period: Period) -> dict[tuple[str, str], int]:
    """(kind, status) to how many complaints and appeals were filed in the period."""
    return uow.complaints.outcomes(period.start, period.end)


def super_complaint_outcomes(uow: TransparencyWork, period: Period) -> dict[str, int]:
    """Status to how many super-complaints were filed in the period."""
    return uow.super_complaints.outcomes(period.start, period.end)


@dataclass
class Measured:
    """One period's raw figures, as the store counted them."""

    received: int = 0
    tally: ActionTally = field(default_factory=ActionTally)
    to_action: TimeQuantiles = field(default_factory=TimeQuantiles)
    to_decision: TimeQuantiles = field(default_factory=TimeQuantiles)
    notice_to_action: TimeQuantiles = field(default_factory=TimeQuantiles)
    appeal_to_decision: TimeQuantiles = field(default_factory=TimeQuantiles)
    authority_reports: int = 0
    complaints: dict[tuple[str, str], int] = field(default_factory=dict)
    super_complaints: dict[str, int] = field(default_factory=dict)
    children: int = 0
    shared: Counter[tuple[str, str, str]] = field(default_factory=Counter)


Value = Callable[[Measured], float | None]


@dataclass(frozen=True)
class Spec:
    """How to read one figure out of a period's measurements."""

    name: str
    label: str
    value: Value
    unit: str = "count"


def measure(
    uow: TransparencyWork, period: Period, head_seq: int, policies: list[PolicyVersion]
) -> Measured:
    start, end = period.start, period.end
    return Measured(
        received=uow.transparency.events_received(start, end),
        tally=uow.transparency.actioned_tally(start, end),
        to_action=uow.transparency.action_times(start, end),
        to_decision=uow.transparency.report_decision_times(start, end, head_seq),
        notice_to_action=uow.transparency.notice_action_times(start, end, head_seq),
        appeal_to_decision=uow.transparency.appeal_decision_times(start, end),
        authority_reports=uow.transparency.authority_reports_sent(start, end),
        complaints=complaint_outcomes(uow, period),
        super_complaints=super_complaint_outcomes(uow, period),
        children=uow.transparency.children_protected(start, end, child_safe_rules(policies)),
        shared=shared_signals(uow, period),
    )


def shared_signals(uow: TransparencyWork, period: Period) -> Counter[tuple[str, str, str]]:
    """(exported | imported, harm, partner) to signals, from the sharing audit records (an
    export's partner is empty: whoever was given the file)."""
    found: Counter[tuple[str, str, str]] = Counter()
    for record in auditor.records_of(uow, SHARING_ACTIONS, period.start, period.end):
        if record.action == AuditAction.SHARING_EXPORT:
            for harm, n in record.details.get("by_harm", {}).items():
                found["exported", harm, ""] += n
        else:
            for harm, n in record.details.get("imported", {}).items():
                found["imported", harm, record.subject] += n
    return found


SHARING_ACTIONS = (AuditAction.SHARING_EXPORT, AuditAction.SHARING_IMPORT)


def _sharing_specs(now: Measured, before: Measured) -> list[Spec]:
    """Signals exported by harm, and imported by harm and partner (docs/sharing.md)."""

    def total(way: str, harm: str | None = None, partner: str | None = None) -> Value:
        return lambda m: sum(
            n
            for (w, h, p), n in m.shared.items()
            if w == way and harm in (None, h) and partner in (None, p)
        )

    specs = [_count("signals_exported", "Signals exported to partners", total("exported"))]
    specs += [
        _count(f"signals_exported.{h}", f"Shared: {h.replace('_', ' ')}", total("exported", h))
        for h in SHARED_HARMS
    ]
    specs.append(_count("signals_imported", "Signals received from partners", total("imported")))
    specs += [
        _count(f"signals_imported.{h}", f"Received: {h.replace('_', ' ')}", total("imported", h))
        for h in PARTNER_HARMS
    ]
    partners = sorted({p for m in (now, before) for (w, _, p), _n in m.shared.items() if p})
    specs += [
        _count(f"signals_imported.partner.{p}", f"Received from {p}", total("imported", None, p))
        for p in partners
    ]
    return specs


def child_safe_rules(policies: list[PolicyVersion]) -> dict[int, Collection[str]]:
    """Each policy version's child-safe default rules, by name."""
    return {
        p.version: frozenset(r.name for r in p.document.rules if is_child_safe_default(r))
        for p in policies
    }


def versions_in_force(policies: list[PolicyVersion], period: Period) -> tuple[int, ...]:
    """The policy versions in force at some moment of the period."""
    ordered = sorted(policies, key=lambda p: p.version)
    found = []
    for policy, following in zip(ordered, [*ordered[1:], None], strict=True):
        replaced = following.created_at if following is not None else None
        if policy.created_at < period.end and (replaced is None or replaced > period.start):
            found.append(policy.version)
    return tuple(found)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def _count(name: str, label: str, value: Value) -> Spec:
    return Spec(name, label, value)


def _time(name: str, label: str, value: Value) -> Spec:
    return Spec(name, label, value, "minutes")


def _specs() -> list[tuple[str, list[Spec], str]]:
    return [
        ("Events checked", [_count("events_scanned", "Events scanned", lambda m: m.received)], ""),
        ("Decisions that took action", _actioned_specs(), ACTIONED_NOTE),
        ("Actions taken", _action_specs(), "One decision may take several actions."),
        ("How harm was found", _detection_specs(), ""),
        ("Speed", _speed_specs(), "Medians and 90th percentiles are nearest-rank."),
        ("Reports to authorities", [_count("authority_reports", AUTHORITY, _authority)], ""),
        ("Complaints and appeals", _complaint_specs(), "Outcomes as they stand at generation."),
        ("Children protected by default", [_count("children_protected", CHILDREN, _kids)], ""),
    ]


SHARING = "Signals shared with other services"
SHARED_NOTE = "Hashes, URLs and salted account signals; never content (docs/sharing.md)."
ACTIONED_NOTE = "A decision took action when its verdict was not allow or it took any action."
AUTHORITY = "Cases reported to authorities"
CHILDREN = "Children's accounts protected by the child-safe defaults"


def _authority(m: Measured) -> int:
    return m.authority_reports


def _kids(m: Measured) -> int:
    return m.children


def _actioned_specs() -> list[Spec]:
    def of(harm: Harm) -> Value:
        return lambda m: m.tally.by_harm[harm]

    label = "Decisions that took action"
    total = _count("actioned", label, lambda m: m.tally.total)
    return [total, *(_count(f"actioned.harm.{h}", f"{label}: {h.label}", of(h)) for h in Harm)]


def _action_specs() -> list[Spec]:
    def of(action: ActionName) -> Value:
        return lambda m: m.tally.by_action[action]

    return [
        _count(f"actioned.action.{a}", f"Actions taken: {a.replace('_', ' ')}", of(a))
        for a in ActionName
    ]


DETECTIONS = (
    ("proactive", "detector", "Found by the engine's detectors"),
    ("user_reports", "user_report", "Acted on from user reports"),
    ("default_rules", "rule", "Acted on by rules over account facts"),
)


def _detection_specs() -> list[Spec]:
    def found(how: str) -> Value:
        return lambda m: m.tally.by_detection[how]

    def found_harm(how: str, harm: Harm) -> Value:
        return lambda m: m.tally.found[how, harm]

    specs = []
    for name, how, label in DETECTIONS:
        specs.append(_count(f"detection.{name}", label, found(how)))
        specs += [
            _count(f"detection.{name}.{h}", f"{label}: {h.label}", found_harm(how, h)) for h in Harm
        ]
    return specs


def _speed_specs() -> list[Spec]:
    return [
        _time("time.event_to_action.median", "Median time from event to action",
              lambda m: _minutes(m.to_action.median_s)),
        _time("time.event_to_action.p90", "90% of actions taken within",
              lambda m: _minutes(m.to_action.p90_s)),
        _count("reports_decided", "User reports decided by a moderator",
               lambda m: m.to_decision.count),
        _time("time.report_to_decision.median", "Median time from user report to decision",
              lambda m: _minutes(m.to_decision.median_s)),
        _time("time.report_to_decision.p90", "90% of user reports decided within",
              lambda m: _minutes(m.to_decision.p90_s)),
        _count("notices_decided", "User reports decided (by policy or a moderator)",
               lambda m: m.notice_to_action.count),
        _time("time.notice_to_action.median", "Median time from user report to action on it",
              lambda m: _minutes(m.notice_to_action.median_s)),
        _time("time.appeal_to_decision.median", "Median time from appeal to its decision",
              lambda m: _minutes(m.appeal_to_decision.median_s)),
    ]  # fmt: skip


def _complaint_specs() -> list[Spec]:
    def filed(kind: str) -> Value:
        return lambda m: sum(n for (k, _), n in m.complaints.items() if k == kind)

    def at(kind: str, status: str) -> Value:
        return lambda m: m.complaints.get((kind, status), 0)

    def supers(status: str | None) -> Value:
        return lambda m: (
            m.super_complaints.get(status, 0) if status else sum(m.super_complaints.values())
        )

    specs = []
    for kind, plural in (("appeal", "Appeals"), ("complaint", "Complaints")):
        name = plural.lower()
        specs.append(_count(name, plural, filed(kind)))
        specs += [_count(f"{name}.{s}", f"{plural}: {s}", at(kind, s)) for s in COMPLAINT_STATUSES]
    specs.append(_count("super_complaints", "Super-complaints", supers(None)))
    specs += [
        _count(f"super_complaints.{s}", f"Super-complaints: {s.replace('_', ' ')}", supers(s))
        for s in SUPER_COMPLAINT_STATUSES
    ]
    return specs


def sections(period: Period, now: Measured, before: Measured) -> tuple[Section, ...]:
    """Every figure for the period, with the year before's beside it."""
    return tuple(
        Section(
            title=title,
            note=note,
            figures=tuple(
                Figure(
                    name=spec.name,
                    label=spec.label,
                    value=spec.value(now),
                    days=period.days,
                    previous=spec.value(before),
                    unit="minutes" if spec.unit == "minutes" else "count",
                )
                for spec in specs
            ),
        )
        for title, specs, note in [*_specs(), (SHARING, _sharing_specs(now, before), SHARED_NOTE)]
    )


def daily(period: Period, tally: ActionTally, medians: dict[date, float]) -> tuple[DailyPoint, ...]:
    """One point per day of the period, for the charts."""
    return tuple(
        DailyPoint(
            day=day,
            by_harm={h: tally.daily.get(day, Counter())[h] for h in Harm},
            median_minutes_to_action=_minutes(medians.get(day)),
        )
        for day in period.dates()
    )


class TransparencyService:
    """Builds transparency reports and streams the decisions behind them."""

    def __init__(
        self,
        store: Transactions[TransparencyWork],
        clock: Clock,
        organisation: str,
        senior_manager: str,
        qualitative_config: QualitativeConfig | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.organisation = organisation
        self.senior_manager = senior_manager
        self.qualitative_config = qualitative_config or QualitativeConfig()

    def report(self, period: Period, read: auditor.Read | None = None) -> TransparencyReport:
        # The figures are read in one read-only snapshot, which cannot hold the record.
        auditor.note(self.store, self.clock, read)
        with self.store.read() as uow:
            uow.transparency.snapshot()
            head = uow.audit.head()
            seq, digest = (head.seq, head.hash) if head else (0, GENESIS_HASH)
            audit = AuditHead(seq=seq, hash=digest)
            policies = uow.policy.history()
            now = measure(uow, period, audit.seq, policies)
            before = measure(uow, period.year_before(), audit.seq, policies)
            medians = uow.transparency.action_times_daily(period.start, period.end)
        built = sections(period, now, before)
        values = {f.name: f.value for section in built for f in section.figures}
        current = max(policies, key=lambda p: p.version).document if policies else None
        return TransparencyReport(
            organisation=self.organisation,
            senior_manager=self.senior_manager,
            period=period,
            generated_at=self.clock.now(),
            audit_head=audit,
            policy_versions=versions_in_force(policies, period),
            sections=built,
            daily=daily(period, now.tally, medians),
            qualitative=qualitative(
                self.qualitative_config, self.organisation, current, values.get
            ),
        )

    def decisions_count(self, period: Period) -> int:
        with self.store.read() as uow:
            return uow.transparency.decisions_count(period.start, period.end)

    def decisions(self, period: Period) -> Iterator[DecisionFacts]:
        """Every decision made in the period, streamed inside one read transaction."""
        with self.store.read() as uow:
            uow.transparency.snapshot()
            yield from uow.transparency.decision_facts(period.start, period.end)
