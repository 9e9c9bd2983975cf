"""Which (suspect, child) pairs a decision holds for review.

Until a moderator decides the case a decision opened, the policy sees ``under_review`` on
everything the suspect aims at the child, in any conversation (the default policy's
``grooming-case-undecided`` holds it with the case). Two kinds of decision hold a pair:

- a flagged grooming risk that keeps a message back and opens a case: its signal names the
  suspect and the child;
- a report of grooming that opens a case, made by a child or by someone whose age is not
  known: the reported account is held from the reporter. Waiting for a moderator to read the
  report, the adult's next messages must not keep reaching the child who asked for help. A
  report by a known adult (a parent, a teacher) holds nothing here: the child it is about is
  not named by the event, and the case is reviewed as any report is.
"""

from __future__ import annotations

from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.actions import ActionName
from safeguarding.domain.decisions import Decision, Verdict
from safeguarding.domain.events import Event, ReportReason, UserReportEvent

REPORT_DETECTOR = "user_report"


def held_pairs(event: Event, decision: Decision, reporter: AgeBand) -> list[tuple[str, str]]:
    """The (suspect, child) pairs this decision holds; ``reporter`` is the band of the
    event's actor (read only for a report)."""
    if not any(a.name is ActionName.OPEN_CASE for a in decision.actions):
        return []
    if isinstance(event, UserReportEvent):
        return _reported(event, decision, reporter)
    if decision.verdict is Verdict.ALLOW:
        return []
    pairs = []
    for signal in decision.signals:
        details = signal.evidence.details
        suspect, child = details.get("suspect_account_id"), details.get("child_account_id")
        if isinstance(suspect, str) and isinstance(child, str):
            pairs.append((suspect, child))
    return pairs


def _reported(
    event: UserReportEvent, decision: Decision, reporter: AgeBand
) -> list[tuple[str, str]]:
    grooming = any(
        s.detector == REPORT_DETECTOR and s.kind == ReportReason.GROOMING.value
        for s in decision.signals
    )
    if not grooming or reporter is AgeBand.ADULT or event.reported_account_id == event.actor_id:
        return []
    return [(event.reported_account_id, event.actor_id)]
