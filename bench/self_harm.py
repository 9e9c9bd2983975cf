"""Benchmark the self-harm classifier against the keyword baseline on one CPU core.

Run: ``python bench/self_harm.py [--passes 5] [--model DIR]``. The process pins itself to one
core and to one numpy thread, then classifies the development texts one at a
time (as the live path does) and prints items per second and latency
percentiles. The first pass meets every word for the first time (the model
caches per word); it is reported apart from the warm passes.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # before numpy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from timing import pin_to_one_core, timed  # noqa: E402

from safeguarding.detectors.text.keyword_baseline import KeywordBaseline  # noqa: E402
from safeguarding.detectors.text.self_harm_model import MODEL_DIR, load  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "datasets" / "self_harm"


def texts() -> list[str]:
    found = []
    for split in ("train", "test"):
        path = DATA / f"{split}.texts.jsonl"
        found += [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5, help="warm passes over the texts")
    parser.add_argument("--model", type=Path, default=MODEL_DIR, help="model directory")
    args = parser.parse_args()
    where = pin_to_one_core()
    items = texts()
    began = time.perf_counter()
    model = load(args.model)
    loaded = time.perf_counter() - began
    baseline = KeywordBaseline()
    rows = {
        "model, first pass": timed(model.classify_one, items, 1),
        "model, warm": timed(model.classify_one, items, args.passes),
        "keyword baseline": timed(baseline.classify_one, items, args.passes),
    }
    print(f"self-harm classifier, {len(items)} texts one at a time, {where}, 1 numpy thread")
    print(f"model load: {loaded * 1000:.0f} ms")
    print(f"{'':20s} {'items/s':>10s} {'p50 µs':>9s} {'p99 µs':>9s}")
    for name, row in rows.items():
        print(f"{name:20s} {row['items_per_s']:10.0f} {row['p50_us']:9.1f} {row['p99_us']:9.1f}")


if __name__ == "__main__":
    main()
