"""The stream's message format keeps the fingerprint sealed, like the event it goes with."""

from __future__ import annotations

from safeguarding.adapters.storage.crypto import ContentCipher, parse_key_ring
from safeguarding.adapters.stream.jetstream import HEADER_FINGERPRINT, Codec
from safeguarding.domain.events import event_fingerprint
from safeguarding.ports.stream import Prepared
from tests.conftest import TEST_KEY
from tests.factories import event, message


def test_a_message_carries_no_bare_fingerprint_and_opens_to_the_same_one() -> None:
    codec = Codec(ContentCipher(*parse_key_ring(TEST_KEY)))
    sent = event(message(text="are you home alone this weekend?"))
    fingerprint = event_fingerprint(sent)
    data, headers = codec.encode(Prepared(sent, fingerprint), "test", None)
    assert fingerprint not in headers[HEADER_FINGERPRINT]
    assert fingerprint.encode() not in data
    opened, _ = codec.decode(data, headers)
    assert opened == Prepared(sent, fingerprint)
    # A message queued by an older process, with the bare digest, is still read.
    legacy, _ = codec.decode(data, headers | {HEADER_FINGERPRINT: fingerprint})
    assert legacy.fingerprint == fingerprint
