"""Media hashing depends on the ``MediaHasher`` port, not on the process pool (issue #19): any
hasher with the Protocol's shape hashes uploads for ingest, and is closed with the service."""

from __future__ import annotations

from safeguarding.detectors.media.hashing import ImageHashes, hash_image_bytes
from safeguarding.domain.events import MediaEvent
from safeguarding.ports.media import MediaHasher
from safeguarding.services.media import MediaHashing
from tests.factories import benign_png, event, media


class InProcessHasher:
    """Hashes in the caller's process: what a test or a small deployment might plug in."""

    def __init__(self) -> None:
        self.closed = False

    def hash_image(self, data: bytes) -> ImageHashes:
        return hash_image_bytes(data)

    def hash_video(self, data: bytes) -> ImageHashes:
        raise AssertionError("no video here")

    def close(self) -> None:
        self.closed = True


def test_any_hasher_of_the_port_hashes_uploads() -> None:
    hasher = InProcessHasher()
    made: MediaHasher = hasher
    service = MediaHashing(lambda: made)
    data = benign_png("port")
    (hashed,) = service.with_hashes([event(media(data=data))])
    assert isinstance(hashed, MediaEvent)
    assert hashed.hashes is not None
    expected = hash_image_bytes(data)
    assert (hashed.hashes.sha256, hashed.hashes.md5, hashed.hashes.pdq) == (
        expected.sha256,
        expected.md5,
        expected.pdq,
    )
    service.close()
    assert hasher.closed
