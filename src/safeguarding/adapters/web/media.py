"""Images and video stills for the case page: blurred and greyscale until a moderator asks.

A preview is made on the server, so the browser never receives the clear picture until
the moderator reveals it (and the reveal is audited by the service). Uploads reach this
module only after ingest accepted them, but they are still decoded through the same
checks as hashing, and a video's still comes from ffmpeg with a timeout.
"""

from __future__ import annotations

import base64
import io
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps

from safeguarding.detectors.media.hashing import DEFAULT_LIMITS, memory_dir, probe_video
from safeguarding.detectors.media.safe_decode import (
    MediaError,
    MediaFormat,
    MediaRejected,
    RejectReason,
    decode_image,
    sniff_format,
)
from safeguarding.domain.events import MediaKind

PREVIEW_PX = 280
REVEAL_PX = 720
# Blur from a tiny copy: nothing of the picture survives but its broad tones.
BLUR_FROM_PX = 24
STILL_TIMEOUT_S = 10.0


def preview_uri(data: bytes, kind: MediaKind) -> str | None:
    """A blurred greyscale JPEG as a data URI, or None if the file cannot be shown."""
    still = _still(data, kind)
    if still is None:
        return None
    grey = ImageOps.grayscale(still)
    grey.thumbnail((BLUR_FROM_PX, BLUR_FROM_PX))
    width = PREVIEW_PX
    height = max(1, round(PREVIEW_PX * grey.height / max(grey.width, 1)))
    blurred = grey.resize((width, height), Image.Resampling.BILINEAR)
    return _jpeg_uri(blurred.filter(ImageFilter.GaussianBlur(radius=12)))


def revealed_uri(data: bytes, kind: MediaKind) -> str | None:
    """The picture itself, at most REVEAL_PX a side, as a data URI."""
    still = _still(data, kind)
    if still is None:
        return None
    still.thumbnail((REVEAL_PX, REVEAL_PX))
    return _jpeg_uri(still)


def _jpeg_uri(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def _still(data: bytes, kind: MediaKind) -> Image.Image | None:
    try:
        found = sniff_format(data[:1024], len(data), DEFAULT_LIMITS)
        if kind is MediaKind.VIDEO:
            return _video_still(data, found)
        return decode_image(data, found, DEFAULT_LIMITS, REVEAL_PX).image
    except (MediaError, OSError, subprocess.SubprocessError):
        return None


def _video_still(data: bytes, found: MediaFormat) -> Image.Image:
    """The first frame of a video, through ffprobe's checks and then ffmpeg."""
    with tempfile.TemporaryDirectory(prefix="safeguarding-still-", dir=memory_dir()) as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        probe_video(path, found, DEFAULT_LIMITS)
        command = [
            "ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-frames:v", "1",
            "-vf", f"scale='min({REVEAL_PX},iw)':-2", "-f", "image2pipe", "-c:v", "png", "-",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, timeout=STILL_TIMEOUT_S, check=False)
    if done.returncode != 0 or not done.stdout:
        raise MediaRejected(RejectReason.CORRUPT, "no frame could be read from the video")
    return Image.open(io.BytesIO(done.stdout))
