"""Timing helpers shared by the one-core detector benchmarks."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

import numpy as np


def timed(classify: Callable[[str], object], items: Sequence[str], passes: int) -> dict[str, float]:
    """Items per second over all passes, and latency percentiles in microseconds."""
    latencies = []
    started = time.perf_counter()
    for _ in range(passes):
        for item in items:
            begun = time.perf_counter()
            classify(item)
            latencies.append(time.perf_counter() - begun)
    elapsed = time.perf_counter() - started
    micros = np.array(latencies) * 1e6
    return {
        "items_per_s": len(latencies) / elapsed,
        "p50_us": float(np.percentile(micros, 50)),
        "p99_us": float(np.percentile(micros, 99)),
    }


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"core {core}"
    return "unpinned (no sched_setaffinity here)"
