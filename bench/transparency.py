"""Transparency benchmark: a year's report and the decision export over 1M stored decisions.

Stores three real decisions through the engine's own ingest (a known-image upload blocked, a
child's grooming report acted on, a message allowed), then copies them in bulk with SQL until
``--decisions`` (default 1,000,000; ``--ten-million`` for 10,000,000) are spread over 2025.
Each phase then runs in a fresh process, so its peak resident memory is its own:

- engine report: ``TransparencyService.report`` (SQL aggregates and one streamed pass);
- engine export: the decisions CSV (``report decisions``), streamed to a file;
- baseline report: load every decision row of the period into a list, then aggregate in
  Python, one ``Decision`` model at a time (harm, actions, detection, nearest-rank median and
  p90 from a sorted list of every wait);
- baseline export: load every row into a list, then write the CSV.

Peak memory is the process's resident high-water mark during the phase (Linux: reset through
/proc/self/clear_refs before the phase), shown beside the memory the process held before it.
The baseline is skipped above 2M decisions, where it would need tens of gigabytes.
SQLite in a temporary directory by default; ``--database-url`` names another (empty) database.
Usage: ``python bench/transparency.py [--decisions N | --ten-million] [--database-url URL]
[--no-baseline] [--json OUT]``. It always exits 0: it is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import csv
import hashlib
import json
import multiprocessing
import os
import platform
import secrets
import sys
import tempfile
import time
import traceback
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from safeguarding.adapters.exports import decisions_csv
from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.bootstrap import Container, build
from safeguarding.domain.decisions import Decision
from safeguarding.domain.events import EVENT_ADAPTER
from safeguarding.domain.transparency import Period, harm_of
from safeguarding.settings import load_settings

YEAR = Period.parse("2025-01-01", "2025-12-31")
KNOWN = hashlib.sha256(b"bench: a benign stand-in for a listed image").hexdigest()
BASELINE_MAX = 2_000_000
CHUNK = 10_000


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def settings_env(url: str, tmp: Path) -> dict[str, Any]:
    return {"database_url": url, "data_dir": tmp, "content_key": os.environ["SG_BENCH_KEY"]}


def open_container(url: str, tmp: Path, clock: FixedClock | None = None) -> Container:
    hashes = tmp / "known.txt"
    settings = load_settings({}, sha256_list_path=hashes, **settings_env(url, tmp))
    return build(settings, clock=clock)


# -- the store ------------------------------------------------------------------------------
def seed_events(at: datetime) -> list[dict[str, Any]]:
    stamp = (at - timedelta(minutes=12)).isoformat()
    return [
        {
            "type": "media",
            "event_id": "seed-upload",
            "occurred_at": stamp,
            "actor_id": "u1",
            "media_kind": "image",
            "hashes": {"sha256": KNOWN},
        },
        {
            "type": "user_report",
            "event_id": "seed-report",
            "occurred_at": stamp,
            "actor_id": "c1",
            "reported_account_id": "a1",
            "reason": "grooming",
        },
        {
            "type": "message",
            "event_id": "seed-chat",
            "occurred_at": stamp,
            "actor_id": "a2",
            "recipient_ids": ["a3"],
            "conversation_id": "c",
            "text": "see you at practice",
        },
    ]


def fill(url: str, tmp: Path, total: int) -> float:
    """Store ``total`` decisions over YEAR; return the seconds it took."""
    (tmp / "known.txt").write_text(KNOWN + "\n")
    started = time.perf_counter()
    clock = FixedClock(YEAR.start + timedelta(hours=1))
    container = open_container(url, tmp, clock)
    try:
        events = [EVENT_ADAPTER.validate_python(e) for e in seed_events(clock.at)]
        container.ingest.ingest(events, source="bench")
        with container.store.read() as uow:
            rows = [dict(r) for r in uow.conn.execute(t.events.select()).mappings()]
        for start in range(len(rows), total, CHUNK):
            chunk = [
                copy(rows[i % len(rows)], i, total) for i in range(start, min(start + CHUNK, total))
            ]
            with container.store.write() as uow:
                uow.conn.execute(t.events.insert(), chunk)
    finally:
        container.close()
    return time.perf_counter() - started


def copy(row: dict[str, Any], i: int, total: int) -> dict[str, Any]:
    decided = YEAR.start + (YEAR.end - YEAR.start) * (i / total)
    occurred = decided - timedelta(seconds=30 + (i * 7919) % 3600)
    event_id = f"bench-{i:09d}"
    decision = {**row["decision"], "event_id": event_id, "decided_at": decided.isoformat()}
    fresh = {k: v for k, v in row.items() if k != "seq"}
    return fresh | {
        "event_id": event_id,
        "occurred_at": occurred,
        "received_at": decided,
        "decided_at": decided,
        "decision": decision,
    }


# -- the phases (each in its own process) ---------------------------------------------------
def rss_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    # Not Linux, or not allowed: the peak then includes start-up, and says so in "held before".
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def engine_report(container: Container, _out: Path) -> int:
    report = container.transparency.report(YEAR)
    return int(report.figure("actioned").value or 0)


def engine_export(container: Container, out: Path) -> int:
    with out.open("wb") as f:
        for chunk in decisions_csv(container.transparency.decisions(YEAR)):
            f.write(chunk)
    return container.transparency.decisions_count(YEAR)


def load_all(container: Container) -> list[Any]:
    """Every decision row of the year, in one list: what a naive implementation starts from."""
    e = t.events.c
    columns = (e.event_id, e.type, e.occurred_at, e.received_at, e.decision)
    query = select(*columns).where(e.decided_at >= YEAR.start, e.decided_at < YEAR.end)
    with container.store.read() as uow:
        return list(uow.conn.execute(query).all())


def baseline_report(container: Container, _out: Path) -> int:
    rows = load_all(container)
    harms: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    found: Counter[str] = Counter()
    waits = []
    for row in rows:
        d = Decision.model_validate(row.decision)
        if d.verdict == "allow" and not d.actions:
            continue
        harms[harm_of(d)] += 1
        actions.update(a.name for a in d.actions)
        found["report" if row.type == "user_report" else "other"] += 1
        waits.append((d.decided_at - row.occurred_at).total_seconds())
    waits.sort()
    if not waits:
        raise RuntimeError("the baseline found nothing to count")
    median, p90 = waits[(len(waits) + 1) // 2 - 1], waits[(len(waits) * 9 + 9) // 10 - 1]
    return len(waits) if median <= p90 else 0


def baseline_export(container: Container, out: Path) -> int:
    rows = load_all(container)
    with out.open("w", newline="") as f:
        writer = csv.writer(f)
        for r in rows:
            d = Decision.model_validate(r.decision)
            actions = ";".join(a.name for a in d.actions)
            rules = ";".join(x.rule for x in d.rules)
            cells = [r.event_id, r.type, r.received_at, d.decided_at, d.verdict]
            writer.writerow([*cells, harm_of(d), actions, rules])
    return len(rows)


PHASES = {
    "engine report": engine_report,
    "engine export": engine_export,
    "baseline report": baseline_report,
    "baseline export": baseline_export,
}


def phase(name: str, url: str, tmp: str, key: str) -> dict[str, float]:
    """One phase in this (fresh) process: seconds, rows, peak and starting RSS in MiB."""
    os.environ["SG_BENCH_KEY"] = key
    container = open_container(url, Path(tmp))
    try:
        before = rss_mib("VmRSS")
        reset_peak()
        started = time.perf_counter()
        rows = PHASES[name](container, Path(tmp) / f"{name.replace(' ', '-')}.csv")
        seconds = time.perf_counter() - started
        return {
            "seconds": seconds,
            "rows": rows,
            "peak_mib": rss_mib("VmHWM"),
            "before_mib": before,
        }
    finally:
        container.close()


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    os.environ["SG_BENCH_KEY"] = "bench:" + base64.b64encode(secrets.token_bytes(32)).decode()
    stored_s = fill(url, tmp, args.decisions)
    names = [n for n in PHASES if args.baseline or n.startswith("engine")]
    if args.decisions > BASELINE_MAX:
        names = [n for n in names if n.startswith("engine")]
    spawn = multiprocessing.get_context("spawn")
    figures = {}
    for name in names:
        with spawn.Pool(1) as pool:
            figures[name] = pool.apply(phase, (name, url, str(tmp), os.environ["SG_BENCH_KEY"]))
    backend = url.split(":", 1)[0]
    return {
        "backend": backend,
        "decisions": args.decisions,
        "store_seconds": stored_s,
        "phases": figures,
    }


def extra_mib(figures: dict[str, float]) -> float:
    """What the phase added to the process's resident memory at its peak."""
    return max(figures["peak_mib"] - figures["before_mib"], 0.0)


def report(figures: dict[str, Any]) -> list[str]:
    phases = figures["phases"]
    lines = [
        f"transparency benchmark: {figures['decisions']:,} decisions over 2025 on "
        f"{figures['backend']}; stored in {figures['store_seconds']:.0f} s",
        "phase              seconds   decisions/s   peak extra MiB   held before MiB",
    ]
    for name, f in phases.items():
        rate = figures["decisions"] / f["seconds"]
        extra = extra_mib(f)
        lines.append(
            f"{name:<17}  {f['seconds']:>7.1f}  {rate:>12,.0f}  {extra:>15,.0f}  "
            f"{f['before_mib']:>16,.0f}"
        )
    for kind in ("report", "export"):
        engine, baseline = phases.get(f"engine {kind}"), phases.get(f"baseline {kind}")
        if engine and baseline:
            mine, theirs = extra_mib(engine), extra_mib(baseline)
            lines.append(
                f"{kind}: engine {engine['seconds']:.1f} s and {mine:,.0f} MiB more at peak; "
                f"baseline {baseline['seconds']:.1f} s and {theirs:,.0f} MiB "
                f"({baseline['seconds'] / engine['seconds']:.1f}x the time)"
            )
    if figures["decisions"] > BASELINE_MAX:
        lines.append(f"baseline skipped above {BASELINE_MAX:,} decisions (it would not fit)")
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=1_000_000, help="decisions to store")
    parser.add_argument("--ten-million", action="store_true", help="store 10,000,000 decisions")
    parser.add_argument(
        "--no-baseline",
        dest="baseline",
        action="store_false",
        help="skip the load-everything baseline",
    )
    parser.add_argument("--database-url", help="an empty database instead of a temporary SQLite")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures here")
    args = parser.parse_args(argv)
    if args.ten_million:
        args.decisions = 10_000_000
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sg-bench-transparency-") as tmp:
        figures = run(args, Path(tmp))
    lines = report(figures)
    print("\n".join(lines))
    if args.json:
        machine = {"cpus": os.cpu_count(), "python": platform.python_version()}
        out = {"machine": machine, "config": {**vars(args), "json": str(args.json)}}
        args.json.write_text(json.dumps({**out, **figures, "lines": lines}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception:  # a benchmark reports and exits 0
        traceback.print_exc()
    sys.exit(0)
