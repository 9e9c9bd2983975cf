"""What a moderator sees on a case page, gathered in one read and audited as one access.

The page shows the case's events and the signals that drove it, the conversation around
them in order (every message that showed a grooming stage tagged with it, the subject's
messages marked as the cause and never the child's replies, the cue spans that fired), the
facts about every account involved, and the subject's other cases with the children each one
involved, so a moderator can see the same adult reaching several children at a glance.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import Protocol

from safeguarding.domain.access import Principal
from safeguarding.domain.accounts import Account
from safeguarding.domain.audit_actions import AuditAction, AuditSubject
from safeguarding.domain.cases import Case
from safeguarding.domain.decisions import Decision
from safeguarding.domain.errors import NotFound
from safeguarding.domain.events import Event, MediaEvent, UserReportEvent
from safeguarding.domain.evidence import EvidenceRecord
from safeguarding.domain.ids import Clock
from safeguarding.domain.reports import ReportRecord
from safeguarding.domain.signals import Signal
from safeguarding.ports.store import HasAccounts, HasEvidence, HasReports, Transactions
from safeguarding.services import auditor
from safeguarding.services.access import AccessWork, check_own_queues, works_own_queues
from safeguarding.services.review import check_works, existing_case

REVEAL = AuditAction.EVIDENCE_REVEAL
TIMELINE_LIMIT = 200
RELATED_LIMIT = 50
# Signals whose content a moderator should open deliberately rather than meet on arrival.
DISTRESSING = {
    "self_harm": {"ideation", "intent_or_plan", "encouragement", "self_harm_disclosure"},
    "user_report": {"abuse_imagery", "self_harm"},
}


class CaseViewWork(AccessWork, HasAccounts, HasEvidence, HasReports, Protocol):
    """What a case page reads and writes in one transaction."""


@dataclass(frozen=True)
class TimelineItem:
    """One event in the conversation around a case, and what flagged it."""

    event: Event
    decision: Decision
    in_case: bool
    flagged_by: tuple[Signal, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()
    stages: tuple[str, ...] = ()  # grooming stages the detector placed on this message
    cause: bool = False  # the case's subject wrote it, and a signal or a stage marks it

    @property
    def collapsed(self) -> bool:
        """Text flagged as distressing is collapsed until the moderator opens it."""
        return any(s.kind in DISTRESSING.get(s.detector, ()) for s in self.flagged_by)


@dataclass(frozen=True)
class RelatedCase:
    """Another case about the same subject, with the children it involved."""

    case: Case
    children: tuple[str, ...]


@dataclass(frozen=True)
class CaseView:
    """Everything the case page shows."""

    case: Case
    signals: tuple[Signal, ...]
    timeline: tuple[TimelineItem, ...]
    accounts: dict[str, Account]
    restricted: frozenset[str]
    related: tuple[RelatedCase, ...]
    reports: tuple[ReportRecord, ...]
    evidence: dict[str, EvidenceRecord] = field(default_factory=dict)
    # Images of other queues than the viewer works: shown as withheld, never previewed.
    withheld: frozenset[str] = frozenset()

    @property
    def media(self) -> tuple[TimelineItem, ...]:
        """The images the viewer may preview and reveal."""
        return tuple(
            i
            for i in self.timeline
            if isinstance(i.event, MediaEvent) and i.event.event_id not in self.withheld
        )


class CaseViewService:
    """Builds case pages, checking the moderator works the case's queue, and audits each view."""

    def __init__(self, store: Transactions[CaseViewWork], clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def view(self, case_id: str, principal: Principal) -> CaseView:
        with self.store.write() as uow:
            case = existing_case(uow, case_id)
            check_works(principal, case)
            built = _build(uow, case)
            withheld = {i.event.event_id for i in built.media}
            withheld -= {e for e in withheld if works_own_queues(uow, principal, e)}
            built = replace(built, withheld=frozenset(withheld))
            shown = {"events_shown": len(built.timeline)}
            subject = AuditSubject.case(case_id)
            auditor.record(uow, self.clock.now(), principal, AuditAction.CASE_VIEW, subject, shown)
        return built

    def reveal(self, case_id: str, event_id: str, principal: Principal) -> MediaEvent:
        """One image of a case, in the clear, for a moderator who asked; audited as an exposure."""
        with self.store.write() as uow:
            case = existing_case(uow, case_id)
            check_works(principal, case)
            event = uow.events.get(event_id)
            if not isinstance(event, MediaEvent) or event_id not in _shown(uow, case):
                raise NotFound(f"case {case_id} shows no image {event_id!r}")
            check_own_queues(uow, principal, event_id, f"image {event_id!r}")
            if event.content() is None:
                raise NotFound(f"only hashes were received for {event_id!r}; there is no image")
            details = {"case_id": case_id}
            subject = AuditSubject.event(event_id)
            auditor.record(uow, self.clock.now(), principal, REVEAL, subject, details)
        return event

    def exposures(self, actors: Collection[str] | None = None) -> dict[str, int]:
        """How many images each moderator has revealed, from the audit log."""
        with self.store.read() as uow:
            return auditor.counts(uow, REVEAL, actors)


def _shown(uow: CaseViewWork, case: Case) -> set[str]:
    return {item.event.event_id for item in _timeline(uow, case, ())}


def _build(uow: CaseViewWork, case: Case) -> CaseView:
    decisions = uow.events.decisions(case.event_ids)
    signals = tuple(s for _, d in decisions.values() for s in d.signals)
    timeline = _timeline(uow, case, signals)
    people = _people(timeline, case)
    related = tuple(
        RelatedCase(other, _children(uow, other))
        for other in uow.cases.of_subject(case.subject_account_id, RELATED_LIMIT)
        if other.case_id != case.case_id
    )
    return CaseView(
        case=case,
        signals=signals,
        timeline=timeline,
        accounts=uow.accounts.get(people),
        restricted=frozenset(uow.accounts.restrictions_of(people)),
        related=related,
        reports=tuple(uow.reports.for_events(case.event_ids)),
        evidence={e: r for e in case.event_ids if (r := uow.evidence.get(e)) is not None},
    )


def _timeline(
    uow: CaseViewWork, case: Case, signals: tuple[Signal, ...]
) -> tuple[TimelineItem, ...]:
    pairs = _case_events(uow, case)
    seen = {e.event_id for e, _ in pairs}
    for conversation in dict.fromkeys(c for e, _ in pairs if (c := e.conversation())):
        pairs += [
            p
            for p in uow.events.of_conversation(conversation, TIMELINE_LIMIT)
            if p[0].event_id not in seen
        ]
        seen |= {e.event_id for e, _ in pairs}
    pairs.sort(key=lambda p: p[0].occurred_at)
    stages = _stages(decision for _, decision in pairs)
    return tuple(
        _item(event, decision, case, signals, stages.get(event.event_id, ()))
        for event, decision in pairs
    )


def _stages(decisions: Iterable[Decision]) -> dict[str, tuple[str, ...]]:
    """Each message's grooming stages, from every decision in the conversation: the stage
    timeline grows with each message, so a stage seen after the case opened is tagged too."""
    found: dict[str, dict[str, None]] = {}
    for decision in decisions:
        for signal in decision.signals:
            for step in signal.evidence.details.get("timeline", ()):
                if isinstance(step, dict) and isinstance(step.get("event_id"), str):
                    found.setdefault(step["event_id"], {})[str(step.get("stage"))] = None
    return {event_id: tuple(names) for event_id, names in found.items()}


def _case_events(uow: CaseViewWork, case: Case) -> list[tuple[Event, Decision]]:
    """The case's own events, and any event a user report in it points to."""
    wanted = list(case.event_ids)
    found: dict[str, tuple[Event, Decision]] = {}
    for event_id in wanted:  # grows while it runs: a report adds the event it points to
        event = uow.events.get(event_id) if event_id not in found else None
        if event is None:
            continue
        found[event_id] = (event, uow.events.decisions([event_id])[event_id][1])
        if isinstance(event, UserReportEvent) and event.reported_event_id:
            wanted.append(event.reported_event_id)
    return list(found.values())


def _item(
    event: Event,
    decision: Decision,
    case: Case,
    signals: Iterable[Signal],
    stages: tuple[str, ...],
) -> TimelineItem:
    flagged = tuple(s for s in signals if _caused_by(s, event))
    spans = tuple(
        (span.start, span.end)
        for s in flagged
        for span in s.evidence.spans
        if span.event_id == event.event_id
    )
    return TimelineItem(
        event=event,
        decision=decision,
        in_case=event.event_id in case.event_ids,
        flagged_by=flagged,
        spans=tuple(sorted(set(spans))),
        stages=stages,
        cause=event.actor_id == case.subject_account_id and bool(flagged or stages),
    )


def _caused_by(signal: Signal, event: Event) -> bool:
    """Whether the signal marks this event as its cause: a conversation signal names its
    suspect, and only the suspect's messages are the cause, never the child's replies."""
    suspect = signal.evidence.details.get("suspect_account_id")
    if isinstance(suspect, str) and event.actor_id != suspect:
        return False
    return _points_at(signal, event.event_id)


def _points_at(signal: Signal, event_id: str) -> bool:
    return event_id in signal.evidence.event_ids or any(
        span.event_id == event_id for span in signal.evidence.spans
    )


def _people(timeline: Iterable[TimelineItem], case: Case) -> list[str]:
    people = [case.subject_account_id]
    for item in timeline:
        people += [item.event.actor_id, *item.event.target_ids()]
    return list(dict.fromkeys(people))


def _children(uow: CaseViewWork, case: Case) -> tuple[str, ...]:
    """The child accounts a case involved: whoever its events (and reported events) reached
    or came from, other than the subject, by their recorded age band."""
    events = [event for event, _ in _case_events(uow, case)]
    people = [p for e in events for p in (e.actor_id, *e.target_ids())]
    others = [p for p in dict.fromkeys(people) if p != case.subject_account_id]
    accounts = uow.accounts.get(others)
    return tuple(p for p in others if p in accounts and accounts[p].age_band.is_child)
