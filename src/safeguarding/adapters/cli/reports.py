"""`safeguarding reports`: list drafted authority reports, show a package, confirm, submit."""

from __future__ import annotations

import json

import typer

from safeguarding.adapters.cli.common import console, friendly_errors, open_container, table
from safeguarding.adapters.cli.output import LISTING, Listing, print_json
from safeguarding.domain.access import Principal, Role
from safeguarding.services.access import OPERATOR

app = typer.Typer(
    help="Authority reports: drafted by policy, confirmed by a moderator, then sent.",
    no_args_is_help=True,
)
AUTHORITY = typer.Option("default", help="The authority the report is for (nca, ncmec, default).")


@app.command("list")
@friendly_errors
def list_reports(fmt: Listing = LISTING) -> None:
    """Every drafted report with its status (metadata, never a package's content)."""
    with open_container() as container:
        records = container.reports.list(OPERATOR)
    if fmt is Listing.JSON:
        print_json([r.model_dump(mode="json") for r in records])
        return
    grid = table("event", "authority", "status", "drafted", "confirmed by", "sent to")
    for r in records:
        grid.add_row(
            r.event_id,
            r.authority,
            r.status.value,
            f"{r.created_at:%Y-%m-%d %H:%M}",
            r.confirmed_by or "",
            r.destination or "",
        )
    console.print(grid)


@app.command("show")
@friendly_errors
def show(event_id: str = typer.Argument(...), authority: str = AUTHORITY) -> None:
    """Print the report package as it would be sent (JSON in the authority's format)."""
    with open_container() as container:
        package = container.reports.package(event_id, authority, OPERATOR)
    console.print(json.dumps(package, indent=2, sort_keys=True), markup=False, highlight=False)


@app.command("confirm")
@friendly_errors
def confirm(
    event_id: str = typer.Argument(...),
    authority: str = AUTHORITY,
    by: str = typer.Option(..., help="The moderator confirming (recorded in the audit log)."),
) -> None:
    """Confirm a drafted report: it is checked, frozen as confirmed, and may then be sent."""
    with open_container() as container:
        who = Principal(key_id="cli", name=by, role=Role.MODERATOR)
        record = container.reports.confirm(event_id, authority, who)
    console.print(f"report {record.authority}-{record.event_id} confirmed by {record.confirmed_by}")


@app.command("submit")
@friendly_errors
def submit(event_id: str = typer.Argument(...), authority: str = AUTHORITY) -> None:
    """Send a confirmed report to the configured endpoint, or write it for manual upload."""
    with open_container() as container:
        record = container.reports.submit(event_id, authority, OPERATOR)
    console.print(f"report {record.authority}-{record.event_id} sent to {record.destination}")


@app.command("acknowledge")
@friendly_errors
def acknowledge(event_id: str = typer.Argument(...), authority: str = AUTHORITY) -> None:
    """Record that the authority acknowledged a submitted report."""
    with open_container() as container:
        record = container.reports.acknowledge(event_id, authority, "cli")
    console.print(f"report {record.authority}-{record.event_id} acknowledged")
