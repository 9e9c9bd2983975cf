"""Previews for moderators: blurred greyscale until revealed; video stills through ffmpeg."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from safeguarding.adapters.web.media import PREVIEW_PX, REVEAL_PX, preview_uri, revealed_uri
from safeguarding.domain.events import MediaKind
from tests.detectors.media.fixtures.media import FFMPEG, lossless, video


def decoded(uri: str | None) -> Image.Image:
    assert uri is not None
    assert uri.startswith("data:image/jpeg;base64,")
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


def detail(image: Image.Image) -> float:
    """Mean absolute difference between neighbouring pixels: edges and texture."""
    grey = np.asarray(image.convert("L"), dtype=float)
    return float(np.abs(np.diff(grey, axis=1)).mean())


def checkerboard(size: tuple[int, int] = (800, 600), square: int = 16) -> bytes:
    """Sharp coloured squares: all detail, so blur has something to remove."""
    ys, xs = np.mgrid[0 : size[1], 0 : size[0]]
    on = ((xs // square + ys // square) % 2).astype(bool)
    pixels = np.zeros((size[1], size[0], 3), dtype=np.uint8)
    pixels[on] = (220, 40, 40)
    pixels[~on] = (30, 60, 200)
    return lossless(Image.fromarray(pixels))


def test_a_preview_is_greyscale_small_and_has_lost_its_detail() -> None:
    original = checkerboard()
    preview = decoded(preview_uri(original, MediaKind.IMAGE))
    shown = decoded(revealed_uri(original, MediaKind.IMAGE))

    assert preview.width == PREVIEW_PX
    rgb = np.asarray(preview.convert("RGB"), dtype=int)
    assert np.abs(rgb[..., 0] - rgb[..., 1]).max() <= 2  # no colour survives
    same_size = Image.open(io.BytesIO(original)).resize(preview.size)
    assert detail(preview) < detail(same_size) / 20
    assert max(shown.size) == REVEAL_PX
    colour = np.asarray(shown.convert("RGB"), dtype=int)
    assert np.abs(colour[..., 0] - colour[..., 2]).mean() > 5  # the reveal is in colour


def test_a_file_that_cannot_be_decoded_has_no_preview() -> None:
    assert preview_uri(b"\x89PNG\r\n\x1a\nnot really", MediaKind.IMAGE) is None
    assert revealed_uri(b"%PDF-1.7", MediaKind.IMAGE) is None


@pytest.mark.skipif(FFMPEG is None, reason="needs ffmpeg: run scripts/install-system-deps.sh")
def test_a_video_is_previewed_by_its_first_frame(tmp_path) -> None:
    clip = video(tmp_path, "mp4")
    preview = decoded(preview_uri(clip, MediaKind.VIDEO))
    still = decoded(revealed_uri(clip, MediaKind.VIDEO))

    assert preview.width == PREVIEW_PX
    assert still.size == (64, 48)
    assert preview_uri(clip[: len(clip) // 3], MediaKind.VIDEO) is None
