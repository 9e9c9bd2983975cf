"""The shipped contextual sentence encoder: unit vectors, order kept, meaning read."""

from __future__ import annotations

import numpy as np
import pytest

from safeguarding.detectors.text.contextual import DIMENSIONS, ContextualEncoder, shared_encoder


@pytest.fixture(scope="module")
def encoder() -> ContextualEncoder:
    return shared_encoder()


def test_each_text_gets_one_unit_length_row(encoder: ContextualEncoder) -> None:
    vectors = encoder.encode(["hi", "see you at practice tomorrow after school", ""])
    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def test_no_texts_give_no_rows(encoder: ContextualEncoder) -> None:
    assert encoder.encode([]).shape == (0, DIMENSIONS)


def test_rows_come_back_in_the_order_given_whatever_the_batching(
    encoder: ContextualEncoder,
) -> None:
    texts = ["a much longer sentence about the weekend match and the bus home", "ok", "lunch?"]
    together = encoder.encode(texts, batch=2)
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    assert np.all(np.sum(together * alone, axis=1) > 0.95)


def test_sentences_that_mean_the_same_are_closer_than_unrelated_ones(
    encoder: ContextualEncoder,
) -> None:
    a, b, c = encoder.encode(
        ["the bus was late this morning", "my bus came late today", "i love this song so much"]
    )
    assert float(a @ b) > float(a @ c) + 0.2


def test_the_shared_encoder_is_read_once() -> None:
    assert shared_encoder() is shared_encoder()
