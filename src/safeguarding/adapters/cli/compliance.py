"""`safeguarding compliance`: the regulator's measures, met or not, and the penalty exposure."""

from __future__ import annotations

from enum import StrEnum

import typer

from safeguarding.adapters.cli.common import console, friendly_errors, open_container, table
from safeguarding.domain.compliance import Checklist


class ChecklistFormat(StrEnum):
    """How `compliance` writes the checklist."""

    TEXT = "text"
    JSON = "json"


def print_checklist(checklist: Checklist) -> None:
    grid = table("measure", "met", "evidence", title=f"Compliance: {checklist.organisation}")
    for m in checklist.measures:
        grid.add_row(m.title, "✓" if m.met else "✗", m.evidence)
    console.print(grid)
    for m in checklist.measures:
        if m.how_to_meet:
            console.print(f"✗ {m.title}: {m.how_to_meet}", markup=False, highlight=False)
    console.print(
        f"{checklist.met} of {len(checklist.measures)} measures met.\n"
        f"Maximum penalty exposure: {checklist.penalty.explanation}.\n"
        "Senior manager accountable for children's safety: "
        f"{checklist.senior_manager or 'not named'}",
        markup=False,
        highlight=False,
    )


@friendly_errors
def compliance(
    fmt: ChecklistFormat = typer.Option(
        ChecklistFormat.TEXT, "--format", help="A table to read, or JSON."
    ),
) -> None:
    """Each measure the engine can evidence, met or not from live figures (always exits 0)."""
    with open_container() as container:
        checklist = container.compliance.checklist()
    if fmt is ChecklistFormat.JSON:
        console.print(checklist.model_dump_json(indent=2), markup=False, highlight=False)
        return
    print_checklist(checklist)
