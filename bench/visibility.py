"""Visibility benchmark: feed items checked per second on one core, from a warm cache.

Stores items with mixed decisions through the engine's own ingest (batches of 1,000), warms
a ``VisibilityService`` with every item and viewer, then times ``check(viewer, items)``
in-process for feeds of ``--feed-size`` items (default 50) from random viewers (adults,
children and viewers of unknown age). The baseline is the same service with every TTL set
to 0, so each call reads the viewer and the items from the store: the cold path.

The bench policy sorts items by where they were posted, so no detector is needed for the
mix: uploads are blocked (10%), live-stream chat is removed (20%), group chat is hidden from
children (25%), and posts are allowed (45%). A few of each feed's items are not on record.

The process is pinned to one CPU where the OS allows it. SQLite in a temporary directory by
default; ``--database-url`` names another database (its schema is created, and it should be
empty). Usage: ``python bench/visibility.py [--items N] [--calls N] [--feed-size N]
[--cold-calls N] [--json OUT]``. It always exits 0: it is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from safeguarding.bootstrap import Container, build
from safeguarding.domain.events import EVENT_ADAPTER
from safeguarding.services.visibility import VisibilityService
from safeguarding.settings import load_settings

AIM_ITEMS_PER_S = 50_000
BASE_TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BENCH_POLICY = """rules:
  - name: bench-block-uploads
    when: {event_type: media}
    then: [block]
  - name: bench-remove-livestream-chat
    when: {event_type: message, conversation_kind: livestream}
    then: [remove]
  - name: bench-hide-group-chat
    when: {event_type: message, conversation_kind: group}
    then: [hide_from_children]
"""
# Share of items by kind; the kind decides the verdict under BENCH_POLICY.
MIX = [("media", 0.10), ("livestream", 0.20), ("group", 0.25), ("post", 0.45)]
UNSEEN = [f"unseen-{n:04d}" for n in range(1000)]


def pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def make_container(database_url: str | None, tmp: Path) -> Container:
    key = "bench:" + base64.b64encode(secrets.token_bytes(32)).decode()
    url = database_url or f"sqlite:///{tmp / 'bench.db'}"
    settings = load_settings({}, database_url=url, data_dir=tmp, content_key=key)
    container = build(settings)
    container.policies.replace(BENCH_POLICY, by="bench", note="visibility benchmark")
    return container


def item(rng: random.Random, n: int, author: str) -> dict[str, Any]:
    kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
    stamp = (BASE_TIME + timedelta(seconds=n)).isoformat()
    common = {"event_id": f"item-{n:07d}", "occurred_at": stamp, "actor_id": author}
    if kind == "media":
        return {**common, "type": "media", "media_kind": "image", "hashes": {"sha256": "ab" * 32}}
    if kind == "post":
        return {**common, "type": "post", "text": "our team won the match today"}
    chat = {"conversation_id": f"{kind}-{n % 200}", "conversation_kind": kind}
    return {**common, "type": "message", "text": "see everyone at practice", **chat}


def viewers(count: int) -> Iterator[tuple[str, int | None]]:
    """A third adults, a third children, a third of unknown age."""
    for n in range(count):
        yield f"viewer-{n:04d}", (30 + n % 40, 10 + n % 8, None)[n % 3]


def store_items(container: Container, items: int, authors: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    profiles = [
        {
            "type": "profile_update",
            "event_id": f"profile-{account}",
            "occurred_at": BASE_TIME.isoformat(),
            "actor_id": account,
            "declared_age": age,
        }
        for account, age in viewers(300)
        if age is not None
    ]
    container.ingest.ingest([EVENT_ADAPTER.validate_python(p) for p in profiles], source="bench")
    ids = []
    for start in range(0, items, 1000):
        stop = min(start + 1000, items)
        batch = [item(rng, n, f"author-{n % authors}") for n in range(start, stop)]
        container.ingest.ingest([EVENT_ADAPTER.validate_python(e) for e in batch], source="bench")
        ids += [e["event_id"] for e in batch]
    return ids


def feeds(ids: list[str], calls: int, size: int, seed: int) -> list[tuple[str, list[str]]]:
    """Random viewers and feeds; two items in each are not on record (from a pool of 1,000)."""
    rng = random.Random(seed)
    people = [v for v, _ in viewers(300)]
    out = []
    for _ in range(calls):
        unknown = rng.sample(UNSEEN, min(2, size))
        out.append((rng.choice(people), rng.sample(ids, size - len(unknown)) + unknown))
    return out


def warm(service: VisibilityService, ids: list[str]) -> None:
    for start in range(0, len(ids), 1000):
        service.check("viewer-0000", ids[start : start + 1000])
    service.check("viewer-0000", UNSEEN)
    for viewer, _ in viewers(300):
        service.check(viewer, [])


def timed(check: Callable[[str, list[str]], Any], work: list[tuple[str, list[str]]]) -> dict:
    latencies = []
    started = time.perf_counter()
    for viewer, items in work:
        t0 = time.perf_counter()
        check(viewer, items)
        latencies.append(time.perf_counter() - t0)
    wall = time.perf_counter() - started
    latencies.sort()
    items = sum(len(i) for _, i in work)
    return {
        "calls": len(work),
        "items_per_s": items / wall,
        "p50_us": statistics.median(latencies) * 1e6,
        "p99_us": latencies[int(0.99 * (len(latencies) - 1))] * 1e6,
    }


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    pinned = pin_to_one_core()
    container = make_container(args.database_url, tmp)
    try:
        started = time.perf_counter()
        ids = store_items(container, args.items, args.authors, args.seed)
        stored_s = time.perf_counter() - started
        hot = VisibilityService(container.store, container.policies, container.clock)
        cold = VisibilityService(
            container.store,
            container.policies,
            container.clock,
            ttl_seconds=0,
            miss_ttl_seconds=0,
            viewer_ttl_seconds=0,
        )
        started = time.perf_counter()
        warm(hot, ids)
        warm_s = time.perf_counter() - started
        work = feeds(ids, args.calls, args.feed_size, args.seed + 1)
        warm_figures = timed(hot.check, work)
        cold_figures = timed(cold.check, work[: args.cold_calls])
        backend = container.store.engine.dialect.name
    finally:
        container.close()
    return {
        "backend": backend,
        "cpu": pinned,
        "stored_items": len(ids),
        "store_seconds": stored_s,
        "warm_seconds": warm_s,
        "warm": warm_figures,
        "cold": cold_figures,
    }


def report(args: argparse.Namespace, figures: dict[str, Any]) -> list[str]:
    warm, cold = figures["warm"], figures["cold"]
    ratio = warm["items_per_s"] / max(cold["items_per_s"], 1e-9)
    missed = "" if warm["items_per_s"] >= AIM_ITEMS_PER_S else "  MISSED"
    return [
        f"visibility benchmark: {figures['stored_items']:,} stored items on "
        f"{figures['backend']}, feeds of {args.feed_size}, {figures['cpu']}",
        f"stored in {figures['store_seconds']:.1f} s; cache warmed in "
        f"{figures['warm_seconds']:.2f} s",
        "path   calls   items/s   p50 us/call   p99 us/call",
        *(
            f"{name:<5}  {f['calls']:>5}  {f['items_per_s']:>8,.0f}  "
            f"{f['p50_us']:>12,.1f}  {f['p99_us']:>12,.1f}"
            for name, f in (("warm", warm), ("cold", cold))
        ),
        f"warm items/s = {warm['items_per_s']:,.0f} (aim >= {AIM_ITEMS_PER_S:,}){missed}",
        f"warm / cold items/s = {ratio:,.1f}x",
    ]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="items to store")
    parser.add_argument("--authors", type=int, default=5_000, help="accounts posting them")
    parser.add_argument("--calls", type=int, default=20_000, help="timed warm calls")
    parser.add_argument("--cold-calls", type=int, default=500, help="timed cold calls")
    parser.add_argument("--feed-size", type=int, default=50, help="items per call")
    parser.add_argument("--seed", type=int, default=20260301, help="workload seed")
    parser.add_argument("--database-url", help="database to use instead of a temporary SQLite")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sg-bench-vis-") as tmp:
        figures = run(args, Path(tmp))
    lines = report(args, figures)
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
