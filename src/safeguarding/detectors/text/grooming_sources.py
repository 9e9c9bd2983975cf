"""The grooming development sets by author ("source"), for leave-one-author-out evaluation.

A data folder (``datasets/grooming``) holds the project's own set, whose fitting part is
``train`` plus ``extra_train`` (its ``test`` split is never a source: it stays held out), and
one folder per independent author under ``independent/`` (``conversations.jsonl``,
``labels.jsonl``, ``README.md``).

Every benign label is marked ``hard_negative`` true or false: from the label where the author
wrote it; else from the "Hard negative ids:" / "Easy negative ids:" lines of the author's
README; for the project's set, from its categories (all but everyday chat and same-age gaming
friends share surface cues with grooming, datasets/grooming/README.md). A source with none of
these counts every benign conversation as hard, and says so in ``Source.hard_note``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT = "project"
PROJECT_EASY_CATEGORIES = frozenset({"everyday_chat", "gaming_friends_same_age"})
_IDS_LINE = re.compile(r"^(Hard|Easy) negative ids:(.*)$", re.MULTILINE | re.IGNORECASE)


@dataclass
class Source:
    """One author's conversations and labels (benign ones marked hard or not)."""

    name: str
    conversations: list[dict]
    labels: dict[str, dict]
    hard_note: str = ""


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def read_pair(conversations: Path, labels: Path) -> tuple[list[dict], dict[str, dict]]:
    return read_jsonl(conversations), {r["conversation_id"]: r for r in read_jsonl(labels)}


def project_source(data: Path) -> Source | None:
    """train + extra_train of the project's set (never test)."""
    conversations: list[dict] = []
    labels: dict[str, dict] = {}
    for split in ("train", "extra_train"):
        path = data / f"{split}.conversations.jsonl"
        if path.exists():
            found, found_labels = read_pair(path, data / f"{split}.labels.jsonl")
            conversations += found
            labels |= found_labels
    if not conversations:
        return None
    for label in labels.values():
        if label["label"] == "benign" and "hard_negative" not in label:
            label["hard_negative"] = label.get("category") not in PROJECT_EASY_CATEGORIES
    return Source(PROJECT, conversations, labels, "hard negatives by category")


def author_source(folder: Path) -> Source:
    conversations, labels = read_pair(folder / "conversations.jsonl", folder / "labels.jsonl")
    note = mark_hard_negatives(labels, folder / "README.md")
    return Source(folder.name, conversations, labels, note)


def mark_hard_negatives(labels: dict[str, dict], readme: Path) -> str:
    """Set ``hard_negative`` on every benign label; return how it was decided."""
    benign = [r for r in labels.values() if r["label"] == "benign"]
    if benign and all(r.get("hard_negative") is not None for r in benign):
        return "hard negatives from labels"
    listed = _listed_ids(readme.read_text(encoding="utf-8") if readme.exists() else "")
    for label in benign:
        if label.get("hard_negative") is None:
            cid = label["conversation_id"]
            if "hard" in listed:
                label["hard_negative"] = cid in listed["hard"]
            elif "easy" in listed:
                label["hard_negative"] = cid not in listed["easy"]
            else:
                label["hard_negative"] = True
    if listed:
        return "hard negatives from the README's id lists"
    return "no hard-negative marks: every benign conversation counted as hard"


def _listed_ids(readme: str) -> dict[str, set[str]]:
    return {
        kind.lower(): {i.strip().strip(".") for i in ids.split(",") if i.strip()}
        for kind, ids in _IDS_LINE.findall(readme)
    }


def read_sources(data: Path) -> list[Source]:
    """The project's set (if present) and every author folder under ``independent/``."""
    sources = [s for s in (project_source(data),) if s is not None]
    independent = data / "independent"
    if independent.is_dir():
        sources += [
            author_source(folder)
            for folder in sorted(independent.iterdir())
            if (folder / "labels.jsonl").exists()
        ]
    return sources
