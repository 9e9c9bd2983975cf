"""`safeguarding demo`: a fresh SQLite database with demo data and one key per role."""

from __future__ import annotations

import shutil
from pathlib import Path

from safeguarding.adapters.cli.common import console, settings, table
from safeguarding.bootstrap import Container, build
from safeguarding.demo import demo_events, known_hash_list
from safeguarding.domain.access import Role


def run_demo(data_dir: Path) -> Container:
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    hash_list = data_dir / "known-hashes.txt"
    hash_list.write_text(known_hash_list())
    container = build(
        settings(
            database_url=f"sqlite:///{data_dir / 'demo.db'}",
            data_dir=data_dir,
            sha256_list_path=hash_list,
        )
    )
    grid = table(
        "role", "API key", title="Demo API keys (shown once; the demo starts afresh each run)"
    )
    for role in Role:
        key, _ = container.keys.create(f"demo-{role.value}", role.value, by="demo")
        grid.add_row(role.value, key)
    results = container.ingest.ingest(demo_events(container.clock.now()), source="demo")
    container.outbox.run_once(limit=1000)
    finish_demo(container)
    blocked = sum(r.decision.verdict == "block" for r in results)
    console.print(grid)
    console.print(
        f"Loaded {len(results)} demo events ({blocked} blocked) into {data_dir / 'demo.db'}.",
        highlight=False,
    )
    return container


def finish_demo(container: Container) -> None:
    """What the demo does once its events are in: a first risk assessment, so the risk and
    compliance pages have one to show (an admin would make it on day one)."""
    container.risk.assess("demo")
