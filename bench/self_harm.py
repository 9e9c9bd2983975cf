"""Benchmark the self-harm classifier against the keyword baseline on one CPU core.

Run: ``python bench/self_harm.py [--passes 5] [--model DIR]``. The process pins itself to one
core and to one numpy thread, then classifies the development texts one at a
time (as the live path does) and prints items per second and latency
percentiles. The first pass meets every word for the first time (the model
caches per word); it is reported apart from the warm passes.

Where the model has a second stage, it also prints, for the development texts
and for everyday chat (every message of the grooming set's conversations), the
share of texts that reach the second stage, the speed of each stage, and of
both together as the live path runs them.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # before numpy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

from timing import pin_to_one_core, timed  # noqa: E402

from safeguarding.detectors.text.keyword_baseline import KeywordBaseline  # noqa: E402
from safeguarding.detectors.text.self_harm_model import (  # noqa: E402
    MODEL_DIR,
    SelfHarmModel,
    load,
)

DATA = Path(__file__).resolve().parents[1] / "datasets" / "self_harm"


def texts() -> list[str]:
    found = []
    for split in ("train", "test"):
        path = DATA / f"{split}.texts.jsonl"
        found += [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    return found


def chat() -> list[str]:
    """Every message of the grooming set's conversations: everyday chat, no self-harm."""
    lines = []
    for path in sorted((DATA.parent / "grooming").glob("*.conversations.jsonl")):
        for row in map(json.loads, path.open(encoding="utf-8")):
            lines += [m["text"] for m in row["messages"] if m.get("text")]
    return lines


def stages(model: SelfHarmModel, name: str, items: list[str], passes: int) -> None:
    """Share reaching the second stage, and each stage's speed and both together, on ``items``."""
    second = model.second
    if second is None:
        return
    first_only = partial(model.classify_one, threshold=model.threshold)
    band = [t for t in items if second.in_band(model.action_score(model.read(t)))]
    second.mix(model.probabilities(model.read(items[0])), items[0])  # load the encoder
    rows = {
        "first stage": timed(first_only, items, passes),
        "second stage": timed(lambda t: second.mix(model.probabilities(model.read(t)), t), band, 1)
        if band
        else None,
        "both stages": timed(model.classify_one, items, passes),
    }
    print(
        f"\n{name}: {len(items)} texts, {len(band)} ({len(band) / len(items):.2%}) reach the "
        "second stage"
    )
    for label, row in rows.items():
        if row:
            print(
                f"{label:20s} {row['items_per_s']:10.0f} {row['p50_us']:9.1f} {row['p99_us']:9.1f}"
            )


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
    first_only = partial(model.classify_one, threshold=model.threshold)
    rows = {
        "model, first pass": timed(first_only, items, 1),
        "model, warm": timed(first_only, items, args.passes),
        "keyword baseline": timed(baseline.classify_one, items, args.passes),
    }
    print(f"self-harm classifier, {len(items)} texts one at a time, {where}, 1 numpy thread")
    print("(model rows: the first stage alone)")
    print(f"model load: {loaded * 1000:.0f} ms")
    print(f"{'':20s} {'items/s':>10s} {'p50 µs':>9s} {'p99 µs':>9s}")
    for name, row in rows.items():
        print(f"{name:20s} {row['items_per_s']:10.0f} {row['p50_us']:9.1f} {row['p99_us']:9.1f}")
    stages(model, "development texts", items, args.passes)
    stages(model, "everyday chat", chat(), args.passes)


if __name__ == "__main__":
    main()
