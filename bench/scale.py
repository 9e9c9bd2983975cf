"""Scaling benchmark: one fixed workload through the embedded default and through distributed
mode (`serve --stream` over NATS JetStream and PostgreSQL) with 1, 2 and 4 stream workers.

Each target gets a fresh database (and stream) and real processes on 127.0.0.1:
- ``embedded SQLite``: `safeguarding serve`, the default (one process, SQLite);
- ``embedded PostgreSQL``: the same process on PostgreSQL;
- ``stream, N workers``: `safeguarding serve --stream` plus N `safeguarding worker` processes.

Two phases per target, both over real HTTP from client threads:
- ``sync``: requests of a few events that wait for their decisions (the default); throughput
  and per-request latency (p50, p99) as the platform sees them.
- ``burst``: the same number of fresh events sent with `Prefer: respond-async`, timed until
  the last one is decided in the database: the rate the workers sustain. In embedded mode the
  preference is ignored, so a burst is decided as it is sent.

The workload is `safeguarding.demo.workload.synthetic` (everyday chat, non-explicit warning
signs, reports, contact requests, uploads as hashes). Needs PostgreSQL and nats-server:
``bash scripts/with-postgres.sh bash scripts/with-nats.sh .venv/bin/python bench/scale.py``.
It always exits 0: it is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import (  # noqa: E402  (the repository root must be importable first)
    Phase,
    Target,
    _align,
    drive,
    engine_target,
    free_port,
    postgres_database,
    stop,
    wait_ready,
)
from safeguarding.demo.workload import synthetic  # noqa: E402


def bodies(events: list[dict], per_body: int) -> list[bytes]:
    return [
        json.dumps({"events": events[i : i + per_body]}).encode()
        for i in range(0, len(events), per_body)
    ]


def decided(database_url: str, prefix: str) -> int:
    """How many of this phase's events the database holds decisions for."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        import sqlite3

        with contextlib.closing(sqlite3.connect(url.database or "")) as conn:
            row = conn.execute("SELECT count(*) FROM events WHERE event_id LIKE ?", (prefix + "%",))
            return int(row.fetchone()[0])
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as conn:
        row = conn.execute("SELECT count(*) FROM events WHERE event_id LIKE %s", (prefix + "%",))
        return int(row.fetchone()[0])  # type: ignore[index]


def burst(
    url: str, key: str, events: list[dict], args: argparse.Namespace, db: str, prefix: str
) -> Phase:
    """Send asynchronously, then wait for the last decision; the rate is events / that time."""
    headers = {"prefer": "respond-async"}
    started = time.perf_counter()
    sent = drive_with(url, key, bodies(events, args.per_request), args, headers)
    deadline = time.monotonic() + 600
    while decided(db, prefix) < len(events) and time.monotonic() < deadline:
        time.sleep(0.05)
    sent.seconds = time.perf_counter() - started
    sent.events = len(events)
    return sent


def drive_with(
    url: str, key: str, payloads: list[bytes], args: argparse.Namespace, headers: dict[str, str]
) -> Phase:
    """bench.ingest.drive, with extra request headers, counting 202 as success."""
    phase, statuses = Phase(), []
    with httpx.Client(
        base_url=url,
        headers={"authorization": f"Bearer {key}", "content-type": "application/json", **headers},
        timeout=120,
    ) as client:

        def send(body: bytes) -> float:
            begun = time.perf_counter()
            statuses.append(client.post("/v1/events", content=body).status_code)
            return (time.perf_counter() - begun) * 1000

        with ThreadPoolExecutor(args.concurrency) as pool:
            phase.latencies_ms = list(pool.map(send, payloads))
    phase.errors = sum(status not in (200, 202) for status in statuses)
    return phase


# Which process does what, for the CPU account: by pid for ours, by name for the servers.
SERVER_ROLES = {"postgres": "PostgreSQL", "nats-server": "NATS"}


def cpu_seconds(roles: dict[int, str]) -> dict[str, float]:
    """CPU time (user + system) used so far by each role's processes, from /proc. Read by hand:
    the standard library has no per-process figure for other processes, and psutil would be
    a dependency for one number."""
    tick = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        role = roles.get(int(stat.parent.name)) or SERVER_ROLES.get(name)
        if role is None:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        totals[role] = totals.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return totals


def cpu_per_event(before: dict[str, float], after: dict[str, float], events: int) -> dict:
    """Milliseconds of CPU per event, by role."""
    return {
        role: round((after.get(role, 0.0) - before.get(role, 0.0)) * 1000 / events, 2)
        for role in ("serve", "workers", "PostgreSQL", "NATS", "client")
    }


@contextlib.contextmanager
def cluster(
    target: Target, workers: int, tmp: Path, name: str
) -> Iterator[tuple[str, dict[int, str]]]:
    """Start the workers and the serve process; stop them all however the block ends."""
    processes = []
    try:
        for n in range(workers):
            with (tmp / f"{name}-worker{n}.log").open("wb") as out:
                command = [target.command[0], "worker"]
                processes.append(
                    subprocess.Popen(command, env=target.env, cwd=ROOT, stdout=out, stderr=out)
                )
        with (tmp / f"{name}-serve.log").open("wb") as out:
            serve = subprocess.Popen(
                target.command, env=target.env, cwd=ROOT, stdout=out, stderr=out
            )
        processes.append(serve)
        base_url = f"http://127.0.0.1:{target.command[target.command.index('--port') + 1]}"
        wait_ready(base_url, serve, tmp / f"{name}-serve.log")
        roles = {p.pid: "workers" for p in processes[:-1]} | {serve.pid: "serve"}
        yield base_url, roles | {os.getpid(): "client"}
    finally:
        for process in processes:
            stop(process)


def measure(
    name: str, database_url: str, workers: int, args: argparse.Namespace, tmp: Path
) -> dict:
    port = free_port()
    (tmp / name).mkdir()
    try:
        target = engine_target(name, database_url, tmp / name, port)
        if workers:
            target.env["SAFEGUARDING_STREAM_URL"] = os.environ["SAFEGUARDING_TEST_NATS_URL"]
            target.env["SAFEGUARDING_STREAM_NAME"] = f"BENCH{uuid.uuid4().hex[:8]}"
            target.env["SAFEGUARDING_DECISION_WAIT_SECONDS"] = "30"
            # As docs/operations.md advises for several API processes: serve only checks,
            # seals and publishes; the workers decide and carry out the side effects.
            target.env["SAFEGUARDING_OUTBOX_WORKER"] = "false"
        tag = uuid.uuid4().hex[:6]
        sync_events = synthetic(args.events, seed=args.seed, prefix=f"s{tag}").events
        burst_events = synthetic(args.events, seed=args.seed + 1, prefix=f"b{tag}").events
        with cluster(target, workers, tmp, name) as (url, roles):
            warm = synthetic(200, seed=1, prefix=f"w{tag}").events
            drive(url, target.key, bodies(warm, args.per_request), 0, args.concurrency)
            payloads = bodies(sync_events, args.per_request)
            sync = drive(url, target.key, payloads, args.per_request, args.concurrency)
            sync.events = len(sync_events)
            before = cpu_seconds(roles)
            fast = burst(url, target.key, burst_events, args, database_url, f"b{tag}-")
            cpu = cpu_per_event(before, cpu_seconds(roles), len(burst_events))
        return {"sync": sync.figures(), "burst": fast.figures(), "burst_cpu_ms_per_event": cpu}
    except Exception as exc:  # a benchmark reports a broken target and goes on
        return {"error": f"{type(exc).__name__}: {exc}"}


def run_all(args: argparse.Namespace, tmp: Path) -> dict[str, dict]:
    results = {}
    (tmp / "sqlite").mkdir()
    results["embedded SQLite"] = measure(
        "embedded-sqlite", f"sqlite:///{tmp}/sqlite/bench.db", 0, args, tmp
    )
    server = os.environ.get("SAFEGUARDING_TEST_POSTGRES_URL")
    if not server or not os.environ.get("SAFEGUARDING_TEST_NATS_URL"):
        print(
            "PostgreSQL or nats-server missing: run under scripts/with-postgres.sh and "
            "scripts/with-nats.sh",
            file=sys.stderr,
        )
        return results
    for workers in (0, *args.workers):
        name = "embedded PostgreSQL" if workers == 0 else f"stream, {workers} worker(s)"
        with postgres_database(server, f"sg_scale_{workers}") as url:
            results[name] = measure(
                name.replace(" ", "-").replace(",", ""), url, workers, args, tmp
            )
        print(f"  {name}: done", flush=True)
    return results


def table(results: dict[str, dict]) -> str:
    head = ["target", "sync ev/s", "p50 ms", "p99 ms", "burst ev/s", "errors"]
    rows = [head]
    for name, got in results.items():
        if "error" in got:
            rows.append([name, "-", "-", "-", "-", got["error"][:60]])
            continue
        s, b = got["sync"], got["burst"]
        rows.append(
            [
                name,
                f"{s['events_per_s']:,.0f}",
                f"{s['p50_ms']:.1f}",
                f"{s['p99_ms']:.1f}",
                f"{b['events_per_s']:,.0f}",
                str(s["errors"] + b["errors"]),
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(_align(r, widths)) for r in rows)


def cpu_table(results: dict[str, dict]) -> str:
    """Where the CPU went in the burst phase, per event, by process role."""
    roles = ["serve", "workers", "PostgreSQL", "NATS", "client"]
    rows = [["burst CPU ms/event", *roles, "total"]]
    for name, got in results.items():
        cpu = got.get("burst_cpu_ms_per_event")
        if cpu:
            rows.append([name, *(f"{cpu[r]:.2f}" for r in roles), f"{sum(cpu.values()):.2f}"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(_align(r, widths)) for r in rows)


def prediction(results: dict[str, dict], cores: int) -> list[str]:
    """What the CPU account predicts: a machine that is CPU-bound decides about
    cores / (CPU per event) events a second; a worker decides in one thread (Python's GIL), so
    each adds at most 1 / (its CPU per event) while a core is free for it."""
    got = results.get("stream, 1 worker(s)", {}).get("burst_cpu_ms_per_event")
    if not got:
        return []
    total, worker = sum(got.values()), max(got["workers"], 1e-9)
    rest = total - got["workers"] - got["client"]
    return [
        f"CPU-bound ceiling here ({cores} cores, everything on one machine): "
        f"{cores * 1000 / total:,.0f} events/s",
        f"one worker on its own core: at most {1000 / worker:,.0f} events/s; serve, PostgreSQL "
        f"and NATS together need {rest:.2f} ms of CPU per event ({1000 / max(rest, 1e-9):,.0f} "
        "events/s per core they are given)",
    ] + [
        f"predicted with {n} cores for workers and {n // 2} for the rest: "
        f"{min(n * 1000 / worker, (n // 2) * 1000 / max(rest, 1e-9)):,.0f} events/s"
        for n in (4, 8, 16)
    ]


def ratios(results: dict[str, dict]) -> list[str]:
    """Each stream target against the one-worker baseline and the embedded default."""
    one = results.get("stream, 1 worker(s)", {})
    default = results.get("embedded SQLite", {})
    lines = []
    for name, got in results.items():
        if not name.startswith("stream") or "error" in got or "error" in one:
            continue
        for phase in ("sync", "burst"):
            rate = got[phase]["events_per_s"]
            lines.append(
                f"{name} {phase}: {rate / max(one[phase]['events_per_s'], 1e-9):.2f}x one worker, "
                f"{rate / max(default.get(phase, {}).get('events_per_s', 0), 1e-9):.2f}x "
                "the embedded default"
            )
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000, help="events per phase")
    parser.add_argument("--per-request", type=int, default=5, help="events per request")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--seed", type=int, default=11, help="workload seed")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"scale benchmark: {args.events} events per phase, {args.per_request} per request, "
        f"{args.concurrency} client threads, {os.cpu_count()} CPUs",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="sg-scale-") as tmp:
        results = run_all(args, Path(tmp))
    print(table(results))
    print("\n".join(ratios(results)))
    print(cpu_table(results))
    print("\n".join(prediction(results, os.cpu_count() or 1)))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"config": vars(args) | {"json": str(args.json)}, "targets": results}, indent=2
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception:  # a benchmark reports and exits 0; the servers are already stopped
        traceback.print_exc()
    sys.exit(0)
