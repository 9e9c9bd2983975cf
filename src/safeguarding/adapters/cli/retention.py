"""`safeguarding retention`: remove content that has been kept as long as it may be."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from safeguarding.adapters.cli.common import console, err, friendly_errors, open_container
from safeguarding.operations import retention_service

ACTOR = "cli"
app = typer.Typer(help="Content retention: tombstones for content past its time.")


@app.command("run")
@friendly_errors
def run(
    full: bool = typer.Option(
        False,
        "--full",
        help="PostgreSQL: VACUUM FULL the content tables afterwards (locks them while it runs).",
    ),
) -> None:
    """Purge evidence past its retention, then replace with tombstones the content of events
    past their type's retention that nothing keeps (preserved evidence, a legal hold, an
    undecided case, an open complaint), in batches; then make the removed bytes unrecoverable
    from the database files. Every batch is audited (event ids, no content)."""
    with open_container() as container:
        service = retention_service(container)
        columns = (TextColumn("removing"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("retention", total=service.due() or None)
            result = service.run(ACTOR, progress=lambda n: progress.advance(task, n), full=full)
    console.print(
        f"purged {result.evidence_purged} evidence record(s); removed the content of "
        f"{result.events_tombstoned} event(s), leaving tombstones",
        highlight=False,
    )
