"""`safeguarding sharing`: export what this service confirmed; import a partner's signals."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import typer

from safeguarding.adapters.cli.banks import ACTOR, refuse_list, with_container
from safeguarding.adapters.cli.common import console, err, friendly_errors
from safeguarding.domain.banks import Trust
from safeguarding.domain.sharing import PARTNER_HARMS
from safeguarding.services.sharing import ImportMode
from safeguarding.services.sharing_files import (
    AccountRow,
    PartnerSignal,
    ShareFormat,
    read_partner_file,
)

app = typer.Typer(
    help="Share signals with other services: export what was confirmed, import partners' lists.",
    no_args_is_help=True,
)


@app.command("export")
@friendly_errors
def export(
    fmt: ShareFormat = typer.Option(
        ShareFormat.CSV, "--format", help="csv (with harm, date, decision) or text (pytx file)."
    ),
    since: str | None = typer.Option(None, help="Only confirmations from this day, YYYY-MM-DD."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write (default: stdout)."
    ),
) -> None:
    """Hashes, URLs and salted account signals of confirmed cases, never content (audited)."""
    start = _day(since) if since else None
    made = with_container(lambda c: c.sharing.export(fmt, ACTOR, start))
    if output is None:
        typer.echo(made.content, nl=False)
    else:
        output.write_text(made.content, encoding="utf-8")
    counts = ", ".join(f"{harm} {n}" for harm, n in sorted(made.by_harm.items())) or "none"
    err.print(f"Exported {sum(made.by_harm.values())} signals ({counts}).", highlight=False)


@app.command("import")
@friendly_errors
def import_file(
    partner: str = typer.Argument(..., help="Who shared the file (lower-case name)."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    fmt: ShareFormat = typer.Option(ShareFormat.CSV, "--format", help="csv or text."),
    source: str = typer.Option(..., help="Where the file came from (kept with each version)."),
    harm: str | None = typer.Option(None, help="Harm of rows that name none."),
    trust: Trust | None = typer.Option(
        None, help="match_only or match_and_act, for all the partner's banks (default: kept)."
    ),
    mode: ImportMode = typer.Option(
        ImportMode.ADD, help="add, replace (withdraw what the file leaves out) or withdraw."
    ),
) -> None:
    """Import a partner's signals into its banks, one per harm. A bad row imports nothing."""
    skipped: Counter[str] = Counter()
    accounts: list[AccountRow] = []
    signals = _read(file, fmt, harm, skipped, accounts)
    done = with_container(
        lambda c: c.sharing.import_signals(
            partner,
            signals,
            mode=mode,
            source=source,
            actor=ACTOR,
            trust=trust,
            skipped=dict(skipped),
            accounts=accounts,
        )
    )
    for v in done.versions:
        console.print(
            f"{v.bank}: version {v.version}, added {v.added}, removed {v.removed}, total {v.total}",
            highlight=False,
        )
    left = ", ".join(f"{k} {n}" for k, n in sorted(done.skipped.items()))
    said = f"{partner}: trust {done.trust.value}, account signals held: {done.accounts}"
    console.print(said + (f", skipped {left}" if left else ""))


def _read(
    file: Path,
    fmt: ShareFormat,
    harm: str | None,
    skipped: Counter[str],
    accounts: list[AccountRow],
) -> list[PartnerSignal]:
    if harm is not None and harm not in PARTNER_HARMS:
        err.print(f"error: unknown harm {harm!r}; known: {', '.join(PARTNER_HARMS)}", markup=False)
        raise typer.Exit(2)
    try:
        text = file.read_text(encoding="utf-8")
        return read_partner_file(text, fmt, harm, skipped, accounts)
    except (ValueError, UnicodeDecodeError) as exc:
        refuse_list(file, exc, "; nothing was imported")


def _day(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        err.print(f"error: --since {text!r} is not a day (YYYY-MM-DD)", markup=False)
        raise typer.Exit(2) from None
