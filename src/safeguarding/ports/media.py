"""What the core needs from a media hasher: the hashes of an upload's bytes.

The engine's own hasher runs the decoders in a pool of memory-bounded worker processes
(``detectors/media/worker.py``); services see only this Protocol, so a test or another
deployment can hash in process, or elsewhere. A hasher refuses a file it will not hash with
``MediaRejected`` and says it cannot take work now with ``HasherUnavailable``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class BytesDigest(Protocol):
    """The hex digests of an upload's bytes."""

    @property
    def sha256(self) -> str: ...
    @property
    def md5(self) -> str: ...


class ImageDigest(BytesDigest, Protocol):
    """The hashes of one image the core reads: of the bytes, PDQ of the pixels, and PDQ of
    an animated image's other frames."""

    @property
    def pdq(self) -> str: ...
    @property
    def frame_pdqs(self) -> Sequence[str]: ...


class FrameDigest(Protocol):
    """The PDQ of one sampled video frame (a vPDQ feature)."""

    @property
    def pdq(self) -> str: ...


class VideoDigest(BytesDigest, Protocol):
    """The hashes of one video the core reads: of the bytes, and its frames' PDQ."""

    @property
    def frames(self) -> Sequence[FrameDigest]: ...


class MediaHasher(Protocol):
    """Hashes uploads; ``close()`` releases its workers."""

    def hash_image(self, data: bytes) -> ImageDigest: ...

    def hash_video(self, data: bytes) -> VideoDigest: ...

    def close(self) -> None: ...
