"""Hashes of uploaded media: SHA-256 and MD5 of the bytes, PDQ of images, vPDQ of video.

These are the plain in-process functions, for the CLI and tests. The ingest path runs the
same functions through :class:`~safeguarding.detectors.media.worker.ProcessPoolHasher`, in
worker processes with a memory bound and a timeout. Every function checks the file with
:mod:`~safeguarding.detectors.media.safe_decode` first, and a video's headers with
ffprobe before vPDQ decodes a frame; each refusal is a ``MediaRejected``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Final

import numpy as np
import pdqhash
import vpdq
from PIL import Image

from safeguarding.detectors.media.safe_decode import (
    MediaFormat,
    MediaLimits,
    MediaRejected,
    RejectReason,
    check_declared_type,
    check_pixels,
    decode_image,
    reject_polyglot,
    require_kind,
    sniff_format,
)
from safeguarding.domain.events import MediaKind

_HEAD_BYTES = 1024  # enough for every magic and polyglot check that reads the start
_CHUNK_BYTES = 1024 * 1024
PDQ_MAX_SIDE = 1024
MAX_IMAGE_FRAMES = 500  # frames of an animated image, each hashed (a GIF runs 10 to 200)
"""Images larger than this on either side are shrunk to fit before PDQ. On PDQ's reference
images this changes no bit of the hash (512, the C++ tool's size, changes about 8)."""


@dataclass(frozen=True, slots=True)
class ImageHashes:
    """The hashes of one image: hex digests of the bytes and PDQ of the pixels."""

    sha256: str
    md5: str
    pdq: str
    pdq_quality: int
    format: MediaFormat
    width: int
    height: int
    # An animated image's other frames (distinct PDQs): a known picture as frame 2 of an
    # animation is matched as if it were sent alone.
    frame_pdqs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VideoFrameHash:
    """One vPDQ feature: the PDQ of one sampled frame."""

    frame_index: int
    timestamp_s: float
    pdq: str
    quality: int


@dataclass(frozen=True, slots=True)
class VideoHashes:
    """The hashes of one video: hex digests of the bytes and its vPDQ frame features."""

    sha256: str
    md5: str
    format: MediaFormat
    width: int
    height: int
    duration_s: float
    frames: tuple[VideoFrameHash, ...]


DEFAULT_LIMITS = MediaLimits()
SHM = "/dev/shm"


def hash_image_bytes(
    data: bytes, limits: MediaLimits = DEFAULT_LIMITS, declared_mime: str | None = None
) -> ImageHashes:
    """Check, decode and hash one image held in memory."""
    found = _screen(data[:_HEAD_BYTES], len(data), MediaKind.IMAGE, limits, declared_mime)
    reject_polyglot(data[:_HEAD_BYTES], data, found)
    with _memory_as_rejection(found):
        decoded = decode_image(data, found, limits, fit_within=PDQ_MAX_SIDE)
        pdq, quality = pdq_of(_pdq_input(decoded.image))
        frames = _later_frames(decoded.image, pdq, found)
    sha256, md5 = _digests([data])
    return ImageHashes(sha256, md5, pdq, quality, found, decoded.width, decoded.height, frames)


def _later_frames(image: Image.Image, first: str, found: MediaFormat) -> tuple[str, ...]:
    """The PDQ of every other frame of an animated image (GIF, APNG, WebP), each distinct
    one once. Every frame is hashed, not a sample, so no frame can hide between samples;
    an animation longer than ``MAX_IMAGE_FRAMES`` is refused (it can be sent as a video)."""
    count = int(getattr(image, "n_frames", 1))
    if count > MAX_IMAGE_FRAMES:
        raise MediaRejected(
            RejectReason.TOO_LONG,
            f"the {found.label} has {count} frames; an animated image may have at most "
            f"{MAX_IMAGE_FRAMES} (send a longer one as a video)",
        )
    pdqs = []
    for index in range(1, count):
        try:
            image.seek(index)
            image.load()
        except Exception as exc:  # decoders of hostile bytes raise many types
            raise MediaRejected(
                RejectReason.CORRUPT, f"frame {index} of the {found.label} is corrupt: {exc}"
            ) from exc
        pdqs.append(pdq_of(_pdq_input(image))[0])
    return tuple(p for p in dict.fromkeys(pdqs) if p != first)


def hash_video_bytes(
    data: bytes, limits: MediaLimits = DEFAULT_LIMITS, declared_mime: str | None = None
) -> VideoHashes:
    """Check and hash one video held in memory (it is written to a private temp file)."""
    with tempfile.TemporaryDirectory(prefix="safeguarding-video-", dir=memory_dir()) as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        return hash_video_file(path, limits, declared_mime)


def memory_dir() -> str | None:
    """A RAM-backed folder for a video on its way to the decoder (``/dev/shm`` where there is
    one), so an upload is never written to persistent disk in the clear; else the default."""
    return SHM if os.path.isdir(SHM) and os.access(SHM, os.W_OK) else None


def hash_video_file(
    path: Path, limits: MediaLimits = DEFAULT_LIMITS, declared_mime: str | None = None
) -> VideoHashes:
    """Check and hash one video file: probe its headers, then sample frames for vPDQ."""
    with path.open("rb") as source:
        head = source.read(_HEAD_BYTES)
    found = _screen(head, path.stat().st_size, MediaKind.VIDEO, limits, declared_mime)
    reject_polyglot(head, path, found)
    info = probe_video(path, found, limits)
    with _memory_as_rejection(found):
        frames = _vpdq_frames(path, limits.video_seconds_per_hash)
    sha256, md5 = _digests(_chunks(path))
    return VideoHashes(sha256, md5, found, info.width, info.height, info.duration_s, frames)


def hash_media_bytes(
    data: bytes, limits: MediaLimits = DEFAULT_LIMITS, declared_mime: str | None = None
) -> ImageHashes | VideoHashes:
    """Hash an image or a video, whichever its magic bytes say it is."""
    found = sniff_format(data[:_HEAD_BYTES], len(data), limits)
    if found.kind is MediaKind.VIDEO:
        return hash_video_bytes(data, limits, declared_mime)
    return hash_image_bytes(data, limits, declared_mime)


def pdq_of(image: Image.Image) -> tuple[str, int]:
    """PDQ of a decoded image: 64 hex digits (bit 255 first, as PDQ prints it) and quality."""
    bits, quality = pdqhash.compute(np.asarray(image.convert("RGB"), dtype=np.uint8))
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex(), int(quality)


def pdq_distance(first: str, second: str) -> int:
    """Hamming distance between two PDQ hashes in hex (0 to 256)."""
    return (int(first, 16) ^ int(second, 16)).bit_count()


def _pdq_input(image: Image.Image) -> Image.Image:
    # No EXIF rotation: PDQ's reference tools hash the stored pixels, and so must we for
    # hashes to match across tools. Alpha is dropped, not blended, as the reference does.
    if image.mode in ("P", "PA"):
        image.info.pop("transparency", None)  # dropped anyway; Pillow would warn about it
        if max(image.size) > 2 * PDQ_MAX_SIDE:
            # Palettes only resize nearest-neighbour; doing it before the RGB conversion
            # keeps a 50-megapixel GIF in bounds and moves the hash by no more than RGB-first.
            image = image.resize(_fit(image.size, 2 * PDQ_MAX_SIDE), Image.Resampling.NEAREST)
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGB")  # CMYK, YCbCr, 1, I;16, F …
    if max(image.size) <= PDQ_MAX_SIDE:
        return image.convert("RGB")
    size = _fit(image.size, PDQ_MAX_SIDE)
    if image.mode in ("RGB", "L"):
        return _shrink(image, size).convert("RGB")
    # Pillow resizes RGBA through a premultiplied full-size copy: alpha would leak into the
    # colours and a 50-megapixel image would need twice its memory. Shrink each colour
    # channel alone instead.
    channels = [_shrink(image.getchannel(band), size) for band in image.getbands()[:-1]]
    return Image.merge("RGB", channels) if len(channels) == 3 else channels[0].convert("RGB")


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    # Squash rather than keep the aspect ratio: PDQ squashes to 64x64 in any case, and
    # the reference tool squashes to 512x512.
    return (min(size[0], side), min(size[1], side))


def _shrink(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def _screen(
    head: bytes, size: int, kind: MediaKind, limits: MediaLimits, declared_mime: str | None
) -> MediaFormat:
    found = sniff_format(head, size, limits)
    require_kind(found, kind)
    check_declared_type(found, declared_mime)
    return found


@contextmanager
def _memory_as_rejection(found: MediaFormat) -> Iterator[None]:
    # Under the worker's address-space bound an oversized decode fails with MemoryError;
    # that is the file's fault, so it becomes a rejection rather than a crash.
    try:
        yield
    except MemoryError:
        raise MediaRejected(
            RejectReason.TOO_LARGE,
            f"decoding the {found.label} {found.kind} needs more memory than the bound allows",
        ) from None


def _vpdq_frames(path: Path, seconds_per_hash: float) -> tuple[VideoFrameHash, ...]:
    # One hashing thread: the worker pool is the parallelism, and the memory bound is per
    # process. vpdq raises ValueError or RuntimeError when libav cannot decode the stream.
    try:
        features = vpdq.computeHash(str(path), seconds_per_hash=seconds_per_hash, thread_count=1)
    except (ValueError, RuntimeError) as exc:
        raise MediaRejected(RejectReason.CORRUPT, f"the video cannot be decoded: {exc}") from exc
    if not features:
        raise MediaRejected(RejectReason.CORRUPT, "no frame of the video could be decoded")
    return tuple(
        VideoFrameHash(int(f.frame_number), float(f.timestamp), str(f.hex), int(f.quality))
        for f in features
    )


def _digests(chunks: Iterator[bytes] | list[bytes]) -> tuple[str, str]:
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    for chunk in chunks:
        sha256.update(chunk)
        md5.update(chunk)
    return sha256.hexdigest(), md5.hexdigest()


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK_BYTES):
            yield chunk


# --- video headers ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What ffprobe reports about a video's first video stream."""

    codec: str
    width: int
    height: int
    duration_s: float
    frames: int


def probe_video(path: Path, found: MediaFormat, limits: MediaLimits) -> VideoInfo:
    """Read a video's container and stream headers and refuse what breaks a limit."""
    report = _ffprobe(path, limits.probe_timeout_s)
    _check_container(report, found)
    info = _video_info(report)
    if info.codec not in limits.allowed_video_codecs:
        allowed = ", ".join(sorted(limits.allowed_video_codecs))
        raise MediaRejected(
            RejectReason.UNSUPPORTED_FORMAT,
            f"the video codec {info.codec} is not allowed; allowed: {allowed}",
        )
    check_pixels(info.width, info.height, limits.max_video_pixels, "video")
    _check_length(info, limits)
    return info


_FFMPEG_PREFIX: Final = re.compile(r"^\[[^\]]*\]\s*")  # "[mov,mp4,… @ 0x55…] "


def _ffprobe(path: Path, timeout_s: float) -> dict[str, object]:
    # -count_packets demuxes the whole file, so the frame count is what is there, not what
    # a header claims.
    command = [
        "ffprobe", "-v", "error", "-count_packets", "-of", "json",
        "-show_entries",
        "format=format_name,duration:stream=codec_type,codec_name,width,height,duration,"
        "nb_read_packets",
        str(path),
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaRejected(
            RejectReason.TIMEOUT, f"reading the video's headers took over {timeout_s:g} s"
        ) from exc
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no reason given"]
        raise MediaRejected(
            RejectReason.CORRUPT, f"the video cannot be read: {_FFMPEG_PREFIX.sub('', lines[0])}"
        )
    report: dict[str, object] = json.loads(done.stdout)
    return report


def _check_container(report: dict[str, object], found: MediaFormat) -> None:
    format_name = str(_mapping(report.get("format")).get("format_name", ""))
    expected = "webm" if found is MediaFormat.WEBM else "mp4"
    if expected not in format_name.split(","):
        raise MediaRejected(
            RejectReason.TYPE_MISMATCH,
            f"the magic bytes say {found.label}, but the container reads as {format_name!r}",
        )


def _video_info(report: dict[str, object]) -> VideoInfo:
    streams = report.get("streams")
    videos = [
        _mapping(s) for s in (streams if isinstance(streams, list) else [])
        if _mapping(s).get("codec_type") == "video"
    ]  # fmt: skip
    if not videos:
        raise MediaRejected(RejectReason.CORRUPT, "the file has no video stream")
    video, container = videos[0], _mapping(report.get("format"))
    return VideoInfo(
        codec=str(video.get("codec_name", "unknown")),
        width=int(_number(video.get("width"))),
        height=int(_number(video.get("height"))),
        # The longer of the two claims: either can be what a decoder ends up honouring.
        duration_s=max(_number(video.get("duration")), _number(container.get("duration"))),
        frames=int(_number(video.get("nb_read_packets"))),
    )


def _check_length(info: VideoInfo, limits: MediaLimits) -> None:
    if info.duration_s > limits.max_video_seconds:
        raise MediaRejected(
            RejectReason.TOO_LONG,
            f"the video lasts {info.duration_s:,.0f} s; "
            f"the limit is {limits.max_video_seconds:g} s",
        )
    if info.frames > limits.max_video_frames:
        raise MediaRejected(
            RejectReason.TOO_LONG,
            f"the video has {info.frames:,} frames; the limit is {limits.max_video_frames:,}",
        )


def _mapping(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _number(value: object) -> float:
    try:
        return float(Fraction(str(value))) if value not in (None, "N/A") else 0.0
    except (ValueError, ZeroDivisionError):
        return 0.0
