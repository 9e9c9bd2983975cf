"""Whom an authority report names when no signal names a suspect: for a user's report, the
account reported, never the person (often a child) who reported it."""

from __future__ import annotations

from safeguarding.bootstrap import Container
from safeguarding.services.access import OPERATOR
from tests.factories import event, profile, report

WITH_REPORT = """      - open_case: {queue: grooming, priority: 2}
      - preserve_evidence
      - report_to_authority"""


def test_a_report_drafted_from_a_childs_report_names_the_reported_adult(
    container: Container,
) -> None:
    source = container.policies.current_readonly().source
    rule = source.index("name: user-report-grooming")
    start = source.index("      - open_case: {queue: grooming, priority: 2}", rule)
    end = source.index("      - preserve_evidence", start) + len("      - preserve_evidence")
    container.policies.replace(source[:start] + WITH_REPORT + source[end:], by="test")
    events = [profile("child-13", 13), profile("adult-40", 40), report("child-13", "adult-40")]
    results = container.ingest.ingest([event(e) for e in events], source="test")
    container.outbox.run_once(100)
    drafted = container.reports.build(results[-1].event_id, "default", OPERATOR)
    assert {(a.account_id, a.role) for a in drafted.accounts} == {
        ("adult-40", "suspect"),
        ("child-13", "child"),
    }
