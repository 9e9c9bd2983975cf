"""`safeguarding ingest FILE.jsonl`: send a file of events through the engine, resumably."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from safeguarding.adapters.cli.common import console, err, table
from safeguarding.bootstrap import Container
from safeguarding.domain.events import EVENT_ADAPTER, Event


def read_events(path: Path) -> tuple[list[Event], list[str]]:
    """Every valid event, and a message per invalid line (line number, field, problem)."""
    events, problems = [], []
    for number, line in _lines(path):
        try:
            events.append(EVENT_ADAPTER.validate_python(json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{number}: not JSON ({exc.msg} at column {exc.colno})")
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(event)"
            more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
            problems.append(f"{path}:{number}: {where}: {first['msg']}{more}")
    return events, problems


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def ingest_file(container: Container, events: list[Event], batch_size: int) -> Counter[str]:
    """Skip what is stored, send the rest in batches with a progress bar; count verdicts."""
    stored = set()
    for start in range(0, len(events), 1000):
        stored |= container.ingest.stored_ids([e.event_id for e in events[start : start + 1000]])
    todo = [e for e in events if e.event_id not in stored]
    verdicts: Counter[str] = Counter({"already stored (skipped)": len(events) - len(todo)})
    columns = (TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task("ingest", total=len(todo))
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            for result in container.ingest.ingest(batch, source="cli:ingest"):
                verdicts["replayed" if result.replayed else result.decision.verdict.value] += 1
            progress.advance(task, len(batch))
    return verdicts


def print_summary(path: Path, total: int, verdicts: Counter[str]) -> None:
    grid = table("outcome", "events", title=f"{path.name}: {total} events")
    for outcome in ("allow", "hold", "block", "replayed", "already stored (skipped)"):
        grid.add_row(outcome, str(verdicts.get(outcome, 0)))
    console.print(grid)
