"""Transparency reports from stored decisions, on SQLite and PostgreSQL: each figure.

Every event goes through the real ingest path with a clock set to when it was received, so
each figure is computed from what the engine stored, never typed in. The published police
figures (Kent's rise from 490 to 735 offences; three forces over the first quarter of 2020)
are reproduced from events and must read as published.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.transparency import Period, TransparencyReport
from safeguarding.services.policy import default_policy_source
from tests.services.transparency.world import (
    FINANCIAL_2019,
    JANUARY,
    NOON,
    QUARTER_2020,
    MovableClock,
    blocked_contacts,
    grooming_report,
    grooming_reports,
    ingest_at,
    small_store,
)


# -- the published figures ------------------------------------------------------------------
def test_kent_financial_years_read_as_published(world: Container, clock: MovableClock) -> None:
    """Kent: 490 offences in 2018/19 and 735 in 2019/20, "up 50%" at 2.0 a day."""
    grooming_reports(world, clock, FINANCIAL_2019.year_before(), 490, "y1")
    grooming_reports(world, clock, FINANCIAL_2019, 735, "y2")
    clock.at = datetime(2020, 6, 1, tzinfo=UTC)
    report = world.transparency.report(FINANCIAL_2019)
    grooming = report.figure("actioned.harm.grooming")
    assert (grooming.value, grooming.previous, grooming.days) == (735, 490, 366)
    assert grooming.wording() == "735, equivalent to 2.0 a day, up 50% on last year"
    assert report.figure("detection.user_reports.grooming").value == 735
    assert report.figure("events_scanned").wording().endswith("up 50% on last year")


@pytest.mark.parametrize(
    ("force", "offences", "per_day"),
    [("kent", 352, "3.9"), ("leicestershire", 174, "1.9"), ("northamptonshire", 200, "2.2")],
)
def test_first_quarter_of_2020_reads_as_published(
    world: Container, clock: MovableClock, force: str, offences: int, per_day: str
) -> None:
    blocked_contacts(world, clock, QUARTER_2020, offences, force)
    report = world.transparency.report(QUARTER_2020)
    actioned = report.figure("actioned")
    assert (actioned.value, actioned.days) == (offences, 91)
    assert actioned.wording() == (
        f"{offences}, equivalent to {per_day} a day, no figure for last year"
    )
    assert report.figure("detection.default_rules").value == offences
    assert report.figure("children_protected").value == offences


def values(report: TransparencyReport, *names: str) -> dict[str, Any]:
    return {name: report.figure(name).value for name in names}


def test_each_figure_counts_what_its_definition_says(world: Container, clock: MovableClock) -> None:
    small_store(world, clock)
    report = world.transparency.report(JANUARY)
    # received in [start, end): the first batch counts, the one at the end does not
    assert report.figure("events_scanned").value == 1 + 7
    assert values(report, "actioned", *(f"actioned.harm.{h}" for h in HARMS)) == {
        "actioned": 3,
        "actioned.harm.abuse_imagery": 1,
        "actioned.harm.grooming": 1,
        "actioned.harm.self_harm": 0,
        "actioned.harm.other": 1,
    }
    assert values(report, *(f"actioned.action.{a}" for a in ACTIONS)) == {
        "actioned.action.block": 2,
        "actioned.action.support_message": 1,
        "actioned.action.open_case": 2,
        "actioned.action.preserve_evidence": 2,
        "actioned.action.report_to_authority": 1,
        "actioned.action.suspend_account": 1,
        "actioned.action.notify": 1,
    }
    assert values(
        report,
        "detection.proactive.abuse_imagery",
        "detection.user_reports.grooming",
        "detection.default_rules.other",
        "detection.proactive.grooming",
    ) == {
        "detection.proactive.abuse_imagery": 1,
        "detection.user_reports.grooming": 1,
        "detection.default_rules.other": 1,
        "detection.proactive.grooming": 0,
    }


HARMS = ("abuse_imagery", "grooming", "self_harm", "other")
ACTIONS = (
    "block",
    "support_message",
    "open_case",
    "preserve_evidence",
    "report_to_authority",
    "suspend_account",
    "notify",
)


def test_times_reports_complaints_and_children(world: Container, clock: MovableClock) -> None:
    small_store(world, clock)
    report = world.transparency.report(JANUARY)
    # actioned 10, 30 and 20 minutes after the events: nearest-rank median 20, p90 30
    assert values(report, "time.event_to_action.median", "time.event_to_action.p90") == {
        "time.event_to_action.median": 20,
        "time.event_to_action.p90": 30,
    }
    assert report.figure("time.event_to_action.median").wording() == (
        "20 minutes, no figure for last year"
    )
    # the report was received at noon; its case was decided 90 minutes later
    assert values(report, "reports_decided", "time.report_to_decision.median") == {
        "reports_decided": 1,
        "time.report_to_decision.median": 90,
    }
    assert report.figure("time.report_to_decision.p90").shown() == "1.5 hours"
    assert report.figure("authority_reports").value == 1
    assert values(report, "appeals", "appeals.upheld", "complaints", "complaints.open") == {
        "appeals": 1,
        "appeals.upheld": 1,
        "complaints": 1,
        "complaints.open": 1,
    }
    assert values(report, "super_complaints", "super_complaints.received") == {
        "super_complaints": 1,
        "super_complaints.received": 1,
    }
    # child-b was the target of the child-safe default; adult-c (an adult) does not count
    assert report.figure("children_protected").value == 1


def test_last_year_is_the_same_dates_a_year_earlier(world: Container, clock: MovableClock) -> None:
    last_year = NOON.replace(year=2020)
    ingest_at(world, clock, last_year, grooming_report("c1", "a1", last_year, "r-2020"))
    after = datetime(2020, 2, 1, tzinfo=UTC)  # just past last year's January
    ingest_at(world, clock, after, grooming_report("c2", "a2", after, "r-2020-feb"))
    ingest_at(world, clock, NOON, grooming_report("c3", "a3", NOON, "r-2021-a"))
    ingest_at(world, clock, NOON, grooming_report("c4", "a4", NOON, "r-2021-b"))
    report = world.transparency.report(JANUARY)
    figure = report.figure("actioned.harm.grooming")
    assert (figure.value, figure.previous) == (2, 1)
    assert figure.wording() == "2, equivalent to 0.1 a day, up 100% on last year"
    assert (
        report.figure("actioned.harm.abuse_imagery").wording().endswith("no figure for last year")
    )


def test_the_report_is_as_of_the_audit_head_and_names_the_policies(
    world: Container, clock: MovableClock
) -> None:
    ingest_at(world, clock, NOON, grooming_report("c1", "a1", NOON, "r-1"))
    clock.at = NOON + timedelta(days=2)
    world.policies.replace(default_policy_source() + "\n# reviewed\n", by="test", note="review")
    ingest_at(world, clock, NOON + timedelta(days=3), grooming_report("c2", "a2", NOON, "r-2"))
    report = world.transparency.report(JANUARY)
    with world.store.read() as uow:
        head = uow.audit.head()
    assert head is not None
    assert (report.audit_head.seq, report.audit_head.hash) == (head.seq, head.hash)
    assert report.policy_versions == (1, 2)
    assert world.transparency.report(Period.parse("2021-03-01", "2021-03-31")).policy_versions == (
        2,
    )
    assert (report.organisation, report.senior_manager) == (
        "Example Chat Ltd",
        "Sam Example, Head of Trust and Safety",
    )
