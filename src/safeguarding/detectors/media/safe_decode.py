"""Refuse hostile uploads before, and while, decoding them.

Every check names what was wrong in a :class:`MediaRejected` with a stable ``reason``
code and a one-line message; the HTTP layer maps a rejection to a 4xx. The errors::

    MediaError                   anything this package raises on purpose
     ├── MediaRejected           the file itself is refused: reason code + message (a 4xx)
     └── HasherUnavailable       the hasher cannot take the work now (a 503)
          ├── HasherBusy         every slot in its queue is taken
          └── HasherClosed       used after close()

The order of checks, cheapest first: size, magic bytes against an allowlist (never the
name), embedded second formats (polyglots), dimensions read from the header, and only then
the decode itself, which runs in a memory-bounded worker (see ``worker.py``). A video's
headers are read by ffprobe in ``hashing.py``, next to the vPDQ call they guard.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Final

from PIL import (
    BmpImagePlugin,
    GifImagePlugin,
    Image,
    ImageFile,
    JpegImagePlugin,
    PngImagePlugin,
    WebPImagePlugin,
)

from safeguarding.domain.events import MediaKind

MIB: Final = 1024 * 1024


class RejectReason(StrEnum):
    """Why a file was refused; stable codes that clients may branch on."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNSUPPORTED_FORMAT = "unsupported_format"
    TYPE_MISMATCH = "type_mismatch"
    CORRUPT = "corrupt"
    TOO_MANY_PIXELS = "too_many_pixels"
    POLYGLOT = "polyglot"
    TOO_LONG = "too_long"
    TIMEOUT = "timeout"


class MediaError(Exception):
    """Base of every error raised on purpose while hashing media."""


class MediaRejected(MediaError):
    """The upload is refused: ``reason`` is a :class:`RejectReason`, ``message`` says why."""

    def __init__(self, reason: RejectReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __reduce__(self) -> tuple[type[MediaRejected], tuple[RejectReason, str]]:
        # Rejections cross the process boundary from the worker; keep both fields.
        return (type(self), (self.reason, self.message))


class HasherUnavailable(MediaError):
    """The hasher cannot take this file now; the file itself may be fine."""


class HasherBusy(HasherUnavailable):
    """Every slot in the hasher's queue is taken."""


class HasherClosed(HasherUnavailable):
    """The hasher was closed."""


class MediaFormat(StrEnum):
    """The allowed formats, named by what their magic bytes say."""

    JPEG = "jpeg"
    PNG = "png"
    GIF = "gif"
    WEBP = "webp"
    BMP = "bmp"
    MP4 = "mp4"
    MOV = "mov"
    WEBM = "webm"

    @property
    def kind(self) -> MediaKind:
        return MediaKind.VIDEO if self in _VIDEO_FORMATS else MediaKind.IMAGE

    @property
    def mime_types(self) -> frozenset[str]:
        return _MIME_TYPES[self]

    @property
    def label(self) -> str:
        """The name people write: WebP, not WEBP."""
        return {"webp": "WebP", "webm": "WebM"}.get(self.value, self.value.upper())


_VIDEO_FORMATS: Final = frozenset({MediaFormat.MP4, MediaFormat.MOV, MediaFormat.WEBM})
# MP4 and QuickTime share one container (ISO BMFF), so either name fits either brand.
_ISO_MIMES: Final = frozenset({"video/mp4", "video/quicktime"})
_MIME_TYPES: Final = {
    MediaFormat.JPEG: frozenset({"image/jpeg", "image/jpg", "image/pjpeg"}),
    MediaFormat.PNG: frozenset({"image/png"}),
    MediaFormat.GIF: frozenset({"image/gif"}),
    MediaFormat.WEBP: frozenset({"image/webp"}),
    MediaFormat.BMP: frozenset({"image/bmp", "image/x-ms-bmp"}),
    MediaFormat.MP4: _ISO_MIMES,
    MediaFormat.MOV: _ISO_MIMES,
    MediaFormat.WEBM: frozenset({"video/webm"}),
}
_ALLOWED_NAMES: Final = "JPEG, PNG, GIF, WebP, BMP, MP4, MOV, WebM"
# ISO BMFF brands of still images (HEIF, AVIF) and audio: the container fits, the content not.
_NOT_VIDEO_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
    | {b"M4A ", b"M4B ", b"crx "}
)


@dataclass(frozen=True, slots=True)
class MediaLimits:
    """The bounds a file must stay within; each breach is a :class:`MediaRejected`."""

    max_image_bytes: int = 32 * MIB
    max_video_bytes: int = 256 * MIB
    max_image_pixels: int = 50_000_000
    max_video_pixels: int = 3840 * 2160
    max_video_seconds: float = 600.0
    max_video_frames: int = 60 * 600
    video_seconds_per_hash: float = 1.0
    probe_timeout_s: float = 10.0
    allowed_video_codecs: frozenset[str] = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4"})

    def max_bytes(self, kind: MediaKind) -> int:
        return self.max_video_bytes if kind is MediaKind.VIDEO else self.max_image_bytes


# --- what the bytes are ---------------------------------------------------------------


def sniff_format(head: bytes, size: int, limits: MediaLimits) -> MediaFormat:
    """Name the format from the first bytes; refuse empty, oversized and unlisted files."""
    if size == 0:
        raise MediaRejected(RejectReason.EMPTY, "the file is empty (0 bytes)")
    found = _format_from_magic(head)
    if size > limits.max_bytes(found.kind):
        raise MediaRejected(
            RejectReason.TOO_LARGE,
            f"the {found.kind} is {size / MIB:.1f} MiB; the limit is "
            f"{limits.max_bytes(found.kind) / MIB:g} MiB",
        )
    return found


def _format_from_magic(head: bytes) -> MediaFormat:
    # Six signatures: a table this short is clearer than a sniffing dependency, and keeps
    # the allowlist in plain sight.
    if head.startswith(b"\xff\xd8\xff"):
        return MediaFormat.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaFormat.PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return MediaFormat.GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaFormat.WEBP
    if head[:2] == b"BM":
        return MediaFormat.BMP
    if head[4:8] == b"ftyp":
        return _iso_format(head[8:12])
    if head[:4] == b"\x1a\x45\xdf\xa3":
        if b"webm" in head[:64]:
            return MediaFormat.WEBM
        raise _unsupported("a Matroska video that is not WebM")
    raise _unsupported(f"it starts with {head[:8]!r}")


def _iso_format(brand: bytes) -> MediaFormat:
    if brand in _NOT_VIDEO_BRANDS:
        raise _unsupported(f"an ISO media file of brand {brand.decode('latin-1').strip()!r}")
    return MediaFormat.MOV if brand == b"qt  " else MediaFormat.MP4


def _unsupported(what: str) -> MediaRejected:
    return MediaRejected(
        RejectReason.UNSUPPORTED_FORMAT,
        f"the file is not an allowed format ({what}); allowed: {_ALLOWED_NAMES}",
    )


def require_kind(found: MediaFormat, expected: MediaKind) -> None:
    """Refuse a video where an image was expected, and the other way round."""
    if found.kind is not expected:
        raise MediaRejected(
            RejectReason.TYPE_MISMATCH,
            f"expected {'an image' if expected is MediaKind.IMAGE else 'a video'}, "
            f"but the bytes are {found.label} ({found.kind})",
        )


def check_declared_type(found: MediaFormat, declared_mime: str | None) -> None:
    """Refuse a file whose declared MIME type disagrees with its magic bytes."""
    if declared_mime is None:
        return
    declared = declared_mime.split(";", 1)[0].strip().lower()
    if declared not in found.mime_types:
        raise MediaRejected(
            RejectReason.TYPE_MISMATCH,
            f"declared {declared}, but the bytes are {found.label} ({found.kind})",
        )


# --- polyglots: a second format hidden in the same bytes -------------------------------

# Each check looks where the other format's reader looks: PDF readers accept "%PDF-" in the
# first KiB, browsers sniff markup in the first 512 bytes, ZIP readers start from the end.
_MARKUP: Final = re.compile(rb"<(?:script|html|\?php|svg)\b", re.IGNORECASE)


def reject_polyglot(head: bytes, whole: bytes | Path, found: MediaFormat) -> None:
    """Refuse bytes that are also a ZIP, a PDF or a web page, or that run on past their end."""
    second = _second_format(head, whole)
    if second is not None:
        raise MediaRejected(RejectReason.POLYGLOT, f"the {found.label} file also contains {second}")
    if isinstance(whole, bytes):
        _reject_trailing_data(whole, found)


def _second_format(head: bytes, whole: bytes | Path) -> str | None:
    if b"%PDF-" in head[:1024]:
        return "a PDF document"
    if _MARKUP.search(head[:512]):
        return "HTML or script markup"
    if _is_zip(whole):
        return "a ZIP archive"
    return None


def _is_zip(whole: bytes | Path) -> bool:
    # zipfile.is_zipfile only finds an end-of-directory signature, which random bytes near
    # the end of a photo hit about once in 65,000 files; reading the directory does not.
    source: IO[bytes] | Path = io.BytesIO(whole) if isinstance(whole, bytes) else whole
    try:
        with zipfile.ZipFile(source) as archive:
            return bool(archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
        return False


def _reject_trailing_data(data: bytes, found: MediaFormat) -> None:
    end = _logical_end(data, found)
    if end is not None and end < len(data):
        raise MediaRejected(
            RejectReason.POLYGLOT,
            f"{len(data) - end} bytes follow the end of the {found.label} image",
        )


def _logical_end(data: bytes, found: MediaFormat) -> int | None:
    if found is MediaFormat.PNG:
        return _png_end(data)
    if found is MediaFormat.WEBP:
        return 8 + struct.unpack_from("<I", data, 4)[0] if len(data) >= 12 else None
    return None  # JPEG, GIF and BMP writers often pad the end; the ZIP check still runs.


def _png_end(data: bytes) -> int:
    # Pillow stops reading at IEND and never says whether bytes follow it, so walk the
    # chunk headers ourselves (length, type, body, CRC).
    position = 8
    while position + 12 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, position)
        position += 12 + int(length)
        if kind == b"IEND":
            return position
    raise MediaRejected(RejectReason.CORRUPT, "the PNG is truncated or broken: no IEND chunk")


# --- images ----------------------------------------------------------------------------

_PILLOW_PLUGINS: Final[dict[MediaFormat, type[ImageFile.ImageFile]]] = {
    MediaFormat.JPEG: JpegImagePlugin.JpegImageFile,
    MediaFormat.PNG: PngImagePlugin.PngImageFile,
    MediaFormat.GIF: GifImagePlugin.GifImageFile,
    MediaFormat.WEBP: WebPImagePlugin.WebPImageFile,
    MediaFormat.BMP: BmpImagePlugin.BmpImageFile,
}


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """The first frame of an upload, decoded, with the dimensions its header declared."""

    image: Image.Image
    width: int
    height: int


def decode_image(
    data: bytes, found: MediaFormat, limits: MediaLimits, fit_within: int
) -> DecodedImage:
    """Decode the first frame after checking its dimensions.

    A JPEG decodes straight to the smallest of 1/1, 1/2, 1/4 or 1/8 scale that still
    covers ``fit_within`` pixels a side: big photos then cost a fraction of the memory.
    """
    image = _read_header(data, found, limits)
    width, height = image.size
    check_pixels(width, height, limits.max_image_pixels, "image")
    try:
        image.draft("RGB", (fit_within, fit_within))
        image.load()
    except MemoryError:
        raise
    except Exception as exc:  # decoders of hostile bytes raise many types
        raise MediaRejected(
            RejectReason.CORRUPT, f"the {found.label} image is corrupt or truncated: {exc}"
        ) from exc
    return DecodedImage(image, width, height)


def _read_header(data: bytes, found: MediaFormat, limits: MediaLimits) -> ImageFile.ImageFile:
    # The plugin for the sniffed format, and only it, reads the header: bytes whose magic
    # says PNG are parsed as PNG or refused. check_pixels then judges the dimensions, but
    # Pillow's WebP reader judges them itself, against its global MAX_IMAGE_PIXELS.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _PILLOW_PLUGINS[found](io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        counted = _PILLOW_PIXELS.search(str(exc))
        pixels = f"{int(counted[1]):,}" if counted else "too many"
        raise MediaRejected(
            RejectReason.TOO_MANY_PIXELS,
            f"the {found.label} image has {pixels} pixels; "
            f"the limit is {limits.max_image_pixels / 1e6:g} megapixels",
        ) from exc
    except Exception as exc:  # header parsers raise SyntaxError, struct.error…
        raise MediaRejected(
            RejectReason.CORRUPT, f"the {found.label} header cannot be read: {exc}"
        ) from exc


_PILLOW_PIXELS: Final = re.compile(r"\((\d+) pixels\)")


def check_pixels(width: int, height: int, limit: int, what: str) -> None:
    """Refuse dimensions above the limit, naming both."""
    if width <= 0 or height <= 0:
        raise MediaRejected(RejectReason.CORRUPT, f"the {what} is {width}x{height} pixels")
    if width * height > limit:
        raise MediaRejected(
            RejectReason.TOO_MANY_PIXELS,
            f"the {what} is {width}x{height} pixels; the limit is {limit / 1e6:g} megapixels",
        )
