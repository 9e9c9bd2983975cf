"""`safeguarding audit`: verify the hash chain against the signed checkpoints kept outside the
database, and take a checkpoint by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from safeguarding.adapters import audit_signing
from safeguarding.adapters.checkpoint_sinks import HeldCheckpoint, read_checkpoint
from safeguarding.adapters.cli.common import console, err, friendly_errors, open_container
from safeguarding.bootstrap import Container
from safeguarding.domain.audit import AuditRecord, Checkpoint, checkpoint_breaks, first_break
from safeguarding.settings import Settings
from safeguarding.wiring import checkpoint_folder

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@app.command("verify")
@friendly_errors
def verify(
    checkpoint: Path | None = typer.Option(
        None,
        "--checkpoint",
        exists=True,
        dir_okay=False,
        help="A checkpoint file kept elsewhere (from a witness, or `audit checkpoint --out`), "
        "checked besides those in the checkpoint folder.",
    ),
) -> None:
    """Check the hash chain against the signed checkpoints; exit 1 if anything fails.

    A rewritten record, or newest records deleted up to the newest checkpoint in the
    checkpoint folder, fail. Prints how old the newest checkpoint is.
    """
    given = read_checkpoint(checkpoint) if checkpoint else None
    if given is not None and given.checkpoint is None:
        err.print(f"error: {checkpoint} {given.problem}")
        raise typer.Exit(2)
    with open_container() as container:
        verified = check_chain(container, given)
    if not verified:
        raise typer.Exit(1)


def check_chain(
    container: Container,
    given: HeldCheckpoint | None = None,
    held: list[HeldCheckpoint] | None = None,
) -> bool:
    """Print whether the audit chain verifies, against the signed checkpoints (``held``, by
    default the checkpoint folder's) and ``given``, and how far they cover it; False if
    anything fails."""
    records = container.checkpoints.chain()
    folder = checkpoint_folder(container.settings)
    held = (folder.read_all() if held is None else held) + ([given] if given else [])
    trusted, problems = _trusted(held, container.settings)
    chain_break = first_break(records)
    breaks = ([chain_break] if chain_break else []) + checkpoint_breaks(records, trusted)
    problems += [f"audit chain broken at record {b.seq}: {b.reason}" for b in breaks]
    for problem in problems:
        err.print(problem, highlight=False)
    if not problems:
        head = records[-1].hash[:16] if records else "(empty)"
        console.print(f"audit chain verifies: {len(records)} records, head {head}")
        if given is not None and given.checkpoint is not None:
            console.print(f"and matches the checkpoint at record {given.checkpoint.seq}")
    _print_coverage(records, trusted, folder.path, container.clock.now())
    return not problems


def _trusted(held: list[HeldCheckpoint], settings: Settings) -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints signed by this engine's key, and a line for each one that is not."""
    if not held:
        return [], []
    key = audit_signing.existing_key(settings)
    if key is None:
        path = audit_signing.key_path(settings)
        return [], [f"no audit signing key at {path}: {len(held)} checkpoint(s) cannot be checked"]
    trusted, problems = [], []
    for item in held:
        problem = item.problem or _signature_problem(item.checkpoint, key)
        if problem is None and item.checkpoint is not None:
            trusted.append(item.checkpoint)
        else:
            problems.append(f"checkpoint {item.path} is not to be trusted: {problem}")
    return trusted, problems


def _signature_problem(checkpoint: Checkpoint | None, key: Ed25519PrivateKey) -> str | None:
    if checkpoint is None:
        return "it could not be read"
    return audit_signing.signature_problem(checkpoint, key)


def _print_coverage(
    records: list[AuditRecord], trusted: list[Checkpoint], folder: Path, now: datetime
) -> None:
    """How old the newest checkpoint is, and which records no checkpoint covers yet."""
    if not trusted:
        console.print(
            f"no signed checkpoints found (in {folder}): deleting the newest records "
            "would not be detected",
            highlight=False,
        )
        return
    newest = max(trusted, key=lambda c: c.seq)
    taken = newest.taken_at.strftime("%Y-%m-%d %H:%M")
    console.print(
        f"newest checkpoint: record {newest.seq}, taken {taken} UTC "
        f"({_age((now - newest.taken_at).total_seconds())} ago)",
        highlight=False,
    )
    last = records[-1].seq if records else 0
    if last > newest.seq:
        console.print(
            f"records {newest.seq + 1}-{last} came after it: no checkpoint covers them yet",
            highlight=False,
        )


def _age(seconds: float) -> str:
    minutes = max(0, int(seconds // 60))
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    return f"{hours} hours" if hours < 48 else f"{hours // 24} days"


@app.command("checkpoint")
@friendly_errors
def checkpoint_now(
    out: Path | None = typer.Option(
        None, "--out", dir_okay=False, help="Also write the checkpoint to this file."
    ),
) -> None:
    """Take a signed checkpoint now, besides the automatic ones.

    It is written to the checkpoint folder and sent to the witness, like theirs. Hand a copy
    to a third party: `audit verify --checkpoint FILE` then proves the chain up to it was
    neither rewritten (even with every hash recomputed) nor cut short.
    """
    with open_container() as container:
        taken = container.checkpoints.take_now()
    if taken is None:
        err.print("error: the audit log is empty; nothing to checkpoint")
        raise typer.Exit(2)
    if out is not None:
        out.write_text(taken.model_dump_json(indent=2) + "\n", encoding="utf-8")
    where = f" and to {out}" if out else ""
    console.print(
        f"checkpoint of record {taken.seq} (head {taken.hash[:16]}) written to the checkpoint "
        f"folder{where}",
        highlight=False,
    )
