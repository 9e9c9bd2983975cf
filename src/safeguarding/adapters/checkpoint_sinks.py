"""Where signed audit checkpoints are kept: a folder, and optionally an HTTP witness.

The folder holds one file per checkpoint, ``checkpoint-<seq>.json``, named by the record it
signs, so a checkpoint written twice (two processes, a retry) is the same file. A witness is
any HTTP service on another host that keeps what it is sent, as Certificate Transparency's
witnesses keep signed tree heads: someone who controls this host cannot take back a
checkpoint it already holds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import httpx

from safeguarding.domain.audit import Checkpoint

PATTERN = "checkpoint-*.json"


class CheckpointFolder:
    """Checkpoint files in a folder (mode 0700; files 0600, written whole or not at all)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"folder {path}"

    def publish(self, checkpoint: Checkpoint) -> None:
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = self.path / f"checkpoint-{checkpoint.seq:012d}.json"
        staged = self.path / f".{target.name}.{os.getpid()}"
        descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(checkpoint.model_dump_json(indent=2) + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(staged, target)

    def read_all(self) -> list[HeldCheckpoint]:
        """Every checkpoint file in the folder, oldest record first; unreadable ones say why."""
        if not self.path.is_dir():
            return []
        return [read_checkpoint(path) for path in sorted(self.path.glob(PATTERN))]


@dataclass(frozen=True)
class HeldCheckpoint:
    """A checkpoint file as found: its checkpoint, or why it could not be read."""

    path: Path
    checkpoint: Checkpoint | None
    problem: str | None = None


def read_checkpoint(path: Path) -> HeldCheckpoint:
    try:
        return HeldCheckpoint(path, Checkpoint.model_validate_json(path.read_bytes()))
    except (OSError, ValueError) as exc:
        return HeldCheckpoint(path, None, f"is not a checkpoint file ({type(exc).__name__})")


class HttpWitness:
    """POSTs each checkpoint as JSON to a witness; a non-2xx answer is a failure."""

    name = "witness"

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.client = httpx.Client(timeout=timeout)

    def publish(self, checkpoint: Checkpoint) -> None:
        response = self.client.post(
            self.url,
            content=checkpoint.model_dump_json(),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()

    def close(self) -> None:
        self.client.close()
