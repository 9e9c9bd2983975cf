"""`safeguarding hashes match`: near-duplicate matching of PDQ hash lists, in batch.

Reads two plain-text hash lists (one 64-hex PDQ hash per line; blank lines and `#` comments
are skipped), builds an in-memory index of the bank, and writes one JSON line per query:
``{"query": hex, "line": n, "matches": [{"hash": hex, "line": n, "distance": d}, ...]}``,
nearest first. Both files are checked before anything is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from time import perf_counter
from typing import Annotated, Any

import numpy as np
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from safeguarding.adapters.cli.common import console, err
from safeguarding.adapters.cli.output import is_stdout, write_stdout
from safeguarding.detectors.media.pdq_hash import HashRows, format_pdq_hex, parse_pdq_hex
from safeguarding.detectors.media.pdq_index import DEFAULT_THRESHOLD, PdqIndex

app = typer.Typer(help="Perceptual hash lists: match them against a bank.", no_args_is_help=True)
PROGRESS_FROM = 10_000  # queries; fewer finish before a bar would be worth drawing
BATCH = 1_000  # queries per progress step
HashList = Annotated[
    Path,
    typer.Option(
        exists=True, dir_okay=False, help="Plain text: one 64-hex PDQ hash per line, '#' comments."
    ),
]


class HashListError(ValueError):
    """A hash list line that is not a PDQ hash; the message names the file and line."""


def read_hash_list(path: Path) -> tuple[HashRows, list[int]]:
    """The hashes of a plain-text list as (n, 32) rows, with the line number of each."""
    raw, lines, number = bytearray(), [], 0
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                content = line.split("#", 1)[0].strip()
                if content:
                    raw += parse_pdq_hex(content)
                    lines.append(number)
    except UnicodeDecodeError:
        raise HashListError(f"{path}: not UTF-8 text") from None
    except ValueError as exc:
        raise HashListError(f"{path}:{number}: {exc}") from None
    return np.frombuffer(raw, np.uint8).reshape(-1, 32), lines


@app.command("match")
def match(
    bank: HashList,
    queries: HashList,
    output: Annotated[
        Path,
        typer.Option(
            dir_okay=False, help="Where to write one JSON line per query (- for standard output)."
        ),
    ],
    threshold: Annotated[
        int, typer.Option(min=0, max=256, help="Largest Hamming distance that counts as a match.")
    ] = DEFAULT_THRESHOLD,
) -> None:
    """Match every PDQ hash in QUERIES against BANK within a Hamming distance.

    Writes one JSON line per query: {"query", "line", "matches": [{"hash", "line", "distance"}]}.
    A line that is not a hash stops the command (exit status 2) before anything is written.
    """
    try:
        bank_rows, bank_lines = read_hash_list(bank)
        query_rows, query_lines = read_hash_list(queries)
    except HashListError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    # With the results on standard output, the notes go to standard error.
    notes = err if is_stdout(output) else console
    started = perf_counter()
    index = PdqIndex.build(bank_rows, threshold=threshold)
    built = perf_counter() - started
    notes.print(
        f"bank: {len(bank_rows):,} hashes from {bank}; index built in {built:.2f} s "
        f"({index.nbytes / 2**20:.1f} MiB)",
        highlight=False,
    )
    started = perf_counter()
    found = match_all(index, query_rows)
    took = perf_counter() - started
    rate = len(query_rows) / took if took else 0.0
    notes.print(
        f"queries: {len(query_rows):,} from {queries}, {sum(1 for f in found if f):,} with a "
        f"match; matched in {took:.2f} s ({rate:,.0f} queries/s)",
        highlight=False,
    )
    lines = (
        (json.dumps(result_line(row, line, matches, bank_rows, bank_lines)) + "\n").encode()
        for row, line, matches in zip(query_rows, query_lines, found, strict=True)
    )
    if is_stdout(output):
        write_stdout(lines)
        return
    with output.open("wb") as out:
        out.writelines(lines)
    console.print(f"wrote {output}", highlight=False)


def match_all(index: PdqIndex, rows: HashRows) -> list[list[tuple[int, int]]]:
    """(bank row, distance) pairs for each query, with a progress bar for long inputs."""
    columns = (TextColumn("matching"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    found: list[list[tuple[int, int]]] = []
    with Progress(*columns, console=err, disable=len(rows) < PROGRESS_FROM) as progress:
        task = progress.add_task("match", total=len(rows))
        for start in range(0, len(rows), BATCH):
            batch = index.query_many(rows[start : start + BATCH])
            found.extend([(m.id, m.distance) for m in matches] for matches in batch)
            progress.advance(task, len(batch))
    return found


def result_line(
    row: HashRows,
    line: int,
    matches: list[tuple[int, int]],
    bank_rows: HashRows,
    bank_lines: list[int],
) -> dict[str, Any]:
    """One query's output line; the index's ids are bank row numbers."""
    return {
        "query": format_pdq_hex(row),
        "line": line,
        "matches": [
            {"hash": format_pdq_hex(bank_rows[i]), "line": bank_lines[i], "distance": d}
            for i, d in matches
        ],
    }
