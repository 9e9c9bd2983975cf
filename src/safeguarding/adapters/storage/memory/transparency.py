"""A transparency report's figures in memory (``uow.transparency``), as
``sqlalchemy/transparency.py`` computes them: periods are [start, end), durations in seconds
to the millisecond, percentiles by nearest rank. A read already sees one snapshot (its own
copy of the state), so ``snapshot`` has nothing to do."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime

from safeguarding.adapters.storage.memory.state import Repository, StoredRow
from safeguarding.domain.complaints import ComplaintKind
from safeguarding.domain.decision_facts import ActionTally, DecisionFacts, TimeQuantiles
from safeguarding.domain.events import EventType
from safeguarding.domain.reports import ReportStatus

SENT = frozenset({ReportStatus.SUBMITTED, ReportStatus.ACKNOWLEDGED})


class MemoryTransparency(Repository):
    """``TransparencyStore`` in memory."""

    def snapshot(self) -> None:
        """Nothing to do: this transaction reads its own copy of the state."""

    def events_received(self, start: datetime, end: datetime) -> int:
        return sum(1 for r in self.s.events.values() if start <= r.received_at < end)

    def decisions_count(self, start: datetime, end: datetime) -> int:
        return len(self._decided(start, end))

    def authority_reports_sent(self, start: datetime, end: datetime) -> int:
        return sum(
            1
            for r in self.s.reports.values()
            if r.status in SENT and r.submitted_at is not None and start <= r.submitted_at < end
        )

    def actioned_tally(self, start: datetime, end: datetime) -> ActionTally:
        tally = ActionTally()
        for facts in self.decision_facts(start, end):
            if facts.actioned:
                tally.add(facts)
        return tally

    def decision_facts(self, start: datetime, end: datetime) -> Iterator[DecisionFacts]:
        """Every decision made in the period, oldest first (in the order stored)."""
        for row in self._decided(start, end):
            decision = row.decision.model_dump(mode="json")
            yield DecisionFacts.from_stored(row.event.type, row.received_at, decision)

    def action_times(self, start: datetime, end: datetime) -> TimeQuantiles:
        return _quantiles(
            _seconds(r.decision.decided_at, r.event.occurred_at) for r in self._actioned(start, end)
        )

    def action_times_daily(self, start: datetime, end: datetime) -> dict[date, float]:
        """The median time from event to action of each day's actioned decisions."""
        days: dict[date, list[float]] = {}
        for row in self._actioned(start, end):
            decided = row.decision.decided_at
            days.setdefault(decided.astimezone(UTC).date(), []).append(
                _seconds(decided, row.event.occurred_at)
            )
        return {day: _nearest_rank(sorted(seconds), 50) for day, seconds in days.items()}

    def report_decision_times(
        self, start: datetime, end: datetime, up_to_seq: int
    ) -> TimeQuantiles:
        """From each user report received in the period to the first moderator decision
        (``case.decide``, at or before audit record ``up_to_seq``) on a case holding it."""
        reviewed = self._first_reviews(up_to_seq)
        return _quantiles(
            _seconds(reviewed[r.event.event_id], r.received_at)
            for r in self._reports_received(start, end)
            if r.event.event_id in reviewed
        )

    def notice_action_times(self, start: datetime, end: datetime, up_to_seq: int) -> TimeQuantiles:
        """From each user report received in the period to the action on it: the first
        moderator decision on a case holding it, else the policy's decision."""
        reviewed = self._first_reviews(up_to_seq)
        return _quantiles(
            _seconds(reviewed.get(r.event.event_id, r.decision.decided_at), r.received_at)
            for r in self._reports_received(start, end)
        )

    def appeal_decision_times(self, start: datetime, end: datetime) -> TimeQuantiles:
        """From each appeal filed in the period to its decision, for those decided."""
        return _quantiles(
            _seconds(c.decided_at, c.filed_at)
            for c in self.s.complaints.values()
            if c.kind is ComplaintKind.APPEAL
            and start <= c.filed_at < end
            and c.decided_at is not None
        )

    def children_protected(
        self, start: datetime, end: datetime, rules: Mapping[int, Collection[str]]
    ) -> int:
        """Distinct child accounts targeted by a decision on which one of ``rules`` (by policy
        version) acted."""
        targets: set[str] = set()
        for row in self._decided(start, end):
            named = set(rules.get(row.decision.policy_version, ()))
            if named & {r.rule for r in row.decision.rules}:
                targets |= {t for t in row.event.target_ids() if t != row.event.actor_id}
        accounts = self.s.accounts
        return sum(1 for t in targets if t in accounts and accounts[t].age_band.is_child)

    def _decided(self, start: datetime, end: datetime) -> list[StoredRow]:
        return [r for r in self.s.events.values() if start <= r.decision.decided_at < end]

    def _actioned(self, start: datetime, end: datetime) -> list[StoredRow]:
        """Decisions that did something: a verdict other than allow, or any action."""
        return [
            r
            for r in self._decided(start, end)
            if r.decision.verdict.value != "allow" or r.decision.actions
        ]

    def _reports_received(self, start: datetime, end: datetime) -> list[StoredRow]:
        return [
            r
            for r in self.s.events.values()
            if r.event.type == EventType.USER_REPORT and start <= r.received_at < end
        ]

    def _first_reviews(self, up_to_seq: int) -> dict[str, datetime]:
        """By event id, the first ``case.decide`` (up to ``up_to_seq``) of a case holding it."""
        decided: dict[str, datetime] = {}
        for record in self.s.audit:
            if record.action == "case.decide" and record.seq <= up_to_seq:
                at = decided.get(record.subject, record.at)
                decided[record.subject] = min(at, record.at)
        first: dict[str, datetime] = {}
        for case_id, at in decided.items():
            row = self.s.cases.get(case_id)
            for event_id in row.case.event_ids if row else ():
                first[event_id] = min(at, first.get(event_id, at))
        return first


def _seconds(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds()


def _nearest_rank(ordered: list[float], percent: int) -> float:
    """The nearest-rank percentile of sorted durations, to the millisecond."""
    rank = (len(ordered) * percent + 99) // 100
    return round(ordered[max(rank, 1) - 1], 3)


def _quantiles(durations: Iterable[float]) -> TimeQuantiles:
    ordered = sorted(durations)
    if not ordered:
        return TimeQuantiles()
    return TimeQuantiles(len(ordered), _nearest_rank(ordered, 50), _nearest_rank(ordered, 90))
