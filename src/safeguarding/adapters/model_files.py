"""Notice when the files behind the detectors change, and rebuild the detectors.

A long-running worker reads models and hash lists once. When an operator upgrades the package
(new model files) or edits the SHA-256 list, the worker sees the files' size or modification
time move at its next look and builds fresh detectors; it keeps the old ones if the new files
do not load, so a half-copied file cannot stop deciding.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("safeguarding.models")

Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(paths: list[Path]) -> Fingerprint:
    found = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            found.append((str(path), -1, -1))
            continue
        found.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(found)


class ModelFiles:
    """Rebuilds the detectors when the files they were built from change."""

    def __init__(
        self,
        paths: Callable[[], list[Path]],
        rebuild: Callable[[], None],
        recheck_seconds: float,
        seen: Fingerprint | None = None,
    ) -> None:
        self.paths = paths
        self.rebuild = rebuild
        self.recheck_seconds = recheck_seconds
        # ``seen``: the files as they were before the detectors in use read them; taking it
        # afterwards would miss a change made while they loaded, for good.
        self.seen = fingerprint(paths()) if seen is None else seen
        self.checked = time.monotonic()
        self.reloads = 0

    def refresh(self) -> bool:
        """Rebuild if a file changed since the last look; True when it did."""
        if time.monotonic() - self.checked < self.recheck_seconds:
            return False
        self.checked = time.monotonic()
        now = fingerprint(self.paths())
        if now == self.seen:
            return False
        self.seen = now  # a file that does not load is reported once, and tried when it changes
        try:
            self.rebuild()
        except Exception:  # keep deciding with the detectors already loaded
            log.exception("detector files changed but do not load; keeping the loaded ones")
            return False
        self.reloads += 1
        log.info("detector files changed; detectors rebuilt (reload %d)", self.reloads)
        return True
