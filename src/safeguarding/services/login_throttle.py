"""Failed logins, counted per client and per key id, with an exponential back-off.

Each subject (``client:<address>`` or ``key:<key id>``) may fail ``max_failures`` times;
then every try must wait, twice as long after each further failure (up to an hour). Tries
still in progress count as failures until they end, so a burst of concurrent guesses is cut
off at the limit instead of all reaching Argon2 at once. The counts live in this process's
memory: a server of N processes allows N times as many guesses, still bounded.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from safeguarding.domain.errors import StoreBusy, TooManyAttempts

MAX_BACKOFF_SECONDS = 3600.0
# A subject with no failure for this long is forgotten, so the table cannot grow for ever.
FORGET_AFTER_SECONDS = 2 * MAX_BACKOFF_SECONDS


@dataclass
class _Tries:
    failures: int = 0
    in_flight: int = 0
    wait_until: float = 0.0
    last_failure: float = 0.0


class LoginThrottle:
    """Admits a login try only while its client and key id are under their failure limits."""

    def __init__(
        self,
        max_failures: int = 5,
        backoff_seconds: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.backoff_seconds = backoff_seconds
        self.monotonic = monotonic
        self._tries: dict[str, _Tries] = {}
        self._lock = threading.Lock()

    @contextmanager
    def attempt(self, subjects: Sequence[str]) -> Iterator[Callable[[bool], None]]:
        """Admit one try for every subject, or raise TooManyAttempts; then call the yielded
        function with whether the key was valid. A try that raises counts as a failure,
        except when the store could not answer (StoreBusy): that proves nothing either way,
        and a database outage must not lock every platform out once it returns."""
        self._admit(subjects)
        outcome: dict[str, bool | None] = {"valid": False}
        try:
            yield lambda valid: outcome.update(valid=valid)
        except StoreBusy:
            outcome["valid"] = None
            raise
        finally:
            self._finish(subjects, outcome["valid"])

    def check(self, subjects: Sequence[str]) -> None:
        """Raise TooManyAttempts while any subject waits out a back-off; count nothing (for
        a try that does no Argon2 work, such as a key already verified)."""
        with self._lock:
            now = self.monotonic()
            waits = [t.wait_until - now for s in subjects if (t := self._tries.get(s))]
            longest = max(waits, default=0.0)
        if longest > 0:
            raise _too_many(longest)

    def _admit(self, subjects: Sequence[str]) -> None:
        with self._lock:
            now = self.monotonic()
            self._forget_old(now)
            waits = [self._wait(self._tries.setdefault(s, _Tries()), now) for s in subjects]
            longest = max(waits, default=0.0)
            if longest > 0:
                raise TooManyAttempts(
                    f"too many failed logins; try again in {math.ceil(longest)} s",
                    math.ceil(longest),
                )
            for subject in subjects:
                self._tries[subject].in_flight += 1

    def _wait(self, tries: _Tries, now: float) -> float:
        """Seconds this subject must wait before another try (0: it may try now)."""
        if tries.wait_until > now:
            return tries.wait_until - now
        if tries.failures + tries.in_flight >= self.max_failures and tries.in_flight > 0:
            return self.backoff_seconds  # the limit is reached by tries still running
        return 0.0

    def _finish(self, subjects: Sequence[str], valid: bool | None) -> None:
        with self._lock:
            now = self.monotonic()
            for subject in subjects:
                tries = self._tries.setdefault(subject, _Tries())
                tries.in_flight = max(0, tries.in_flight - 1)
                if valid is None:
                    continue
                if valid:
                    if subject.startswith("key:"):
                        tries.failures = 0  # the key's holder proved themselves
                    continue
                tries.failures += 1
                tries.last_failure = now
                over = tries.failures - self.max_failures
                if over >= 0:
                    backoff = min(MAX_BACKOFF_SECONDS, self.backoff_seconds * 2.0**over)
                    tries.wait_until = now + backoff

    def _forget_old(self, now: float) -> None:
        stale = [
            s
            for s, t in self._tries.items()
            if t.in_flight == 0 and now - t.last_failure > FORGET_AFTER_SECONDS
        ]
        for subject in stale:
            del self._tries[subject]


def _too_many(wait_seconds: float) -> TooManyAttempts:
    seconds = math.ceil(wait_seconds)
    return TooManyAttempts(f"too many failed logins; try again in {seconds} s", seconds)
