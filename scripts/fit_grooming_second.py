"""Fit the grooming model's contextual second stage (issue #16) on every development source.

The band, window, mixing weight and threshold are chosen on the sources, each read by both
stages fitted on the others, with the shipped first stage's L2 strength and thresholds
(``grooming_second_fit.Cascade.choose``); the logistic regression is then fitted on all of
them. Deterministic: the same data gives a byte-identical ``second_stage.npz``.

Measured leave one author out (``safeguarding eval grooming --by-source --second-stage``,
docs/grooming.md), the second stage did not lift the worst left-out source, so none is
shipped: this script writes to ``--out`` and never to the model folder unless told to.

Run: ``python scripts/fit_grooming_second.py --out DIR [--data DIR]``. Needs scikit-learn,
onnxruntime and tokenizers.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from safeguarding.detectors.text.grooming_model import load
from safeguarding.detectors.text.grooming_second import SecondStage, save_second_stage
from safeguarding.detectors.text.grooming_second_fit import Cascade, Thresholds, VectorCache
from safeguarding.detectors.text.grooming_sources import read_sources

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "datasets" / "grooming"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for second_stage.npz")
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the sources")
    args = parser.parse_args(argv)
    sources = read_sources(args.data)
    first = load()
    found = Thresholds(first.flag, first.high, float(first.meta["c"]))
    cascade = Cascade(sources, VectorCache())
    names = frozenset(s.name for s in sources)
    choice = cascade.choose(names, found)
    print(json.dumps(vars(choice)))
    if not choice.banded:
        print("no band does better than the first stage alone on these sources: nothing written")
        return
    weights, bias = cascade.second(names, (choice.window, choice.others))
    meta = {"sources": {s.name: len(s.conversations) for s in sources}}
    stage = SecondStage(
        weights,
        bias,
        choice.window,
        choice.low,
        choice.high,
        choice.first_weight,
        choice.threshold,
        meta,
        choice.others,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    save_second_stage(stage, args.out)
    print(f"wrote {args.out / 'second_stage.npz'}")


if __name__ == "__main__":
    main()
