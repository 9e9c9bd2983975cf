"""A contextual sentence encoder: all-MiniLM-L6-v2, int8 ONNX, shipped in the repository.

``ContextualEncoder`` reads ``models/contextual/encoder.onnx`` and
``tokenizer.json`` once (``scripts/build_contextual_encoder.py`` builds them)
and turns a batch of texts into unit-length 384-dimensional vectors, the mean
of the encoder's token states over each text's tokens. It needs ``onnxruntime``
and ``tokenizers`` and nothing from the network. Each encoder runs on one
thread, so a process's cores are shared out by the caller, not inside here.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from safeguarding.detectors.text.once import OncePerProcess

__all__ = ["CONTEXTUAL_DIR", "DIMENSIONS", "ContextualEncoder", "shared_encoder"]

CONTEXTUAL_DIR = Path(__file__).parent / "models" / "contextual"
DIMENSIONS = 384
MAX_TOKENS = 128  # the length the sentence model was trained on; longer texts are cut
BATCH = 32


class ContextualEncoder:
    """Texts to mean-pooled, unit-length sentence vectors (float32, one row per text)."""

    def __init__(self, directory: Path = CONTEXTUAL_DIR, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = threads
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            str(directory / "encoder.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch: int = BATCH) -> np.ndarray:
        """One unit-length row per text, in the order given.

        Texts are batched by token count so that little padding is computed;
        the rows are put back in order afterwards.
        """
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(ids)), key=lambda at: len(ids[at]))
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            out[chunk] = self._run([ids[at] for at in chunk])
        return out

    def _run(self, rows: list[list[int]]) -> np.ndarray:
        width = max(len(r) for r in rows)
        input_ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for at, row in enumerate(rows):
            input_ids[at, : len(row)] = row
            mask[at, : len(row)] = 1
        feed = {
            "input_ids": input_ids,
            "attention_mask": mask,
            "token_type_ids": np.zeros_like(input_ids),
        }
        with self._lock:  # one session, one thread: calls queue rather than contend
            (vectors,) = self.session.run(["sentence"], feed)
        return np.asarray(vectors, dtype=np.float32)


_shared: OncePerProcess[ContextualEncoder] = OncePerProcess(ContextualEncoder)


def shared_encoder() -> ContextualEncoder:
    """The shipped encoder, read once per process."""
    return _shared.get()
