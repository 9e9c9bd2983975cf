"""Which (suspect, child) pairs a decision holds for review.

Until a moderator decides the case a decision opened, the policy sees ``under_review`` on
everything the suspect aims at the child, in any conversation (the default policy's
``grooming-case-undecided`` holds it with the case). Two kinds of decision hold a pair:

- a flagged grooming risk that keeps a message back and opens a case: its signal names the
  suspect and the child;
- a report of grooming that opens a case, made by a child or by someone whose age is not
  known: the reported account is held from the reporter. Waiting for a moderator to read the
  report, the adult's next messages must not keep reaching the child who asked for help;
- the same report made by a parent or carer: the reported account is held from every child
  the reporter is the verified guardian of (the link both accounts state, as
  ``relationships.guardian_linked`` reads it). A parent who sees the messages on a child's
  phone reports from their own account, and the child they are protecting is known only
  through that link. A report by any other adult (a teacher, a stranger) names no child, so it
  holds nothing here and is reviewed as any report is; a guardian link that only the reporter
  states holds nothing either, or any adult could hold anyone away from any child.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from safeguarding.domain.accounts import Account, AgeBand
from safeguarding.domain.actions import ActionName
from safeguarding.domain.decisions import Decision, Verdict
from safeguarding.domain.events import Event, ReportReason, UserReportEvent
from safeguarding.domain.relationships import guardian_linked

REPORT_DETECTOR = "user_report"

AccountLoader = Callable[[Collection[str]], Mapping[str, Account]]


def held_pairs(
    event: Event, decision: Decision, reporter: Account, accounts: AccountLoader
) -> list[tuple[str, str]]:
    """The (suspect, child) pairs this decision holds; ``reporter`` is the event's actor and
    ``accounts`` reads accounts by id (both read only for a report)."""
    if not any(a.name is ActionName.OPEN_CASE for a in decision.actions):
        return []
    if isinstance(event, UserReportEvent):
        return _reported(event, decision, reporter, accounts)
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
    event: UserReportEvent, decision: Decision, reporter: Account, accounts: AccountLoader
) -> list[tuple[str, str]]:
    grooming = any(
        s.detector == REPORT_DETECTOR and s.kind == ReportReason.GROOMING.value
        for s in decision.signals
    )
    suspect = event.reported_account_id
    if not grooming or suspect == event.actor_id:
        return []
    # A verified guardian whose own age is not known holds both: herself and her children.
    reporters = [] if reporter.age_band is AgeBand.ADULT else [event.actor_id]
    wards = [w for w in wards_of(reporter, accounts) if w not in (suspect, event.actor_id)]
    return [(suspect, child) for child in reporters + wards]


def wards_of(guardian: Account, accounts: AccountLoader) -> list[str]:
    """The accounts, children or of unknown age, that ``guardian`` is the verified guardian
    of: its ``guardian_of`` names them and their ``guardians`` name it."""
    if not guardian.guardian_of:
        return []
    found = accounts(guardian.guardian_of)
    return sorted(
        ward_id
        for ward_id in guardian.guardian_of
        if (ward := found.get(ward_id)) is not None
        and ward.age_band is not AgeBand.ADULT
        and guardian_linked(guardian, ward)
    )
