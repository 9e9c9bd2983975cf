"""Keyed digests: a stored one matches exactly the data it was made from, under the key it
names, whatever keys were added to the ring since; and it is not the plain SHA-256."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeguarding.adapters.storage.crypto import (
    EVENT_FINGERPRINT,
    EVIDENCE_TEXT,
    ContentCipher,
    KeyRingError,
)

OLD, NEW = b"o" * 32, b"n" * 32


@given(data=st.binary(max_size=200), other=st.binary(max_size=200))
def test_a_digest_made_before_a_rotation_still_matches_its_data_only(
    data: bytes, other: bytes
) -> None:
    stored = ContentCipher({"old": OLD}, "old").keyed_digest(data, EVENT_FINGERPRINT)
    rotated = ContentCipher({"new": NEW, "old": OLD}, "new")
    assert rotated.digest_matches(stored, data, EVENT_FINGERPRINT)
    assert rotated.digest_matches(stored, other, EVENT_FINGERPRINT) is (other == data)
    assert not rotated.digest_matches(stored, data, EVIDENCE_TEXT)  # one key per purpose
    assert rotated.keyed_digest(data, EVENT_FINGERPRINT).startswith("new:")
    assert hashlib.sha256(data).hexdigest() not in stored


def test_a_digest_whose_key_left_the_ring_says_which_key_it_needs() -> None:
    stored = ContentCipher({"old": OLD}, "old").keyed_digest(b"x", EVENT_FINGERPRINT)
    with pytest.raises(KeyRingError, match="'old'"):
        ContentCipher({"new": NEW}, "new").digest_matches(stored, b"x", EVENT_FINGERPRINT)
