"""``OncePerProcess``: the shipped models and the encoder are read at most once per process."""

from __future__ import annotations

import threading
import time

import pytest

from safeguarding.detectors.text.once import OncePerProcess


def test_the_factory_runs_once_however_many_threads_ask_at_once() -> None:
    calls: list[int] = []

    def slow() -> object:
        calls.append(1)
        time.sleep(0.05)  # long enough for every thread to arrive while it is being read
        return object()

    once = OncePerProcess(slow)
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(once.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(seen) == 8
    assert all(value is seen[0] for value in seen)


def test_forget_reads_afresh_at_next_use() -> None:
    once = OncePerProcess(object)
    first = once.get()
    assert once.get() is first
    once.forget()
    second = once.get()
    assert second is not first
    assert once.get() is second


def test_a_factory_that_raises_stores_nothing_and_is_tried_again() -> None:
    attempts: list[int] = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("model file missing")
        return "loaded"

    once = OncePerProcess(flaky)
    with pytest.raises(OSError, match="model file missing"):
        once.get()
    assert once.get() == "loaded"
    assert once.get() == "loaded"
    assert len(attempts) == 2
