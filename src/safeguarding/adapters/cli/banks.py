"""`safeguarding banks`: create, list, show, tune, import into, roll back and delete hash banks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from safeguarding.adapters.cli.common import console, err, friendly_errors, open_container, table
from safeguarding.adapters.cli.output import LISTING, Listing, print_json
from safeguarding.bootstrap import Container
from safeguarding.detectors.media.hash_lists import (
    HashListError,
    ListFormat,
    hash_type_named,
    read_hash_list,
)
from safeguarding.domain.banks import (
    DEFAULT_PDQ_THRESHOLD,
    DEFAULT_VPDQ_PERCENT,
    Bank,
    BankHarm,
    BankKind,
    BankVersion,
    HashType,
    ImportMode,
)

app = typer.Typer(
    help="Hash banks: lists of hashes of known abuse imagery, versioned import by import.",
    no_args_is_help=True,
)
ACTOR = "cli"
HARM_HELP = "The harm its entries are known for: picks case queue, rules and report."
_T = TypeVar("_T")


def with_container(work: Callable[[Container], _T]) -> _T:
    with open_container() as container:
        return work(container)


def valid(make: Callable[[], _T]) -> _T:
    """A model's ValidationError as one line naming the field, exit 2."""
    try:
        return make()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        err.print(f"[bold red]error:[/] {where}: {first['msg']}", highlight=False)
        raise typer.Exit(2) from None


def version_line(made: BankVersion) -> str:
    return (
        f"{made.bank}: version {made.version}, added {made.added}, "
        f"removed {made.removed}, total {made.total}"
    )


@app.command("create")
@friendly_errors
def create(
    name: str = typer.Argument(..., help="Lowercase letters, digits, '_', '.', '-'."),
    kind: BankKind = typer.Option(
        BankKind.BLOCK, help="block, or allow for known false positives."
    ),
    harm: BankHarm = typer.Option(BankHarm.ABUSE_IMAGERY, help=HARM_HELP),
    description: str = typer.Option("", help="What the bank holds and where it comes from."),
    pdq_threshold: int = typer.Option(
        DEFAULT_PDQ_THRESHOLD, min=0, max=128, help="Largest PDQ distance that matches."
    ),
    vpdq_percent: float = typer.Option(
        DEFAULT_VPDQ_PERCENT, min=1, max=100, help="Share of video frames that must match."
    ),
) -> None:
    """Create an empty bank."""

    def work(container: Container) -> Bank:
        bank = valid(
            lambda: Bank(
                name=name,
                kind=kind,
                harm=harm,
                description=description,
                pdq_threshold=pdq_threshold,
                vpdq_match_percent=vpdq_percent,
                created_at=container.clock.now(),
            )
        )
        return container.banks.create(bank, actor=ACTOR)

    made = with_container(work)
    console.print(
        f"Created {made.kind.value} bank {made.name} ({made.harm.value}).", highlight=False
    )


@app.command("list")
@friendly_errors
def list_banks(fmt: Listing = LISTING) -> None:
    """Every bank: kind, enabled, version, distances and live hashes by type."""
    found = with_container(lambda c: c.banks.list())
    if fmt is Listing.JSON:
        print_json([bank.model_dump(mode="json") | {"counts": counts} for bank, counts in found])
        return
    grid = table("name", "kind", "harm", "enabled", "version", "pdq dist", "vpdq %", *HashType)
    for bank, counts in found:
        grid.add_row(
            bank.name,
            bank.kind.value,
            bank.harm.value,
            "yes" if bank.enabled else "no",
            str(bank.version),
            str(bank.pdq_threshold),
            f"{bank.vpdq_match_percent:g}",
            *(str(counts[t.value]) for t in HashType),
        )
    console.print(grid)


@app.command("show")
@friendly_errors
def show(name: str = typer.Argument(..., help="The bank.")) -> None:
    """A bank's settings and every version: source, date, licence, what changed."""
    bank, versions = with_container(lambda c: c.banks.get(name))
    state = "enabled" if bank.enabled else "disabled"
    console.print(
        f"{bank.name}: {bank.kind.value}, {bank.harm.value}, {state}, version {bank.version}, "
        f"pdq distance {bank.pdq_threshold}, vpdq {bank.vpdq_match_percent:g}%",
        highlight=False,
        markup=False,
    )
    if bank.partner and bank.trust:
        console.print(f"shared by {bank.partner}, trust {bank.trust.value}", highlight=False)
    if bank.description:
        console.print(bank.description, highlight=False, markup=False)
    grid = table("version", "created", "by", "source", "licence", "added", "removed", "total")
    for v in versions:
        source = v.source if v.rolled_back_to is None else f"{v.source} (rollback)"
        grid.add_row(
            str(v.version),
            f"{v.created_at:%Y-%m-%d %H:%M}",
            v.created_by,
            source,
            v.licence,
            str(v.added),
            str(v.removed),
            str(v.total),
        )
    console.print(grid)


def _set_enabled(name: str, enabled: bool) -> None:
    with_container(lambda c: c.banks.update(name, {"enabled": enabled}, actor=ACTOR))
    console.print(f"{'Enabled' if enabled else 'Disabled'} bank {name}.", highlight=False)


@app.command("enable")
@friendly_errors
def enable(name: str = typer.Argument(..., help="The bank.")) -> None:
    """Match against the bank again."""
    _set_enabled(name, True)


@app.command("disable")
@friendly_errors
def disable(name: str = typer.Argument(..., help="The bank.")) -> None:
    """Stop matching against the bank; it keeps its hashes and history."""
    _set_enabled(name, False)


@app.command("harm")
@friendly_errors
def set_harm(
    name: str = typer.Argument(..., help="The bank."),
    harm: BankHarm = typer.Argument(..., help=HARM_HELP),
) -> None:
    """Change what a bank's entries are known for (audited); matches follow at once."""
    with_container(lambda c: c.banks.update(name, {"harm": harm}, actor=ACTOR))
    console.print(f"Bank {name} now holds {harm.value}.", highlight=False)


@app.command("delete")
@friendly_errors
def delete(
    name: str = typer.Argument(..., help="The bank."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Delete a bank with all its hashes and history (the audit log keeps the deletion)."""
    if not yes:
        typer.confirm(f"Delete bank {name} and every hash in it?", abort=True)
    removed = with_container(lambda c: c.banks.delete(name, actor=ACTOR))
    console.print(f"Deleted bank {name} ({removed} hashes).", highlight=False)


@app.command("import")
@friendly_errors
def import_file(
    name: str = typer.Argument(..., help="The bank."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    fmt: ListFormat = typer.Option(..., "--format", help="text, csv or hma (JSON / JSON Lines)."),
    hash_type: str | None = typer.Option(
        None, "--type", help="sha256, md5, pdq, vpdq or url (a URL list): for lists without types."
    ),
    source: str = typer.Option(..., help="Where the list came from (kept with the version)."),
    licence: str = typer.Option("", help="The terms the list is held under."),
    replace: bool = typer.Option(
        False, "--replace", help="Make the list the bank's whole content (default: add to it)."
    ),
    skip_unsupported: bool = typer.Option(
        False,
        "--skip-unsupported",
        help="Leave out (and count) entries of types no bank holds, such as URLs and trend "
        "queries in a ThreatExchange export (default: refuse the file).",
    ),
) -> None:
    """Import a hash list as a new version. A file with a bad line imports nothing."""
    skipped: Counter[str] | None = Counter() if skip_unsupported else None
    hashes = read_file(file, fmt, hash_type, skipped)
    mode = ImportMode.REPLACE if replace else ImportMode.ADD
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())

    def work(container: Container) -> BankVersion:
        with Progress(*columns, console=err) as progress:
            task = progress.add_task("import", total=len(hashes))
            made = container.banks.import_hashes(
                name,
                hashes,
                source=source,
                licence=licence,
                actor=ACTOR,
                mode=mode,
                progress=lambda done: progress.advance(task, done),
            )
            # Hashes the bank held already are not written, so finish the bar by hand.
            progress.update(task, completed=len(hashes))
            return made

    console.print(version_line(with_container(work)) + skipped_note(skipped), highlight=False)


def skipped_note(skipped: Counter[str] | None) -> str:
    """``, skipped 3 (url 2, trend_query 1)`` when the import left entries out."""
    if skipped is None:
        return ""
    kinds = ", ".join(f"{name} {count}" for name, count in sorted(skipped.items()))
    return f", skipped {skipped.total()}" + (f" ({kinds})" if kinds else "")


def read_file(
    file: Path, fmt: ListFormat, hash_type: str | None, skipped: Counter[str] | None = None
) -> list[tuple[HashType, str]]:
    """The file's hashes, or exit 2 with ``FILE:LINE: message`` for its first bad entry."""
    try:
        kind = hash_type_named(hash_type) if hash_type else None
        entries = read_hash_list(file.read_text(encoding="utf-8"), fmt, kind, skipped)
    except (ValueError, UnicodeDecodeError) as exc:
        refuse_list(file, exc)
    return [(kind_, value) for _, kind_, value in entries]


def refuse_list(file: Path, exc: ValueError, note: str = "") -> NoReturn:
    """Exit 2 with ``FILE:LINE: message`` (a HashListError) or ``FILE: message``."""
    if isinstance(exc, HashListError):
        where = f"{file}:{exc.line}" if exc.line else str(file)
        err.print(f"error: {where}: {exc.message}{note}", highlight=False, markup=False)
    else:
        err.print(f"error: {file}: {exc}", highlight=False, markup=False)
    raise typer.Exit(2)


@app.command("rollback")
@friendly_errors
def rollback(
    name: str = typer.Argument(..., help="The bank."),
    version: int = typer.Argument(..., min=1, help="The version whose content to go back to."),
) -> None:
    """Make a new version with an earlier version's content; history stays as it was."""
    made = with_container(lambda c: c.banks.rollback(name, version, actor=ACTOR))
    console.print(version_line(made), highlight=False)
