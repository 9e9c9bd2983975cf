"""`safeguarding risk`: assess the platform's features, and show the dated risk assessment."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from safeguarding.adapters.cli.common import console, err, friendly_errors, open_container, table
from safeguarding.adapters.cli.output import is_stdout
from safeguarding.domain.errors import NotFound
from safeguarding.domain.risk import RiskAssessment
from safeguarding.services.risk import RiskStatus, markdown

app = typer.Typer(
    help="The children's risk assessment: each feature's risks, mitigations and evidence.",
    no_args_is_help=True,
)


class DocumentFormat(StrEnum):
    """How `risk show` writes the assessment."""

    MARKDOWN = "markdown"
    JSON = "json"


def print_summary(made: RiskAssessment) -> None:
    grid = table("feature", "residual risk", "enforced rules", "shadow rules", "events", "cases")
    for f in made.features:
        grid.add_row(
            f.title,
            f.residual_risk.value,
            str(len(f.enforced)),
            str(len(f.shadow)),
            str(f.evidence.events) if f.evidence else "not observed",
            str(f.evidence.cases) if f.evidence else "not observed",
        )
    console.print(grid)


@app.command("assess")
@friendly_errors
def assess(
    by: str = typer.Option("cli", help="Who assesses (recorded in the audit log)."),
) -> None:
    """Assess every feature now, against the policy in force; store it as a new version."""
    with open_container() as container:
        made = container.risk.assess(by)
    print_summary(made)
    console.print(
        f"Risk assessment version {made.version} stored "
        f"(policy version {made.policy_version}, last {made.period_days} days of evidence).",
        highlight=False,
    )


def render(status: RiskStatus, fmt: DocumentFormat) -> str:
    assessment = status.assessment
    if assessment is None:
        raise NotFound("no risk assessment yet; run `safeguarding risk assess`")
    if fmt is DocumentFormat.MARKDOWN:
        return markdown(assessment, status.current_policy_version)
    body = {
        "review_due": status.review_due,
        "current_policy_version": status.current_policy_version,
        "assessment": assessment.model_dump(mode="json"),
    }
    return json.dumps(body, indent=2)


@app.command("show")
@friendly_errors
def show(
    fmt: DocumentFormat = typer.Option(
        DocumentFormat.MARKDOWN, "--format", help="A dated Markdown document, or JSON."
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        dir_okay=False,
        help="Write it to this file instead of printing it (- for standard output).",
    ),
) -> None:
    """The latest assessment; says when a policy change has made it due for review."""
    with open_container() as container:
        status = container.risk.status()
    text = render(status, fmt)
    if output is None or is_stdout(output):
        console.print(text, markup=False, highlight=False)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        console.print(f"written to {output}", markup=False, highlight=False)
    if status.review_due:
        err.print(
            f"review due: the policy in force is version {status.current_policy_version}; "
            "run `safeguarding risk assess`",
            markup=False,
            highlight=False,
        )
