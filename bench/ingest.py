"""Ingest benchmark: events/s and decision latency over real HTTP, against a parse-only ceiling.

Starts each target as a real server process on 127.0.0.1 and drives POST /v1/events
with httpx from a few client threads: first single-event requests, then batches.

Targets, in one run and one table:
- ``SQLite``: ``safeguarding serve`` on a temporary SQLite file.
- ``PostgreSQL``: the same on a fresh database ``sg_bench``, when
  SAFEGUARDING_TEST_POSTGRES_URL names a server (``make bench`` starts one).
- ``bare``: ``bench/bare_app.py``, which parses the same JSON with the same models and
  stores nothing: the ceiling the engine is measured against.

The workload is fixed by a seed: everyday chat between a few hundred accounts in direct
and group conversations (texts of 5 to 300 characters), with profile updates that
declare ages. Latency is measured by the client, per request, from send to full answer.

Usage: ``python bench/ingest.py [--singles N] [--batches N] [--batch-size N]
[--concurrency N] [--json OUT]``. It always exits 0: it is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.in_process import in_process_lines, measure_in_process  # noqa: E402
from bench.workload import Workload, make_workload  # noqa: E402

BATCHED_AIM = 5000  # events/s batched on SQLite (issue #20)


@dataclass
class Phase:
    """What one phase measured: events, wall time and per-request latencies in ms."""

    events: int = 0
    seconds: float = 0.0
    errors: int = 0
    client_cpu: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    def figures(self) -> dict[str, float]:
        return {
            "events": self.events,
            "seconds": round(self.seconds, 3),
            "errors": self.errors,
            "events_per_s": round(self.events / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(self.latencies_ms, 0.50), 2),
            "p99_ms": round(percentile(self.latencies_ms, 0.99), 2),
            # Cores the client itself used: it shares the machine with the server.
            "client_cpu_cores": round(self.client_cpu / self.seconds, 2) if self.seconds else 0.0,
        }


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def drive(base_url: str, key: str, bodies: list[bytes], per_body: int, concurrency: int) -> Phase:
    """Send every body from ``concurrency`` threads, each with its own connection."""
    phase, lock, next_body = Phase(), threading.Lock(), iter(range(len(bodies)))

    def worker() -> None:
        headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
        latencies, errors = [], 0
        with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
            while (i := _next(next_body, lock)) is not None:
                started = time.perf_counter()
                answer = client.post("/v1/events", content=bodies[i])
                latencies.append((time.perf_counter() - started) * 1000)
                errors += answer.status_code != 200
        with lock:
            phase.latencies_ms.extend(latencies)
            phase.errors += errors

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - started
    phase.client_cpu = time.process_time() - cpu
    phase.events = len(bodies) * per_body
    return phase


def _next(counter: Iterator[int], lock: threading.Lock) -> int | None:
    with lock:
        return next(counter, None)


@dataclass
class Target:
    """A server to start: its name, command line and environment."""

    name: str
    command: list[str]
    env: dict[str, str]
    key: str = "none"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env() -> dict[str, str]:
    """This process's environment without SAFEGUARDING_* (the engine refuses unknown ones)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEGUARDING_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def engine_target(
    name: str, database_url: str, data_dir: Path, port: int, workers: int = 1
) -> Target:
    """Settings for ``safeguarding serve``, with a platform key created in-process first."""
    from safeguarding.bootstrap import build
    from safeguarding.settings import load_settings

    settings = {
        "SAFEGUARDING_DATABASE_URL": database_url,
        "SAFEGUARDING_DATA_DIR": str(data_dir),
        "SAFEGUARDING_CONTENT_KEY": f"bench:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        "SAFEGUARDING_LOG_LEVEL": "WARNING",
    }
    container = build(load_settings(settings))
    try:
        key, _ = container.keys.create("bench", "platform", by="bench")
    finally:
        container.close()
    script = Path(sys.executable).with_name("safeguarding")
    command = [str(script)] if script.exists() else [shutil.which("safeguarding") or "safeguarding"]
    command += ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    return Target(name, command, {**base_env(), **settings}, key)


def bare_target(port: int) -> Target:
    command = [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    return Target("bare", command, base_env())


@contextlib.contextmanager
def running(target: Target, port: int, log: Path) -> Iterator[str]:
    """Start the server, wait for /readyz, and stop it however the block ends."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            target.command, env=target.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_ready(base_url, process, log)
            yield base_url
        finally:
            stop(process)


def wait_ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{_tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server not ready after 90 s:\n{_tail(log)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def measure(target: Target, port: int, work: Workload, args: argparse.Namespace, tmp: Path) -> dict:
    """Run both phases against one target; a failure becomes an 'error' entry, not a crash."""
    try:
        with running(target, port, tmp / f"{target.name}.log") as url:
            drive(url, target.key, work.warmup, 0, 1)
            drive(url, target.key, work.warmup_singles, 0, args.concurrency)
            single = drive(url, target.key, work.singles, 1, args.concurrency)
            batched = drive(url, target.key, work.batches, work.batch_size, args.concurrency)
        return {"single": single.figures(), "batched": batched.figures()}
    except Exception as exc:  # a benchmark reports a broken target and goes on
        return {"error": f"{type(exc).__name__}: {exc}"}


@contextlib.contextmanager
def postgres_database(server_url: str, name: str = "sg_bench") -> Iterator[str]:
    """A fresh database on the given server, dropped afterwards; yields its SQLAlchemy URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run_all(args: argparse.Namespace, work: Workload, tmp: Path) -> dict[str, dict]:
    """SQLite, then PostgreSQL when a server is named, then the bare ceiling."""
    (tmp / "sqlite").mkdir()
    results = {"SQLite": _engine(args, work, tmp, "SQLite", f"sqlite:///{tmp}/sqlite/bench.db")}
    try:
        results["in-process"] = measure_in_process(work, tmp / "in-process")
    except Exception as exc:  # a benchmark reports a broken target and goes on
        results["in-process"] = {"error": f"{type(exc).__name__}: {exc}"}
    server = os.environ.get("SAFEGUARDING_TEST_POSTGRES_URL")
    if server:
        try:
            with postgres_database(server) as url:
                results["PostgreSQL"] = _engine(args, work, tmp, "PostgreSQL", url)
        except Exception as exc:  # e.g. the server is unreachable
            results["PostgreSQL"] = {"error": f"{type(exc).__name__}: {exc}"}
    port = free_port()
    results["bare"] = measure(bare_target(port), port, work, args, tmp)
    return results


def _engine(args: argparse.Namespace, work: Workload, tmp: Path, name: str, url: str) -> dict:
    port = free_port()
    try:
        target = engine_target(name, url, tmp / name.lower(), port, args.workers)
    except Exception as exc:  # the schema or key could not be made
        return {"error": f"{type(exc).__name__}: {exc}"}
    return measure(target, port, work, args, tmp)


def ratios(results: dict[str, dict]) -> list[str]:
    """The lines that compare each engine target with the bare ceiling and the aims."""
    bare, lines = results.get("bare", {}), []
    for name in ("SQLite", "PostgreSQL"):
        engine = results.get(name)
        if not engine or "error" in engine or "error" in bare:
            continue
        for phase in ("single", "batched"):
            ratio = engine[phase]["p99_ms"] / max(bare[phase]["p99_ms"], 1e-9)
            lines.append(
                f"{name} {phase}: engine p99 / bare p99 = {ratio:.1f}x (aim <= 3x)"
                f"{'' if ratio <= 3 else '  MISSED'}"
            )
        headroom = bare["single"]["events_per_s"] / max(engine["single"]["events_per_s"], 1e-9)
        lines.append(
            f"{name}: bare single events/s = {headroom:.1f}x the engine's (client headroom; "
            f"client used {engine['single']['client_cpu_cores']:.2f} cores)"
        )
    sqlite = results.get("SQLite", {})
    if "batched" in sqlite:
        rate = sqlite["batched"]["events_per_s"]
        missed = "" if rate >= BATCHED_AIM else "  MISSED"
        lines.append(f"SQLite batched events/s = {rate:,.0f} (aim >= {BATCHED_AIM}){missed}")
    return lines + in_process_lines(results, BATCHED_AIM)


CELLS = [("events_per_s", "{:,.0f}"), ("p50_ms", "{:.1f}"), ("p99_ms", "{:.1f}")]
TABLE_HEAD = ["target", "single ev/s", "p50 ms", "p99 ms", "batched ev/s", "p50 ms", "p99 ms"]


def table(results: dict[str, dict]) -> str:
    """One row per target; a target that failed shows its error under the table."""
    rows, notes = [[*TABLE_HEAD, "errors"]], []
    for name, figures in results.items():
        if name == "in-process":  # one phase, no latency: its own lines say what it measured
            continue
        if "error" in figures:
            rows.append([name, *["-"] * len(TABLE_HEAD)])
            notes.append(f"{name}: {figures['error']}")
            continue
        s, b = figures["single"], figures["batched"]
        cells = [form.format(p[k]) for p in (s, b) for k, form in CELLS]
        rows.append([name, *cells, str(s["errors"] + b["errors"])])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_align(r, widths)) for r in rows]
    return "\n".join(lines + notes)


def _align(row: list[str], widths: list[int]) -> list[str]:
    return [
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(row, widths, strict=True))
    ]


def machine() -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--singles", type=int, default=2000, help="single-event requests")
    parser.add_argument("--batches", type=int, default=200, help="batched requests")
    parser.add_argument("--batch-size", type=int, default=100, help="events per batch")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="engine server processes (default: one per core)",
    )
    parser.add_argument("--seed", type=int, default=20260301, help="workload seed")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = make_workload(args.seed, args.singles, args.batches, args.batch_size)
    print(
        f"ingest benchmark: {args.singles} single + {args.batches} x {args.batch_size} batched "
        f"events, {args.concurrency} client threads, {os.cpu_count()} CPUs",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="sg-bench-") as tmp:
        results = run_all(args, work, Path(tmp))
    print(table(results))
    lines = ratios(results)
    print("\n".join(lines))
    if args.json:
        report = {"machine": machine(), "config": vars(args) | {"json": str(args.json)}}
        report |= {"targets": results, "ratios": lines}
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception:  # a benchmark reports and exits 0; the servers are already stopped
        traceback.print_exc()
    sys.exit(0)
