"""`safeguarding score-conversations` and `safeguarding eval grooming`: the grooming model's CLI.

Both read Conversation JSONL (docs/grooming.md) and replay each conversation message
by message through the same ``GroomingModel.update`` the live detector runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import track
from rich.table import Table

from safeguarding.adapters.cli import grooming_by_source
from safeguarding.adapters.cli.common import console as out
from safeguarding.adapters.cli.common import err
from safeguarding.adapters.cli.text import bad_line, numbered_jsonl
from safeguarding.detectors.text.grooming_eval import (
    Figures,
    Scored,
    figures,
    keyword_baseline,
    score_conversation,
)
from safeguarding.detectors.text.grooming_model import shared_model
from safeguarding.detectors.text.grooming_state import RELATIONSHIPS

ConversationsFile = Annotated[
    Path,
    typer.Argument(exists=True, dir_okay=False, help="Conversation JSONL (see docs/grooming.md)."),
]


def score_conversations(file: ConversationsFile) -> None:
    """Score each conversation for grooming risk, message by message as the live path does.

    Prints one JSON line per conversation: {"conversation_id", "flagged", "risk",
    "first_flag_index", "reasons"}; first_flag_index is the 0-based message after
    which the conversation was first flagged.
    """
    model = shared_model()
    for conversation in read_conversations(file):
        out.print(json.dumps(score_conversation(model, conversation).line()), highlight=False)


def eval_grooming(
    conversations: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="Conversation JSONL.")
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="Labels JSONL: {conversation_id, label, ...}."
        ),
    ] = None,
    by_source: Annotated[
        bool,
        typer.Option(
            "--by-source",
            help="Leave one author out: fit on all sources but one, score the one left out.",
        ),
    ] = False,
    second_stage: Annotated[
        bool,
        typer.Option(
            "--second-stage",
            help="With --by-source: measure the contextual second stage beside the first "
            "(needs the contextual extra).",
        ),
    ] = False,
    data: Annotated[
        Path,
        typer.Option(
            exists=True,
            file_okay=False,
            help="With --by-source: the folder of the sources (train + extra_train, and "
            "independent/<author>/).",
        ),
    ] = Path("datasets/grooming"),
) -> None:
    """Score the grooming model and a keyword-list baseline against labelled conversations.

    With --by-source, measure it leave one author out instead: fit on all sources but one,
    score the one left out, for each source in turn (needs scikit-learn).
    """
    if second_stage and not by_source:
        err.print("[bold red]error:[/] --second-stage goes with --by-source")
        raise typer.Exit(2)
    if by_source and second_stage:
        from safeguarding.adapters.cli.grooming_second_by_source import print_second_stage

        print_second_stage(data)
        return
    if by_source:
        grooming_by_source.print_by_source(data)
        return
    if conversations is None or labels is None:
        err.print("[bold red]error:[/] give --conversations and --labels, or --by-source")
        raise typer.Exit(2)
    truth = read_labels(labels)
    rows = list(read_conversations(conversations))
    missing = [c["conversation_id"] for c in rows if c["conversation_id"] not in truth]
    if missing:
        err.print(f"[bold red]error:[/] {labels}: no label for {missing[:5]}", highlight=False)
        raise typer.Exit(2)
    model = shared_model()
    scored: list[Scored] = [
        score_conversation(model, c) for c in track(rows, description="scoring", console=err)
    ]
    results = {
        "model": figures(scored, truth),
        "keyword baseline": figures([keyword_baseline(c) for c in rows], truth),
    }
    out.print(summary_table(results))
    out.print(category_table(results))


def summary_table(results: dict[str, Figures]) -> Table:
    table = Table(title="Conversation level (PAN 2012 measures, early warning)")
    table.add_column("figure")
    for name in results:
        table.add_column(name, justify="right")
    names = (
        "precision",
        "recall",
        "F0.5",
        "false-positive rate (benign)",
        "flagged <= 3 messages after onset",
        "median messages onset -> flag",
        "benign conversations at high",
    )
    for at, name in enumerate(names):
        table.add_row(name, *(f.row()[at] for f in results.values()))
    return table


def category_table(results: dict[str, Figures]) -> Table:
    table = Table(title="Flagged by category")
    table.add_column("category")
    for name in results:
        table.add_column(name, justify="right")
    categories = next(iter(results.values())).by_category
    for category in categories:
        table.add_row(
            category,
            *(
                f"{f.by_category[category][0]}/{f.by_category[category][1]}"
                for f in results.values()
            ),
        )
    return table


def read_conversations(path: Path) -> Iterator[dict[str, Any]]:
    """Conversations, each checked for the fields scoring reads; a bad line stops with file:line."""
    for number, row in numbered_jsonl(path, ("conversation_id",)):
        problem = conversation_problem(row)
        if problem:
            bad_line(path, number, problem)
        yield row


def conversation_problem(row: dict[str, Any]) -> str | None:
    participants, messages = row.get("participants"), row.get("messages")
    if not isinstance(participants, dict):
        return "participants must be an object of {name: {declared_age, account_age_days}}"
    for name, facts in participants.items():
        if not isinstance(facts, dict) or any(
            facts.get(k) is not None and not isinstance(facts.get(k), int)
            for k in ("declared_age", "account_age_days")
        ):
            return (
                f"participant {name!r}: declared_age and account_age_days must be integers or null"
            )
    if not isinstance(messages, list):
        return "messages must be a list"
    problem = relationships_problem(row.get("relationships"), participants)
    if problem:
        return problem
    for at, message in enumerate(messages):
        if not isinstance(message, dict) or any(
            not isinstance(message.get(k), str) for k in ("sender", "text", "ts")
        ):
            return f"message {at}: needs string fields sender, text, ts"
        try:
            when = datetime.fromisoformat(message["ts"].replace("Z", "+00:00"))
        except ValueError:
            return f"message {at}: ts {message['ts']!r} is not an ISO 8601 time"
        if when.tzinfo is None:
            return f"message {at}: ts {message['ts']!r} needs a UTC offset (e.g. Z)"
    return None


def relationships_problem(rows: Any, participants: dict[str, Any]) -> str | None:
    """The optional ``relationships``: [{"between": [two participants], "relationship"}]."""
    if rows is None:
        return None
    if not isinstance(rows, list):
        return "relationships must be a list of {between, relationship}"
    for at, row in enumerate(rows):
        between = row.get("between") if isinstance(row, dict) else None
        if (
            not isinstance(between, list)
            or len(between) != 2
            or any(name not in participants for name in between)
        ):
            return f"relationship {at}: between must name two participants"
        if row.get("relationship") not in RELATIONSHIPS:
            return f"relationship {at}: relationship must be one of {', '.join(RELATIONSHIPS)}"
    return None


def read_labels(path: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for number, row in numbered_jsonl(path, ("conversation_id", "label")):
        if row["label"] not in ("grooming", "benign"):
            bad_line(path, number, f"label must be grooming or benign, not {row['label']!r}")
        found[row["conversation_id"]] = row
    return found
