"""How much a message *means* a grooming stage, whatever its words: static sentence embeddings.

The lexicon in ``grooming_cues`` counts the phrases a stage is usually written with; a writer
who words it differently ("this stays between the two of us", "your mum wouldn't get it")
slips past it. Here each message is embedded with the static word-piece vectors the self-harm
model ships (distilled from all-MiniLM-L6-v2 with model2vec; loaded through
``self_harm_model.load_embeddings``, not copied) and compared, by cosine, with a few short
anchor sentences per stage. A stage's likeness is the best anchor's cosine above ``FLOOR``,
rescaled to [0, 1]: ordinary chat scores 0, so more ordinary messages add nothing.

The anchors describe the stages in general terms (published typologies); they were not
taken from any development set. No fitting happens here, so every fold of a
leave-one-author-out evaluation sees the same semantic features.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from safeguarding.detectors.text.self_harm_model import MODEL_DIR, WordPieces, load_embeddings

FLOOR = 0.65  # about the 90th centile of a benign message's best cosine (project train set)
ANCHORS: dict[str, tuple[str, ...]] = {
    "flattery": (
        "you are so mature for your age",
        "you are more grown up than the others, you are special to me",
        "you are my favourite, the others are not like you",
    ),
    "secrecy": (
        "keep this between us and do not tell your parents",
        "this is our little secret, nobody else needs to know",
        "delete our messages so your mum does not see them",
    ),
    "isolation": (
        "your parents do not understand you like i do",
        "you do not need your friends, you only need me",
        "nobody else cares about you the way i do",
    ),
    "supervision": (
        "do your parents check your phone",
        "are you home alone tonight, when do your parents go to bed",
        "is anyone else in your room with you right now",
    ),
    "photo": (
        "send me a picture of yourself",
        "can we video call, just you and me",
        "show me what you are wearing today",
    ),
    "app_move": (
        "add me on another app where it is more private",
        "give me your phone number so we can talk privately",
        "message me on a private account instead",
    ),
    "meeting": (
        "let us meet up somewhere on our own, just the two of us",
        "i can pick you up and drive you, do not bring anyone",
        "come round to my place when nobody is around",
    ),
    "gifts": (
        "i will buy you whatever you want if you do this for me",
        "i sent you money, now you owe me",
        "i can give you free game currency and a new phone",
    ),
    "pressure": (
        "after everything i have done for you, you owe me",
        "if you do not do it i will tell everyone and share your pictures",
        "you are making me upset, i thought you cared about me",
    ),
}
SEMANTIC_STAGES = tuple(ANCHORS)
PER_STAGE = 3  # anchors per stage (the same for each, so the best is one reshape away)


class SemanticReader:
    """Words of one message to its likeness to each stage in ``SEMANTIC_STAGES``."""

    def __init__(self, pieces: WordPieces, vectors: np.ndarray) -> None:
        if any(len(a) != PER_STAGE for a in ANCHORS.values()):
            raise ValueError(f"every stage needs {PER_STAGE} anchors")
        self.pieces = pieces
        self.vectors = vectors
        rows = [self.embed(s.split()) for stage in SEMANTIC_STAGES for s in ANCHORS[stage]]
        self._anchors = np.stack(rows).T.astype(np.float32)  # (width, stages * PER_STAGE)

    def embed(self, words: Sequence[str]) -> np.ndarray:
        """Unit-length mean of the word-piece vectors (zeros when no word is known)."""
        ids = [i for word in words for i in self.pieces.ids(word)]
        if not ids:
            return np.zeros(self.vectors.shape[1], dtype=np.float32)
        mean = self.vectors.take(ids, axis=0).mean(axis=0)
        length = float(np.linalg.norm(mean))
        return mean / length if length > 0 else mean

    def likeness(self, words: Sequence[str]) -> list[float]:
        """Per stage, the best anchor cosine above FLOOR, rescaled to [0, 1]."""
        if len(words) < 3:  # "ok", "haha", a lone emoji: too short to mean a stage
            return [0.0] * len(SEMANTIC_STAGES)
        cosines = self.embed(words) @ self._anchors
        best = cosines.reshape(len(SEMANTIC_STAGES), PER_STAGE).max(axis=1)
        scaled = np.clip((best - FLOOR) / (1.0 - FLOOR), 0.0, 1.0)
        return np.round(scaled.astype(np.float64), 3).tolist()


@lru_cache(maxsize=1)
def shared_semantic_reader() -> SemanticReader:
    """The shipped embeddings, read once per process."""
    tokens, vectors = load_embeddings(MODEL_DIR / "embeddings.npz")
    return SemanticReader(WordPieces(tokens), vectors)
