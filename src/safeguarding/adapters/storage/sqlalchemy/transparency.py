"""The transparency part of the unit of work: a report's figures, in SQL or streamed.

Counts and percentiles are SQL aggregates (percentiles by window functions, nearest rank), so
the database does the sorting. What needs a decision's JSON read in Python (harm, detection,
actions) streams through ``yield_per`` into running counters; nothing holds all the rows.
Content is never read, except the recipients of the few events a child-safe rule acted on,
opened in memory to learn which accounts were protected.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Text,
    and_,
    cast,
    extract,
    func,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.decision_facts import ActionTally, DecisionFacts, TimeQuantiles
from safeguarding.domain.events import EVENT_ADAPTER

STREAM_ROWS = 500  # rows per fetch when streaming decisions: the memory window
CHILD_BANDS = [band.value for band in AgeBand if band.is_child]
SENT = ("submitted", "acknowledged")
E = t.events.c


class TransparencyRows(Rows):
    """Report figures over the events, cases and audit tables."""

    def snapshot(self) -> None:
        """On PostgreSQL, make every later read of this transaction see one snapshot (must be
        its first statement); SQLite's read transactions already do."""
        if self._dialect == "postgresql":
            self.conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")

    # -- counts -------------------------------------------------------------------------------
    def events_received(self, start: datetime, end: datetime) -> int:
        query = select(func.count()).where(E.received_at >= start, E.received_at < end)
        return int(self.conn.execute(query).scalar_one())

    def decisions_count(self, start: datetime, end: datetime) -> int:
        query = select(func.count()).where(E.decided_at >= start, E.decided_at < end)
        return int(self.conn.execute(query).scalar_one())

    def authority_reports_sent(self, start: datetime, end: datetime) -> int:
        r = t.authority_reports.c
        query = select(func.count()).where(
            r.submitted_at >= start, r.submitted_at < end, r.status.in_(SENT)
        )
        return int(self.conn.execute(query).scalar_one())

    # -- streamed -----------------------------------------------------------------------------
    def actioned_tally(self, start: datetime, end: datetime) -> ActionTally:
        tally = ActionTally()
        for facts in self._facts(start, end, actioned_only=True):
            tally.add(facts)
        return tally

    def decision_facts(self, start: datetime, end: datetime) -> Iterator[DecisionFacts]:
        """Every decision made in the period, oldest first, streamed."""
        return self._facts(start, end, actioned_only=False)

    def _facts(
        self, start: datetime, end: datetime, actioned_only: bool
    ) -> Iterator[DecisionFacts]:
        query = select(E.type, E.received_at, E.decision).where(
            E.decided_at >= start, E.decided_at < end
        )
        if actioned_only:
            query = query.where(self._actioned())
        query = query.order_by(E.seq).execution_options(yield_per=STREAM_ROWS)
        for row in self.conn.execute(query):
            yield DecisionFacts.from_stored(row.type, row.received_at, row.decision)

    # -- durations ----------------------------------------------------------------------------
    def action_times(self, start: datetime, end: datetime) -> TimeQuantiles:
        seconds = self._seconds(E.decided_at, E.occurred_at).label("seconds")
        durations = select(seconds).where(
            E.decided_at >= start, E.decided_at < end, self._actioned()
        )
        return self._quantiles(durations)

    def action_times_daily(self, start: datetime, end: datetime) -> dict[date, float]:
        """The median time from event to action of each day's actioned decisions."""
        inner = (
            select(
                self._day(E.decided_at).label("day"),
                self._seconds(E.decided_at, E.occurred_at).label("seconds"),
            )
            .where(E.decided_at >= start, E.decided_at < end, self._actioned())
            .subquery()
        )
        ranked = select(
            inner.c.day,
            inner.c.seconds,
            func.row_number().over(partition_by=inner.c.day, order_by=inner.c.seconds).label("rn"),
            func.count().over(partition_by=inner.c.day).label("n"),
        ).subquery()
        medians = select(ranked.c.day, ranked.c.seconds).where(ranked.c.rn == (ranked.c.n + 1) // 2)
        return {_as_date(day): _ms(s) for day, s in self.conn.execute(medians)}

    def report_decision_times(
        self, start: datetime, end: datetime, up_to_seq: int
    ) -> TimeQuantiles:
        """From each user report received in the period to the first moderator decision
        (``case.decide``, at or before audit record ``up_to_seq``) on a case holding it."""
        a, ce = t.audit_log.c, t.case_events.c
        first = (
            select(E.received_at.label("received_at"), func.min(a.at).label("decided_at"))
            .join(t.case_events, ce.event_id == E.event_id)
            .join(t.audit_log, and_(a.subject == ce.case_id, a.action == "case.decide"))
            .where(
                E.type == "user_report",
                E.received_at >= start,
                E.received_at < end,
                a.seq <= up_to_seq,
            )
            .group_by(E.event_id, E.received_at)
            .subquery()
        )
        seconds = self._seconds(first.c.decided_at, first.c.received_at).label("seconds")
        return self._quantiles(select(seconds))

    def notice_action_times(self, start: datetime, end: datetime, up_to_seq: int) -> TimeQuantiles:
        """From each user report received in the period to the action on it: the first
        moderator decision on a case holding it (at or before ``up_to_seq``), else the
        policy's decision (which acts, or decides not to, when the report arrives)."""
        a, ce = t.audit_log.c, t.case_events.c
        reviewed = (
            select(ce.event_id.label("event_id"), func.min(a.at).label("decided_at"))
            .join(t.audit_log, and_(a.subject == ce.case_id, a.action == "case.decide"))
            .where(a.seq <= up_to_seq)
            .group_by(ce.event_id)
            .subquery()
        )
        acted = func.coalesce(reviewed.c.decided_at, E.decided_at)
        seconds = self._seconds(acted, E.received_at).label("seconds")
        durations = (
            select(seconds)
            .select_from(t.events)
            .outerjoin(reviewed, reviewed.c.event_id == E.event_id)
            .where(
                E.type == "user_report",
                E.received_at >= start,
                E.received_at < end,
                E.decided_at.is_not(None),
            )
        )
        return self._quantiles(durations)

    def appeal_decision_times(self, start: datetime, end: datetime) -> TimeQuantiles:
        """From each appeal filed in the period to its decision, for those decided."""
        c = t.complaints.c
        seconds = self._seconds(c.decided_at, c.filed_at).label("seconds")
        durations = select(seconds).where(
            c.kind == "appeal", c.filed_at >= start, c.filed_at < end, c.decided_at.is_not(None)
        )
        return self._quantiles(durations)

    def _quantiles(self, durations: Any) -> TimeQuantiles:
        inner = durations.subquery()
        ranked = select(
            inner.c.seconds,
            func.row_number().over(order_by=inner.c.seconds).label("rn"),
            func.count().over().label("n"),
        ).subquery()
        k50, k90 = (ranked.c.n + 1) // 2, (ranked.c.n * 9 + 9) // 10
        query = select(ranked.c.rn, ranked.c.n, ranked.c.seconds, k50.label("k50")).where(
            or_(ranked.c.rn == k50, ranked.c.rn == k90)
        )
        rows = self.conn.execute(query).all()
        if not rows:
            return TimeQuantiles()
        median = next(_ms(r.seconds) for r in rows if r.rn == r.k50)
        return TimeQuantiles(int(rows[0].n), median, _ms(max(rows, key=lambda r: r.rn).seconds))

    # -- children protected by default --------------------------------------------------------
    def children_protected(
        self, start: datetime, end: datetime, rules: Mapping[int, Collection[str]]
    ) -> int:
        """Distinct child accounts targeted by a decision on which one of ``rules`` (by policy
        version) acted. Rule names pre-filter rows in SQL; Python confirms on the decision."""
        names = sorted({name for named in rules.values() for name in named})
        if not names:
            return 0
        text = cast(E.decision, Text)
        query = (
            select(E.event_id, E.actor_id, E.key_id, E.payload, E.policy_version, E.decision)
            .where(E.decided_at >= start, E.decided_at < end)
            .where(E.policy_version.in_(sorted(rules)))
            .where(or_(*(text.contains(f'"{name}"', autoescape=True) for name in names)))
            .execution_options(yield_per=500)
        )
        children: set[str] = set()
        pending: set[str] = set()
        for row in self.conn.execute(query):
            acted = {r["rule"] for r in row.decision.get("rules") or ()}
            if acted & set(rules.get(row.policy_version, ())):
                pending |= self._targets(row)
            if len(pending) >= 500:
                children |= self._children_among(pending)
                pending = set()
        return len(children | self._children_among(pending))

    def _targets(self, row: Any) -> set[str]:
        sealed = self.cipher.open(row.key_id, row.payload, row.event_id.encode())
        event = EVENT_ADAPTER.validate_json(sealed)
        return {target for target in event.target_ids() if target != row.actor_id}

    def _children_among(self, account_ids: set[str]) -> set[str]:
        if not account_ids:
            return set()
        a = t.accounts.c
        query = select(a.account_id).where(
            a.account_id.in_(sorted(account_ids)), a.age_band.in_(CHILD_BANDS)
        )
        return {row.account_id for row in self.conn.execute(query)}

    # -- dialect-specific SQL -----------------------------------------------------------------
    def _actioned(self) -> ColumnElement[bool]:
        """A decision that did something: a verdict other than allow, or any action."""
        if self._dialect == "postgresql":
            actions = func.json_array_length(E.decision["actions"])
        else:
            actions = func.json_array_length(E.decision, "$.actions")
        return or_(E.verdict != "allow", actions > 0)

    def _seconds(self, later: Any, earlier: Any) -> ColumnElement[float]:
        if self._dialect == "postgresql":
            return extract("epoch", later - earlier)
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0

    def _day(self, moment: Any) -> ColumnElement[Any]:
        if self._dialect == "postgresql":
            return cast(func.timezone("UTC", moment), Date)
        return func.date(moment)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _ms(seconds: Any) -> float:
    """Seconds to the millisecond: SQLite's julianday arithmetic is off in the microseconds."""
    return round(float(seconds), 3)
