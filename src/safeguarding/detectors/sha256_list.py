"""Exact SHA-256 matching of uploads against a plain-text hash list.

The trivial default of hash matching: a set lookup. Perceptual matching (PDQ,
vPDQ) is a separate detector with its own index.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

from safeguarding.domain.banks import BankHarm
from safeguarding.domain.detectors import Detector, DetectorContext, DetectorResources
from safeguarding.domain.events import Event, EventType, MediaEvent
from safeguarding.domain.signals import Evidence, Signal, SubjectKind

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def read_hash_list(path: Path) -> frozenset[str]:
    """One hex SHA-256 per line; blank lines and '#' comments are skipped."""
    hashes = set()
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip().lower()
        if not line:
            continue
        if not _HEX64.match(line):
            raise ValueError(f"{path}:{number}: not a SHA-256 hex digest")
        hashes.add(line)
    return frozenset(hashes)


class Sha256ListDetector(Detector):
    """Flags an upload whose SHA-256 is on the configured list."""

    event_types: ClassVar[frozenset[EventType]] = frozenset({EventType.MEDIA})

    def __init__(
        self,
        hashes: frozenset[str] = frozenset(),
        bank: str = "sha256_list",
        path: Path | None = None,
    ) -> None:
        self.hashes = hashes
        self.bank = bank
        self.path = path  # read again by reload()

    @classmethod
    def configure(
        cls, options: Mapping[str, Any], resources: DetectorResources | None = None
    ) -> Self:
        path = Path(options["path"]) if options.get("path") else None
        hashes = read_hash_list(path) if path else frozenset()
        return cls(hashes, options.get("bank", "sha256_list"), path)

    def reload(self) -> None:
        """Read the list again; one with a bad line raises and the loaded list stays."""
        if self.path is not None:
            self.hashes = read_hash_list(self.path)

    def observe(self, event: Event, context: DetectorContext) -> list[Signal]:
        if not isinstance(event, MediaEvent):
            return []
        digest = event.sha256()
        if digest is None or digest not in self.hashes:
            return []
        return [
            Signal(
                detector=self.get_name(),
                kind="hash_match",
                score=1.0,
                subject=SubjectKind.CONTENT,
                subject_id=event.event_id,
                explanation=f"SHA-256 of the upload is on the list '{self.bank}' (exact match)",
                evidence=Evidence(
                    event_ids=(event.event_id,),
                    matched_hash=digest,
                    hash_type="sha256",
                    bank=self.bank,
                    harm=BankHarm.ABUSE_IMAGERY,  # the list is of abuse imagery alone
                    distance=0,
                ),
            )
        ]
