"""`safeguarding evidence`: show a record, hold or release it, purge what has expired."""

from __future__ import annotations

import typer
from rich.progress import Progress

from safeguarding.adapters.cli.common import console, err, friendly_errors, open_container, table
from safeguarding.domain.evidence import EvidenceRecord

app = typer.Typer(
    help="Preserved evidence: records, legal holds, and purging what passed its retention.",
    no_args_is_help=True,
)
ACTOR = "cli"


@app.command("show")
@friendly_errors
def show(event_id: str = typer.Argument(..., help="The event whose evidence to show.")) -> None:
    """Show an evidence record (never its content)."""
    with open_container() as container:
        record = container.evidence.record(event_id)
    console.print(record_table([record]))


@app.command("hold")
@friendly_errors
def hold(
    event_id: str = typer.Argument(..., help="The event whose evidence to hold."),
    reason: str = typer.Option(
        ..., help="Why (a case or order reference); goes into the audit log."
    ),
) -> None:
    """Put evidence on legal hold: it is kept past its retention until released."""
    with open_container() as container:
        record = container.evidence.hold(event_id, reason, ACTOR)
    console.print(f"evidence for {record.event_id} is on legal hold")


@app.command("release")
@friendly_errors
def release(event_id: str = typer.Argument(..., help="The event whose hold to lift.")) -> None:
    """Lift a legal hold; the evidence expires at its retention date again."""
    with open_container() as container:
        record = container.evidence.hold(event_id, None, ACTOR)
    until = f"{record.retain_until:%Y-%m-%d}"
    console.print(f"legal hold lifted; evidence for {record.event_id} kept until {until}")


@app.command("purge")
@friendly_errors
def purge(
    yes: bool = typer.Option(False, "--yes", help="Purge without asking."),
) -> None:
    """Purge evidence past its retention and not on hold, leaving audited tombstones."""
    if not yes:
        typer.confirm("Purge all expired evidence? This cannot be undone", abort=True)
    with open_container() as container, Progress(console=err, transient=True) as progress:
        task = progress.add_task("purging", total=None)
        purged = container.evidence.purge(ACTOR, progress=lambda n: progress.advance(task, n))
    console.print(
        f"purged {len(purged)} expired evidence record(s); tombstones are in the audit log"
    )


def record_table(records: list[EvidenceRecord]) -> object:
    grid = table("event", "content", "preserved", "by", "kept until", "hold", "purged")
    for r in records:
        grid.add_row(
            r.event_id,
            f"{r.content_kind or '-'} {r.content_sha256[:12] if r.content_sha256 else ''}",
            f"{r.preserved_at:%Y-%m-%d %H:%M}",
            r.preserved_by,
            f"{r.retain_until:%Y-%m-%d}",
            r.hold_reason or ("yes" if r.legal_hold else ""),
            f"{r.purged_at:%Y-%m-%d %H:%M}" if r.purged_at else "",
        )
    return grid
