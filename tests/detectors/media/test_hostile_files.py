"""Hostile uploads: each gets a typed rejection with a reason code, and nothing crashes.

The files are built here from benign pictures: truncated, corrupted, wrapped around a
ZIP, or given a header that claims absurd dimensions or length. No pixel of a "bomb" is
ever allocated, here or in the hasher.
"""

from __future__ import annotations

import io
import os
import signal
import struct
import zipfile
from collections.abc import Callable, Iterator

import pytest

from safeguarding.detectors.media.hashing import (
    ImageHashes,
    hash_image_bytes,
    hash_media_bytes,
    hash_video_bytes,
)
from safeguarding.detectors.media.safe_decode import (
    MIB,
    MediaLimits,
    MediaRejected,
    RejectReason,
)
from safeguarding.detectors.media.worker import HashTasks, ProcessPoolHasher
from tests.detectors.media.fixtures.media import (
    FFMPEG,
    REFERENCE_DIR,
    blank_png,
    encode,
    lossless,
    png_bomb,
    png_chunk,
    scene,
    video,
)

Reason = RejectReason


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "a second file hidden in the first")
    return out.getvalue()


def _png() -> bytes:
    return lossless(scene(5, (160, 120)))


def _jpeg() -> bytes:
    return encode(scene(5, (160, 120)), "JPEG", quality=85)


def _gif() -> bytes:
    return encode(scene(5, (160, 120)).convert("P"), "GIF")


def _webp() -> bytes:
    return encode(scene(5, (160, 120)), "WEBP", lossless=True)


def _bmp() -> bytes:
    return encode(scene(5, (160, 120)), "BMP")


def _half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(_jpeg())
    frame = data.index(b"\xff\xc0")  # baseline start-of-frame: length, precision, h, w
    struct.pack_into(">HH", data, frame + 5, height, width)
    return bytes(data)


def _gif_claiming(width: int, height: int) -> bytes:
    data = _gif()
    return data[:6] + struct.pack("<HH", width, height) + data[10:]


def _bmp_claiming(width: int, height: int) -> bytes:
    data = _bmp()
    return data[:18] + struct.pack("<ii", width, height) + data[26:]


def _webp_claiming_16384_square() -> bytes:
    data = bytearray(_webp())
    header = data.index(b"VP8L") + 9  # after the chunk size and the 0x2f signature
    bits = struct.unpack_from("<I", data, header)[0]
    struct.pack_into("<I", data, header, bits | (1 << 28) - 1)  # width-1, height-1: 14 bits each
    return bytes(data)


def _png_with_script() -> bytes:
    data = _png()
    text = png_chunk(b"tEXt", b"Comment\x00<script>alert(1)</script>")
    return data[:33] + text + data[33:]  # right after the 33-byte signature and IHDR


IMAGE_CASES: dict[str, tuple[Callable[[], bytes], RejectReason, str]] = {
    "zero bytes": (lambda: b"", Reason.EMPTY, "the file is empty (0 bytes)"),
    "PDF": (lambda: b"%PDF-1.7\n1 0 obj\n", Reason.UNSUPPORTED_FORMAT, "not an allowed format"),
    "TIFF": (lambda: encode(scene(5), "TIFF"), Reason.UNSUPPORTED_FORMAT, "b'II*\\x00"),
    "SVG": (lambda: b"<svg xmlns='http://www.w3.org/2000/svg'/>", Reason.UNSUPPORTED_FORMAT, ""),
    "ELF program": (lambda: b"\x7fELF\x02\x01\x01" + bytes(64), Reason.UNSUPPORTED_FORMAT, ""),
    "HEIC": (
        lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
        Reason.UNSUPPORTED_FORMAT,
        "brand 'heic'",
    ),
    "PNG bomb 100000x100000": (
        lambda: png_bomb(100_000, 100_000),
        Reason.TOO_MANY_PIXELS,
        "the image is 100000x100000 pixels; the limit is 50 megapixels",
    ),
    "JPEG claiming 60000x60000": (
        lambda: _jpeg_claiming(60_000, 60_000),
        Reason.TOO_MANY_PIXELS,
        "60000x60000 pixels",
    ),
    "GIF claiming 65535x65535": (
        lambda: _gif_claiming(65_535, 65_535),
        Reason.TOO_MANY_PIXELS,
        "65535x65535 pixels",
    ),
    "BMP claiming 100000x100000": (
        lambda: _bmp_claiming(100_000, 100_000),
        Reason.TOO_MANY_PIXELS,
        "100000x100000 pixels",
    ),
    "WebP claiming 16384x16384": (
        _webp_claiming_16384_square,
        Reason.TOO_MANY_PIXELS,
        "268,435,456 pixels; the limit is 50 megapixels",
    ),
    "truncated PNG": (lambda: _half(_png()), Reason.CORRUPT, "no IEND chunk"),
    "truncated JPEG": (lambda: _half(_jpeg()), Reason.CORRUPT, "truncated"),
    "truncated GIF": (lambda: _half(_gif()), Reason.CORRUPT, "truncated"),
    "truncated BMP": (lambda: _half(_bmp()), Reason.CORRUPT, "truncated"),
    "truncated WebP": (lambda: _half(_webp()), Reason.CORRUPT, "WebP"),
    "JPEG magic, zeros after": (lambda: _jpeg()[:3] + bytes(500), Reason.CORRUPT, "JPEG"),
    "PNG magic, JPEG after": (lambda: _png()[:8] + _jpeg(), Reason.CORRUPT, "PNG"),
    "PNG then ZIP": (lambda: _png() + _zip(), Reason.POLYGLOT, "also contains a ZIP archive"),
    "JPEG then ZIP": (lambda: _jpeg() + _zip(), Reason.POLYGLOT, "also contains a ZIP archive"),
    "GIF then ZIP": (lambda: _gif() + _zip(), Reason.POLYGLOT, "also contains a ZIP archive"),
    "PNG then junk": (lambda: _png() + b"MZ\x90\x00", Reason.POLYGLOT, "4 bytes follow the end"),
    "WebP then junk": (lambda: _webp() + b"junk", Reason.POLYGLOT, "follow the end of the WebP"),
    "GIF with a PDF header": (
        lambda: encode(scene(5).convert("P"), "GIF", comment=b"%PDF-1.4 1 0 obj"),
        Reason.POLYGLOT,
        "also contains a PDF document",
    ),
    "PNG with a script tag": (_png_with_script, Reason.POLYGLOT, "HTML or script markup"),
}


@pytest.mark.parametrize("name", IMAGE_CASES)
def test_a_hostile_image_is_rejected_with_a_reason(name: str) -> None:
    make, reason, message = IMAGE_CASES[name]

    with pytest.raises(MediaRejected) as caught:
        hash_image_bytes(make())

    assert caught.value.reason is reason
    assert message in caught.value.message
    assert str(caught.value) == caught.value.message


def test_an_image_over_the_byte_limit_is_rejected_before_decoding() -> None:
    with pytest.raises(MediaRejected, match=r"the image is 0\.\d MiB; the limit is 0\.0") as caught:
        hash_image_bytes(_png(), MediaLimits(max_image_bytes=1000))

    assert caught.value.reason is Reason.TOO_LARGE


def test_a_declared_type_must_match_the_magic_bytes() -> None:
    with pytest.raises(MediaRejected, match="declared image/png, but the bytes are JPEG") as caught:
        hash_image_bytes(_jpeg(), declared_mime="image/png")

    assert caught.value.reason is Reason.TYPE_MISMATCH
    assert hash_image_bytes(_jpeg(), declared_mime="image/jpeg; q=1").format == "jpeg"


def test_jpeg_padding_after_the_end_marker_is_tolerated() -> None:
    # Phones and editors append their own records after JPEG's end marker; refusing them
    # would refuse ordinary photos. A ZIP there is still caught (see the matrix above).
    assert hash_image_bytes(_jpeg() + b"\x00" * 64).pdq == hash_image_bytes(_jpeg()).pdq


# --- video ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    if FFMPEG is None:
        pytest.skip("needs ffmpeg: run scripts/install-system-deps.sh")
    return video(tmp_path_factory.mktemp("hostile"), "mp4")


@pytest.fixture(scope="module")
def webm(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    if FFMPEG is None:
        pytest.skip("needs ffmpeg: run scripts/install-system-deps.sh")
    return video(tmp_path_factory.mktemp("hostile"), "webm")


def _with_absurd_duration(mp4: bytes) -> bytes:
    data = bytearray(mp4)
    header = data.index(b"mvhd") + 4 + 4 + 8  # version/flags, creation and change times
    struct.pack_into(">II", data, header, 1, 0x7FFFFFFF)  # timescale 1/s, 68 years long
    return bytes(data)


VIDEO_CASES: dict[str, tuple[Callable[[bytes, bytes], bytes], MediaLimits, Reason, str]] = {
    "zero bytes": (lambda mp4, webm: b"", MediaLimits(), Reason.EMPTY, "empty"),
    "truncated MP4": (
        lambda mp4, webm: _half(mp4),
        MediaLimits(),
        Reason.CORRUPT,
        "the video cannot be read: moov atom not found",
    ),
    "MP4 then ZIP": (
        lambda mp4, webm: mp4 + _zip(),
        MediaLimits(),
        Reason.POLYGLOT,
        "the MP4 file also contains a ZIP archive",
    ),
    "header claiming 68 years": (
        lambda mp4, webm: _with_absurd_duration(mp4),
        MediaLimits(),
        Reason.TOO_LONG,
        "the video lasts 2,147,483,647 s; the limit is 600 s",
    ),
    "more frames than the cap": (
        lambda mp4, webm: mp4,
        MediaLimits(max_video_frames=5),
        Reason.TOO_LONG,
        "the video has 20 frames; the limit is 5",
    ),
    "more pixels than the cap": (
        lambda mp4, webm: mp4,
        MediaLimits(max_video_pixels=64 * 47),
        Reason.TOO_MANY_PIXELS,
        "the video is 64x48 pixels",
    ),
    "codec outside the allowlist": (
        lambda mp4, webm: webm,
        MediaLimits(allowed_video_codecs=frozenset({"h264"})),
        Reason.UNSUPPORTED_FORMAT,
        "the video codec vp9 is not allowed; allowed: h264",
    ),
    "Matroska that is not WebM": (
        lambda mp4, webm: webm.replace(b"webm", b"mkv\x00", 1),
        MediaLimits(),
        Reason.UNSUPPORTED_FORMAT,
        "Matroska",
    ),
    "WebM magic, MP4 after": (
        lambda mp4, webm: webm[:40] + mp4,
        MediaLimits(),
        Reason.CORRUPT,
        "the video cannot be read",
    ),
    "over the byte limit": (
        lambda mp4, webm: mp4,
        MediaLimits(max_video_bytes=100),
        Reason.TOO_LARGE,
        "the limit is",
    ),
    "an image sent as video": (
        lambda mp4, webm: _png(),
        MediaLimits(),
        Reason.TYPE_MISMATCH,
        "expected a video, but the bytes are PNG (image)",
    ),
}


@pytest.mark.parametrize("name", VIDEO_CASES)
def test_a_hostile_video_is_rejected_with_a_reason(name: str, mp4: bytes, webm: bytes) -> None:
    make, limits, reason, message = VIDEO_CASES[name]

    with pytest.raises(MediaRejected) as caught:
        hash_video_bytes(make(mp4, webm), limits)

    assert caught.value.reason is reason
    assert message in caught.value.message


def test_a_video_sent_as_an_image_is_a_type_mismatch(mp4: bytes) -> None:
    with pytest.raises(MediaRejected, match=r"expected an image, but the bytes are MP4 \(video\)"):
        hash_image_bytes(mp4)
    assert hash_media_bytes(mp4).format == "mp4"


# --- through the memory-bounded worker -------------------------------------------------------


def misbehaving_image_task(data: bytes, limits: MediaLimits, declared: str | None) -> ImageHashes:
    """Runs in the worker: a JPEG-looking command acts out a hostile decoder, else hashes."""
    command = data[3:]
    if command == b"allocate 1 GiB":
        bytearray(1024 * MIB)  # far past the bound: the worker's RLIMIT_AS must refuse it
    if command == b"die":
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel would, or a decoder's abort()
    return hash_image_bytes(data, limits, declared)


@pytest.fixture(scope="module")
def bounded() -> Iterator[ProcessPoolHasher]:
    tasks = HashTasks(image=misbehaving_image_task)
    with ProcessPoolHasher(max_workers=1, memory_limit_bytes=32 * MIB, tasks=tasks) as pool:
        yield pool


@pytest.mark.parametrize(
    "name", ["zero bytes", "PNG bomb 100000x100000", "truncated JPEG", "PNG then ZIP", "HEIC"]
)
def test_rejections_cross_from_the_worker_intact(bounded: ProcessPoolHasher, name: str) -> None:
    make, reason, message = IMAGE_CASES[name]

    with pytest.raises(MediaRejected) as caught:
        bounded.hash_image(make())

    assert (caught.value.reason, message in caught.value.message) == (reason, True)


def test_an_allocation_past_the_bound_is_refused_as_too_large(bounded: ProcessPoolHasher) -> None:
    with pytest.raises(MediaRejected, match="more than the 32 MiB memory bound") as caught:
        bounded.hash_image(b"\xff\xd8\xffallocate 1 GiB")

    assert caught.value.reason is Reason.TOO_LARGE
    assert bounded.hash_image(_jpeg()).format == "jpeg"  # the worker carries on


def test_a_decode_past_the_bound_is_refused_as_too_large(bounded: ProcessPoolHasher) -> None:
    # 49 megapixels is under the pixel limit but needs 49 MiB to decode: over this bound.
    with pytest.raises(MediaRejected, match="needs more memory than the bound") as caught:
        bounded.hash_image(blank_png(7000, 7000))

    assert caught.value.reason is Reason.TOO_LARGE


def test_a_worker_killed_mid_decode_is_a_rejection_not_a_crash(bounded: ProcessPoolHasher) -> None:
    with pytest.raises(MediaRejected, match=r"exit code -9") as caught:
        bounded.hash_image(b"\xff\xd8\xffdie")

    assert caught.value.reason is Reason.TOO_LARGE
    data = (REFERENCE_DIR / "q0746.jpg").read_bytes()
    assert bounded.hash_image(data) == hash_image_bytes(data)  # a fresh worker took over
