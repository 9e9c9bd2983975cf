"""The same batches decided in-process: the engine's own cost, without HTTP or a server.

``IngestService.ingest`` is called directly, one batch after another on one thread, on a
fresh SQLite file, with the same warm-up as the HTTP targets. Side effects are written to the
outbox as in the server; nothing carries them out (no webhooks are configured). The figure is
the floor the HTTP path is compared with: what the server, its parsing and the client lose is
the difference.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from pathlib import Path
from typing import Any

from bench.workload import Workload


def measure_in_process(work: Workload, data_dir: Path) -> dict[str, Any]:
    """events/s and CPU ms per event for ``work.batches`` decided in this process."""
    from safeguarding.adapters.http.schemas import EVENTS_BODY
    from safeguarding.bootstrap import build
    from safeguarding.settings import load_settings

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = {
        "SAFEGUARDING_DATABASE_URL": f"sqlite:///{data_dir}/bench.db",
        "SAFEGUARDING_DATA_DIR": str(data_dir),
        "SAFEGUARDING_CONTENT_KEY": f"bench:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        "SAFEGUARDING_LOG_LEVEL": "WARNING",
    }
    container = build(load_settings(settings))
    try:
        ingest = container.ingest

        def parsed(body: bytes) -> list:
            return list(EVENTS_BODY.validate_python(json.loads(body)).events)

        for body in work.warmup:
            ingest.ingest(parsed(body), source="bench")
        for body in work.warmup_singles:
            ingest.ingest([EVENTS_BODY.validate_python(json.loads(body))], source="bench")
        batches = [parsed(body) for body in work.batches]
        cpu, wall = time.process_time(), time.perf_counter()
        for batch in batches:
            ingest.ingest(batch, source="bench")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        container.close()
    events = sum(len(b) for b in batches)
    return {
        "events": events,
        "seconds": round(wall, 3),
        "events_per_s": round(events / wall, 1) if wall else 0.0,
        "cpu_ms_per_event": round(1000 * cpu / events, 3) if events else 0.0,
    }


def in_process_lines(results: dict[str, dict], aim: float) -> list[str]:
    """The in-process figure beside the SQLite batched one over HTTP, and what HTTP keeps."""
    own = results.get("in-process")
    if not own:
        return []
    if "error" in own:
        return [f"in-process: {own['error']}"]
    rate = own["events_per_s"]
    lines = [
        f"in-process batched events/s = {rate:,.0f} on one thread "
        f"({own['cpu_ms_per_event']:.3f} ms CPU per event; aim >= {aim:,.0f})"
        f"{'' if rate >= aim else '  MISSED'}"
    ]
    http = results.get("SQLite", {}).get("batched")
    if http:
        share = http["events_per_s"] / rate if rate else 0.0
        why = (
            "more server processes than the one in-process thread"
            if share > 1
            else f"{1 - share:.0%} lost to HTTP, parsing and the server"
        )
        lines.append(f"SQLite batched over HTTP = {share:.2f}x the in-process rate ({why})")
    return lines
