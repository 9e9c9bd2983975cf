"""Notice when the files behind the detectors change, and rebuild the detectors.

A long-running worker reads models and hash lists once. When an operator upgrades the package
(new model files) or edits the SHA-256 list, the worker sees the files' size or modification
time move at its next look and builds fresh detectors; it keeps the old ones if the new files
do not load, so a half-copied file cannot stop deciding.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from safeguarding.services.caches import Snapshot

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
    """Rebuilds the detectors when the files they were built from change.

    The files' fingerprint is the revision of a ``Snapshot`` looked at most every
    ``recheck_seconds``; what it holds is how many rebuilds have been made.
    """

    def __init__(
        self,
        paths: Callable[[], list[Path]],
        rebuild: Callable[[], None],
        recheck_seconds: float,
        seen: Fingerprint | None = None,
    ) -> None:
        self.paths = paths
        self.rebuild = rebuild
        self.reloads = 0
        # ``seen``: the files as they were before the detectors in use read them; taking it
        # afterwards would miss a change made while they loaded, for good.
        seen = fingerprint(paths()) if seen is None else seen
        self._files = Snapshot(
            self._fingerprint, self._reloaded, max_staleness=recheck_seconds, initial=(seen, 0)
        )

    @property
    def recheck_seconds(self) -> float:
        return self._files.max_staleness

    @recheck_seconds.setter
    def recheck_seconds(self, seconds: float) -> None:
        self._files.max_staleness = seconds

    def refresh(self) -> bool:
        """Rebuild if a file changed since the last look; True when it did."""
        before = self.reloads
        self._files.get()
        return self.reloads > before

    def _fingerprint(self) -> Fingerprint:
        return fingerprint(self.paths())

    def _reloaded(self) -> int:
        """Rebuild the detectors; a file that does not load is reported once (its fingerprint
        is taken as seen) and tried again when it changes."""
        try:
            self.rebuild()
        except Exception:  # keep deciding with the detectors already loaded
            log.exception("detector files changed but do not load; keeping the loaded ones")
            return self.reloads
        self.reloads += 1
        log.info("detector files changed; detectors rebuilt (reload %d)", self.reloads)
        return self.reloads
