"""The login throttle counts wrong keys, not a database that could not answer: an outage must
not lock every platform out once the database returns."""

from __future__ import annotations

import pytest

from safeguarding.domain.errors import StoreUnavailable, TooManyAttempts
from safeguarding.services.login_throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_tries_the_store_could_not_answer_count_for_nothing() -> None:
    throttle = LoginThrottle(max_failures=2, monotonic=Clock())
    for _ in range(20):
        with pytest.raises(StoreUnavailable), throttle.attempt(["key:abc"]):
            raise StoreUnavailable("the database cannot be reached")
    with throttle.attempt(["key:abc"]) as outcome:
        outcome(True)


def test_wrong_keys_still_count() -> None:
    throttle = LoginThrottle(max_failures=2, monotonic=Clock())
    for _ in range(2):
        with throttle.attempt(["key:abc"]):
            pass  # not valid
    with pytest.raises(TooManyAttempts), throttle.attempt(["key:abc"]):
        pass
