"""`safeguarding policy`: check, show and apply policy files."""

from __future__ import annotations

from pathlib import Path

import typer

from safeguarding.adapters.cli.common import console, err, friendly_errors, open_container
from safeguarding.detectors import registry
from safeguarding.domain.errors import PolicyInvalid
from safeguarding.policy.validate import check_policy

app = typer.Typer(help="Check, show and apply policy files.", no_args_is_help=True)


@app.command("check")
@friendly_errors
def check(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="Policy YAML."
    ),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
) -> None:
    """Validate a policy file; print every problem with file:line:col. Exit 1 if invalid."""
    source = file.read_text()
    try:
        checked = check_policy(
            source,
            filename=str(file),
            known_detectors=registry.discover(),
            warnings_as_errors=strict,
        )
    except PolicyInvalid as exc:
        err.print(exc.detail, markup=False, highlight=False)
        raise typer.Exit(1) from None
    for warning in checked.warnings:
        err.print(warning.render(source, str(file)), markup=False, highlight=False)
    console.print(
        f"{file}: valid, {len(checked.document.rules)} rules, "
        f"{len(checked.warnings)} warning(s), sha256 {checked.sha256[:12]}",
        highlight=False,
    )


@app.command("show")
@friendly_errors
def show() -> None:
    """Print the policy in force with its version."""
    with open_container() as container:
        policy = container.policies.current_readonly()
    console.print(
        f"# version {policy.version} by {policy.created_by} "
        f"at {policy.created_at:%Y-%m-%d %H:%M} UTC",
        highlight=False,
        markup=False,
    )
    console.print(policy.source, highlight=False, markup=False)


@app.command("apply")
@friendly_errors
def apply(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="Policy YAML."
    ),
    note: str = typer.Option(
        "", help="Why the policy changes (kept in the history and audit log)."
    ),
) -> None:
    """Store a policy file as the new version (recorded in the audit log as 'cli')."""
    with open_container() as container:
        version = container.policies.replace(file.read_text(), by="cli", note=note)
    console.print(
        f"Policy version {version.version} is in force ({len(version.document.rules)} rules)."
    )
