"""Transparency exports: every format says the same, and exports run in bounded memory."""

from __future__ import annotations

import csv
import io
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

from safeguarding.adapters.exports import FORMATS, decisions_csv
from safeguarding.adapters.exports.dsa import COLUMNS as DSA_COLUMNS
from safeguarding.adapters.exports.tables import FIGURE_COLUMNS
from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.bootstrap import Container
from safeguarding.domain.transparency import TransparencyReport
from tests.services.transparency.world import (
    JANUARY,
    NOON,
    MovableClock,
    before,
    first_message,
    grooming_report,
    ingest_at,
    known_upload,
    small_store,
)


# -- exports --------------------------------------------------------------------------------
def export(report: TransparencyReport, fmt: str) -> bytes:
    return b"".join(FORMATS[fmt].write(report))


def test_every_export_parses_and_says_the_same(world: Container, clock: MovableClock) -> None:
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
def templates(world: Container, clock: MovableClock) -> list[dict[str, Any]]:
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


def test_exports_and_reports_run_in_bounded_memory(world: Container, clock: MovableClock) -> None:
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
