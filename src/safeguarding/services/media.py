"""Hash the bytes of ``media`` events before they are decided, in the bounded worker pool.

The engine's own hashes (SHA-256, MD5, PDQ; vPDQ frames for video) replace any the
platform sent for the same upload; a hash it did not compute (none, for bytes it could
hash) is kept from the platform. A file the hasher refuses stops the whole batch with a
``MediaRefused`` naming the event and the reason, before anything is stored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from typing import TypeGuard

from safeguarding.detectors.media.safe_decode import HasherUnavailable, MediaRejected
from safeguarding.domain.errors import FieldError, MediaRefused, StoreBusy
from safeguarding.domain.events import Event, MediaEvent, MediaHashes, MediaKind
from safeguarding.ports.media import ImageDigest, MediaHasher, VideoDigest


class MediaHashing:
    """Adds computed hashes to the media events of a batch.

    The worker pool starts with the first upload that carries bytes, so a process that
    never sees one (a CLI command, a test) never pays for it.
    """

    def __init__(self, make_hasher: Callable[[], MediaHasher]) -> None:
        self._make_hasher = make_hasher
        self._hasher: MediaHasher | None = None
        self._lock = threading.Lock()

    @property
    def hasher(self) -> MediaHasher:
        with self._lock:
            if self._hasher is None:
                self._hasher = self._make_hasher()
            return self._hasher

    def with_hashes(self, events: Sequence[Event], skip: Collection[str] = ()) -> list[Event]:
        """The events with their uploads hashed; those in ``skip`` (already stored: a retry
        gets its stored decision back) are left as they are."""
        return [
            self._hashed(i, e) if _has_bytes(e) and e.event_id not in skip else e
            for i, e in enumerate(events)
        ]

    @staticmethod
    def uploads(events: Sequence[Event]) -> list[str]:
        """Ids of the events that carry bytes to hash."""
        return [e.event_id for e in events if _has_bytes(e)]

    def _hashed(self, index: int, event: MediaEvent) -> MediaEvent:
        data = event.content() or b""
        try:
            if event.media_kind is MediaKind.VIDEO:
                found = _video_hashes(self.hasher.hash_video(data))
            else:
                found = _image_hashes(self.hasher.hash_image(data))
        except MediaRejected as exc:
            raise MediaRefused(
                str(exc.reason),
                f"event {index} ({event.event_id}): {exc.message}",
                [FieldError(("content_base64",), exc.message, index, {"reason": str(exc.reason)})],
            ) from None
        except HasherUnavailable as exc:
            raise StoreBusy(f"media hashing cannot take this upload now: {exc}") from None
        return event.model_copy(update={"hashes": _merged(event.hashes, found)})

    def close(self) -> None:
        with self._lock:
            if self._hasher is not None:
                self._hasher.close()


def _has_bytes(event: Event) -> TypeGuard[MediaEvent]:
    return isinstance(event, MediaEvent) and event.content_base64 is not None


def _image_hashes(found: ImageDigest) -> dict[str, object]:
    digests: dict[str, object] = {"sha256": found.sha256, "md5": found.md5, "pdq": found.pdq}
    if found.frame_pdqs:  # an animation: every frame is matched, as a video's are
        digests["vpdq"] = (found.pdq, *found.frame_pdqs)
    return digests


def _video_hashes(found: VideoDigest) -> dict[str, object]:
    return {"sha256": found.sha256, "md5": found.md5, "vpdq": tuple(f.pdq for f in found.frames)}


def _merged(given: MediaHashes | None, computed: dict[str, object]) -> MediaHashes:
    base = given.model_dump(exclude_none=True) if given else {}
    return MediaHashes.model_validate({**base, **computed})
