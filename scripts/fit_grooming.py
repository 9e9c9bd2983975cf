"""Fit the grooming-risk model shipped in detectors/text/models/grooming/model.json.

The model is fitted on every development source: the project's set (``train`` plus
``extra_train``; its ``test`` split is never read here) and each independent author's set
under ``datasets/grooming/independent/``. Its thresholds come from leave-one-source-out
scores among those sources (``grooming_fit.fit_sources`` says how). Deterministic: the same
data gives a byte-identical model.json.

Run: ``python scripts/fit_grooming.py [--out PATH] [--data DIR] [--only project,a1]``.
``safeguarding eval grooming --by-source`` prints the leave-one-author-out figures.
Fitting needs scikit-learn (the ``dev`` extra); inference needs numpy only.
"""

from __future__ import annotations

import argparse
import json
import os

# One BLAS thread each, set before numpy loads: the solver's sums then come in the same order
# on any machine, so the weights agree to the last digit written (with threads they moved in
# the sixth decimal between a quiet machine and CI).
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

from safeguarding.detectors.text.grooming_fit import (  # noqa: E402
    C_GRID,
    base_model,
    fit_sources,
    replayed,
)
from safeguarding.detectors.text.grooming_model import MODEL_PATH  # noqa: E402
from safeguarding.detectors.text.grooming_sources import read_sources  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "datasets" / "grooming"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the sources")
    parser.add_argument("--only", default="", help="comma-separated source names to fit on")
    parser.add_argument(
        "--c", type=float, nargs="*", default=C_GRID, help="inverse L2 strengths to choose from"
    )
    args = parser.parse_args(argv)
    sources = read_sources(args.data)
    if args.only:
        sources = [s for s in sources if s.name in args.only.split(",")]
    base = base_model()
    model, oof = fit_sources(base, {s.name: replayed(base, s) for s in sources}, args.c)
    summary = {
        k: (round(v, 4) if isinstance(v, float) else v)
        for k, v in vars(oof).items()
        if k != "by_category"
    }
    model.meta = {
        "out_of_source": summary,
        "c": model.meta["c"],
        "sources": {s.name: len(s.conversations) for s in sources},
    }
    print(json.dumps({"flag": model.flag, "high": model.high, "out_of_source": summary}, indent=2))
    args.out.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
