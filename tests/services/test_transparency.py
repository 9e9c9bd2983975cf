"""Transparency reports from stored decisions, on SQLite and PostgreSQL.

Every event goes through the real ingest path with a clock set to when it was received, so
each figure is computed from what the engine stored, never typed in. The published police
figures (Kent's rise from 490 to 735 offences; three forces over the first quarter of 2020)
are reproduced from events and must read as published.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from safeguarding.adapters.exports import FORMATS, decisions_csv
from safeguarding.adapters.exports.dsa import COLUMNS as DSA_COLUMNS
from safeguarding.adapters.exports.tables import FIGURE_COLUMNS
from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.bootstrap import Container, build
from safeguarding.domain.access import Principal, Role
from safeguarding.domain.cases import CaseDecision, Outcome
from safeguarding.domain.complaints import ComplaintKind, ComplaintStatus
from safeguarding.domain.events import EVENT_ADAPTER
from safeguarding.domain.transparency import Period, TransparencyReport
from safeguarding.services.complaints import NewComplaint
from safeguarding.services.policy import default_policy_source
from tests.conftest import make_settings

KNOWN = hashlib.sha256(b"a benign stand-in for a listed image").hexdigest()
MODERATOR = Principal(key_id="k-mod", name="sam", role=Role.MODERATOR)
PLATFORM = Principal(key_id="k-app", name="app", role=Role.PLATFORM)
ADVOCATE = Principal(key_id="k-adv", name="voice", role=Role.ADVOCATE)
FINANCIAL_2019 = Period.parse("2019-04-01", "2020-03-31")
QUARTER_2020 = Period.parse("2020-01-01", "2020-03-31")


class Clock:
    """A clock the test moves: ingest stamps received_at and decided_at with it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2018, 1, 1, tzinfo=UTC))


@pytest.fixture
def world(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Container]:
    """A container whose clock the test sets, with one listed image hash."""
    hashes = tmp_path / "known.txt"
    hashes.write_text(KNOWN + "\n")
    settings = make_settings(
        database_url,
        tmp_path,
        sha256_list_path=hashes,
        organisation="Example Chat Ltd",
        senior_manager="Sam Example, Head of Trust and Safety",
    )
    built = build(settings, clock=clock)
    yield built
    built.close()


# -- events ---------------------------------------------------------------------------------
def event(kind: str, event_id: str, actor: str, at: datetime, **fields: Any) -> dict[str, Any]:
    common = {"type": kind, "event_id": event_id, "occurred_at": at.isoformat(), "actor_id": actor}
    return common | fields


def profile(actor: str, age: int, at: datetime) -> dict[str, Any]:
    return event("profile_update", f"p-{actor}", actor, at, declared_age=age)


def first_message(adult: str, child: str, at: datetime, event_id: str) -> dict[str, Any]:
    chat = {"recipient_ids": [child], "conversation_id": f"{adult}-{child}", "text": "hi"}
    return event("message", event_id, adult, at, **chat)


def grooming_report(child: str, adult: str, at: datetime, event_id: str) -> dict[str, Any]:
    return event("user_report", event_id, child, at, reported_account_id=adult, reason="grooming")


def known_upload(actor: str, at: datetime, event_id: str) -> dict[str, Any]:
    return event("media", event_id, actor, at, media_kind="image", hashes={"sha256": KNOWN})


def ingest_at(world: Container, clock: Clock, at: datetime, *events: dict[str, Any]) -> None:
    """Ingest events as received at ``at``."""
    clock.at = at
    world.ingest.ingest([EVENT_ADAPTER.validate_python(e) for e in events], source="test")


def spread(period: Period, n: int) -> Iterator[tuple[int, datetime]]:
    """``n`` moments spread evenly over the period, each at least an hour into its day."""
    step = (period.end - period.start) / n
    for i in range(n):
        yield i, period.start + step * i + timedelta(hours=1)


def by_day(moments: Iterator[tuple[int, datetime]]) -> dict[Any, list[tuple[int, datetime]]]:
    days: dict[Any, list[tuple[int, datetime]]] = {}
    for i, at in moments:
        days.setdefault(at.date(), []).append((i, at))
    return days


def grooming_reports(world: Container, clock: Clock, period: Period, n: int, tag: str) -> None:
    """``n`` children's reports of grooming over the period, one batch a day."""
    for day in by_day(spread(period, n)).values():
        events = [
            grooming_report(f"c-{tag}-{i}", f"a-{tag}-{i}", at, f"r-{tag}-{i}") for i, at in day
        ]
        ingest_at(world, clock, day[-1][1] + timedelta(minutes=5), *events)


def blocked_contacts(world: Container, clock: Clock, period: Period, n: int, tag: str) -> None:
    """``n`` adults each opening a chat with a different child they are not connected to."""
    for day in by_day(spread(period, n)).values():
        events = []
        for i, at in day:
            adult, child = f"adult-{tag}-{i}", f"child-{tag}-{i}"
            events += [
                profile(adult, 34, at - timedelta(minutes=30)),
                profile(child, 12, at - timedelta(minutes=30)),
                first_message(adult, child, at, f"m-{tag}-{i}"),
            ]
        ingest_at(world, clock, day[-1][1] + timedelta(minutes=1), *events)


# -- the published figures ------------------------------------------------------------------
def test_kent_financial_years_read_as_published(world: Container, clock: Clock) -> None:
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
    world: Container, clock: Clock, force: str, offences: int, per_day: str
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


# -- each figure on a small store -----------------------------------------------------------
JANUARY = Period.parse("2021-01-01", "2021-01-31")
NOON = datetime(2021, 1, 10, 12, 0, tzinfo=UTC)
ADMIN = Principal(key_id="k-adm", name="ali", role=Role.ADMIN)


def before(minutes: float) -> datetime:
    return NOON - timedelta(minutes=minutes)


def small_store(world: Container, clock: Clock) -> None:
    """Three actioned decisions (one per way of finding harm), one allowed, edges of the period,
    a moderator's decision, an authority report, complaints and a super-complaint."""
    ingest_at(world, clock, JANUARY.start, profile("early", 30, JANUARY.start))
    ingest_at(world, clock, JANUARY.end, grooming_report("late-c", "late-a", JANUARY.end, "late"))
    ingest_at(
        world,
        clock,
        NOON,
        profile("adult-a", 40, before(60)),
        profile("child-b", 12, before(60)),
        profile("adult-c", 30, before(60)),
        known_upload("uploader", before(10), "upload"),
        # about another adult: a report holds the reported adult's messages to the child,
        # and adult-a's first message must stand for the default rules alone
        grooming_report("child-b", "adult-r", before(30), "report"),
        first_message("adult-a", "child-b", before(20), "contact"),
        first_message("adult-a", "adult-c", before(5), "chat"),
    )
    world.outbox.run_once(100)
    _decide_case(world, clock, "report", "grooming_confirmed")
    clock.at = NOON + timedelta(hours=2)
    # a report goes forward, and an appeal reinstates a hash match, only once its case is decided
    _decide_case(world, clock, "upload", "known_abuse_image")
    world.reports.confirm("upload", "default", MODERATOR)
    world.reports.submit("upload", "default", MODERATOR)
    _complain(world, clock)


def _decide_case(world: Container, clock: Clock, event_id: str, reason_code: str) -> None:
    (case,) = [c for c in world.review.queue() if event_id in c.event_ids]
    at = clock.at
    clock.at = at + timedelta(minutes=60)
    world.review.claim(case.case_id, MODERATOR)
    clock.at = at + timedelta(minutes=90)
    decision = CaseDecision(
        case_id=case.case_id,
        outcome=Outcome.CONFIRM,
        reason_code=reason_code,
        by=MODERATOR.audit_name,
        at=clock.at,
    )
    world.review.decide(decision, MODERATOR)


def _complain(world: Container, clock: Clock) -> None:
    clock.at = NOON + timedelta(hours=3)
    appeal = world.complaints.file(
        NewComplaint(ComplaintKind.APPEAL, "uploader", "not_harmful", "It was mine.", "upload"),
        PLATFORM,
    )
    world.complaints.decide(appeal.complaint_id, ComplaintStatus.UPHELD, "Reviewed again.", ADMIN)
    world.complaints.file(
        NewComplaint(ComplaintKind.COMPLAINT, "child-b", "too_slow", "Nobody replied."), PLATFORM
    )
    world.super_complaints.file(
        ADVOCATE,
        "Contact from strangers",
        "Children on the service are contacted by adults they do not know, week after week.",
        ["grooming"],
    )


def values(report: TransparencyReport, *names: str) -> dict[str, Any]:
    return {name: report.figure(name).value for name in names}


def test_each_figure_counts_what_its_definition_says(world: Container, clock: Clock) -> None:
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


def test_times_reports_complaints_and_children(world: Container, clock: Clock) -> None:
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


def test_last_year_is_the_same_dates_a_year_earlier(world: Container, clock: Clock) -> None:
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
    world: Container, clock: Clock
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


# -- exports --------------------------------------------------------------------------------
def export(report: TransparencyReport, fmt: str) -> bytes:
    return b"".join(FORMATS[fmt].write(report))


def test_every_export_parses_and_says_the_same(world: Container, clock: Clock) -> None:
    small_store(world, clock)
    report = world.transparency.report(JANUARY)
    rows = list(csv.DictReader(io.StringIO(export(report, "csv").decode())))
    assert tuple(rows[0]) == FIGURE_COLUMNS
    assert [r["name"] for r in rows] == [f.name for _, f in report.figures()]
    scanned = next(r for r in rows if r["name"] == "events_scanned")
    assert (scanned["value"], scanned["daily_rate"], scanned["previous"]) == ("8", "0.3", "0")
    assert scanned["wording"] == report.figure("events_scanned").wording()
    assert TransparencyReport.model_validate_json(export(report, "json")) == report
    dsa = list(csv.DictReader(io.StringIO(export(report, "dsa-csv").decode())))
    assert tuple(dsa[0]) == DSA_COLUMNS
    csam = [r for r in dsa if r["keyword"] == "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"]
    assert [(r["section"][:3], r["value"]) for r in csam] == [("1.3", "0"), ("1.4", "1")]
    assert {r["applies"] for r in dsa} == {"yes", "no"}
    assert all(r["note"] for r in dsa if r["applies"] == "no")
    html = export(report, "html").decode()
    assert html.count("<svg") == 2
    assert report.figure("actioned.harm.grooming").wording() in html
    assert report.audit_head.hash in html
    for external in ("<link", "<script", "src=", "url(http", "url(/", "url(data"):
        assert external not in html, "the page must stand alone"
    pdf = export(report, "pdf")
    assert pdf.startswith(b"%PDF-")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 2


# -- bounded memory -------------------------------------------------------------------------
def templates(world: Container, clock: Clock) -> list[dict[str, Any]]:
    """Real stored rows to copy: an upload blocked, a report acted on, a message allowed."""
    ingest_at(
        world,
        clock,
        NOON,
        known_upload("u", before(3), "t-upload"),
        grooming_report("c", "a", before(2), "t-report"),
        first_message("a", "b", before(1), "t-chat"),
    )
    with world.store.read() as uow:
        rows = uow.conn.execute(t.events.select().order_by(t.events.c.seq)).mappings().all()
    return [dict(r) for r in rows]


def bulk_insert(world: Container, rows: list[dict[str, Any]], first: int, last: int) -> None:
    """Decisions ``first`` to ``last`` - 1: copies of ``rows`` over January, 5,000 at a time."""
    step = (JANUARY.end - JANUARY.start) / BULK_MAX
    for start in range(first, last, 5000):
        chunk = []
        for i in range(start, min(start + 5000, last)):
            row = dict(rows[i % len(rows)])
            at = JANUARY.start + step * i
            event_id = f"bulk-{i:08d}"
            decision = {**row["decision"], "event_id": event_id, "decided_at": at.isoformat()}
            row.pop("seq")
            chunk.append(
                row
                | {
                    "event_id": event_id,
                    "occurred_at": at,
                    "received_at": at,
                    "decided_at": at,
                    "decision": decision,
                }
            )
        with world.store.write() as uow:
            uow.conn.execute(t.events.insert(), chunk)


def peak_bytes(work: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def drain(chunks: Iterator[bytes]) -> int:
    return sum(len(c) for c in chunks)


PEAK_BOUND = 16 * 1024 * 1024
BULK_MAX = 40_000


def test_exports_and_reports_run_in_bounded_memory(world: Container, clock: Clock) -> None:
    rows = templates(world, clock)
    service = world.transparency
    peaks = {}
    for total in (BULK_MAX // 4, BULK_MAX):
        bulk_insert(world, rows, service.decisions_count(JANUARY) - len(rows), total - len(rows))
        assert service.decisions_count(JANUARY) == total
        peaks[total] = (
            peak_bytes(lambda: drain(decisions_csv(service.decisions(JANUARY)))),
            peak_bytes(lambda: service.report(JANUARY)),
        )
    lines = b"".join(decisions_csv(service.decisions(JANUARY))).count(b"\r\n")
    assert lines == 1 + BULK_MAX  # every decision, no cap
    for kind in (0, 1):  # the export, then the report
        small, large = peaks[BULK_MAX // 4][kind], peaks[BULK_MAX][kind]
        assert large < PEAK_BOUND, f"peak {large / 2**20:.1f} MiB"
        assert large < 1.5 * small, f"4x the decisions took {large / small:.1f}x the memory"


def test_csv_cells_a_spreadsheet_would_run_are_made_inert() -> None:
    from safeguarding.adapters.exports.tables import csv_chunks

    cells = ['=HYPERLINK("x")', "-12", "@sum", "+1", "plain", -3]
    text = b"".join(csv_chunks([cells])).decode()
    (row,) = csv.reader(io.StringIO(text))
    assert row == ['\'=HYPERLINK("x")', "-12", "'@sum", "+1", "plain", "-3"]
