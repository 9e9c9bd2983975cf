"""Media hashing on benign files: published PDQ references, near-duplicates, vPDQ, workers."""

from __future__ import annotations

import csv
import hashlib
import itertools
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from PIL import Image, ImageEnhance

from safeguarding.detectors.media.hashing import (
    MAX_IMAGE_FRAMES,
    ImageHashes,
    VideoHashes,
    hash_image_bytes,
    hash_media_bytes,
    hash_video_bytes,
    pdq_distance,
    pdq_of,
)
from safeguarding.detectors.media.safe_decode import (
    HasherBusy,
    HasherClosed,
    MediaFormat,
    MediaLimits,
    MediaRejected,
    RejectReason,
)
from safeguarding.detectors.media.worker import HashTasks, ProcessPoolHasher
from tests.detectors.media.fixtures.media import (
    FFMPEG,
    REFERENCE_DIR,
    encode,
    lossless,
    scene,
    video,
)

PDQ_MATCH_DISTANCE = 31  # ThreatExchange's threshold for "the same picture"
# Same decoder as Meta's Python reference (Pillow): measured 0; 2 allows a libjpeg-turbo
# build that rounds one pixel differently. The C++ tool decodes with CImg: measured 0-2.
PYTHON_REFERENCE_TOLERANCE = 2
CPP_REFERENCE_TOLERANCE = 4

needs_ffmpeg = pytest.mark.skipif(
    FFMPEG is None, reason="needs ffmpeg: run scripts/install-system-deps.sh"
)


def _reference_rows() -> list[dict[str, str]]:
    with (REFERENCE_DIR / "expected.csv").open(newline="") as table:
        return list(csv.DictReader(table))


# --- the hashes are right ----------------------------------------------------------------


@pytest.mark.parametrize("row", _reference_rows(), ids=lambda row: row["file"])
def test_pdq_matches_the_published_reference_hashes(row: dict[str, str]) -> None:
    data = (REFERENCE_DIR / row["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == row["sha256"], "fixture differs from the source"

    result = hash_image_bytes(data)

    assert pdq_distance(result.pdq, row["pdq_python_reference"]) <= PYTHON_REFERENCE_TOLERANCE
    assert pdq_distance(result.pdq, row["pdq_cpp_reference"]) <= CPP_REFERENCE_TOLERANCE
    assert result.pdq_quality == 100


def test_digests_are_of_the_exact_bytes() -> None:
    data = (REFERENCE_DIR / "q1050.jpg").read_bytes()

    result = hash_image_bytes(data)

    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert (result.format, result.width, result.height) == (MediaFormat.JPEG, 256, 256)


def test_pdq_distance_counts_differing_bits() -> None:
    assert pdq_distance("0" * 64, "0" * 64) == 0
    assert pdq_distance("0" * 64, "f" * 64) == 256
    assert pdq_distance("0" * 63 + "3", "0" * 64) == 2


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_large_image_is_shrunk_without_moving_its_hash(fmt: str) -> None:
    big = scene(7, (1200, 800)).resize((3000, 2000), Image.Resampling.BICUBIC)

    options = {"compress_level": 1} if fmt == "PNG" else {"quality": 95}
    shrunk = hash_image_bytes(encode(big, fmt, **options))

    # Against full-resolution PDQ, as ThreatExchange's Python hasher computes it.
    assert pdq_distance(shrunk.pdq, pdq_of(big)[0]) <= 8
    assert (shrunk.width, shrunk.height) == (3000, 2000)


# --- the hashes match near-duplicates and tell different pictures apart -------------------

Transform = Callable[[Image.Image], bytes]
TRANSFORMS: dict[str, Transform] = {
    "half size": lambda im: lossless(im.resize((im.width // 2, im.height // 2))),
    "double size": lambda im: lossless(im.resize((im.width * 2, im.height * 2))),
    "JPEG quality 40": lambda im: encode(im, "JPEG", quality=40),
    "WebP quality 60": lambda im: encode(im, "WEBP", quality=60),
    "20% brighter": lambda im: lossless(ImageEnhance.Brightness(im).enhance(1.2)),
    "greyscale": lambda im: lossless(im.convert("L")),
}
# Cropping moves PDQ's grid, so it is the hardest of these: 4 px of 640x480 costs 14-18
# bits, while 4 px of a 256x256 photo costs 40 or more.
CROP: dict[str, Transform] = {
    "crop 4 px each side": lambda im: lossless(im.crop((4, 4, im.width - 4, im.height - 4)))
}


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("name", [*TRANSFORMS, *CROP])
def test_a_transformed_scene_stays_within_match_distance(seed: int, name: str) -> None:
    picture = scene(seed)
    original = hash_image_bytes(lossless(picture))

    changed = hash_image_bytes({**TRANSFORMS, **CROP}[name](picture))

    assert pdq_distance(original.pdq, changed.pdq) <= PDQ_MATCH_DISTANCE


# q0122 (sea under an empty sky) is left out: so little detail that half its bits sit on
# the median, and halving its size moves 32 of them.
@pytest.mark.parametrize("photo", ["q0746.jpg", "q1050.jpg", "q2821.jpg"])
@pytest.mark.parametrize("name", TRANSFORMS)
def test_a_transformed_photo_stays_within_match_distance(photo: str, name: str) -> None:
    picture = Image.open(REFERENCE_DIR / photo).convert("RGB")
    original = hash_image_bytes(lossless(picture))

    changed = hash_image_bytes(TRANSFORMS[name](picture))

    assert pdq_distance(original.pdq, changed.pdq) <= PDQ_MATCH_DISTANCE


def test_different_pictures_are_far_apart() -> None:
    pictures = [lossless(scene(seed)) for seed in range(1, 7)]
    pictures += [path.read_bytes() for path in sorted(REFERENCE_DIR.glob("*.jpg"))]
    hashes = [hash_image_bytes(data).pdq for data in pictures]

    distances = [pdq_distance(a, b) for a, b in itertools.combinations(hashes, 2)]

    assert min(distances) > PDQ_MATCH_DISTANCE  # measured: 114
    assert sum(distances) / len(distances) > 100  # measured: 130; unrelated ~ 128


@pytest.mark.parametrize(
    ("mode", "fmt", "options"),
    [
        ("L", "PNG", {}),
        ("LA", "PNG", {}),
        ("RGBA", "PNG", {}),
        ("P", "GIF", {"transparency": 0}),
        ("P", "PNG", {}),
        ("CMYK", "JPEG", {}),
        ("I;16", "PNG", {}),
        ("RGB", "BMP", {}),
        ("RGBA", "WEBP", {"lossless": True}),
    ],
)
def test_every_pixel_mode_hashes_close_to_its_rgb_original(
    mode: str, fmt: str, options: dict[str, object]
) -> None:
    picture = scene(4)
    original = hash_image_bytes(lossless(picture))

    result = hash_image_bytes(encode(picture.convert(mode), fmt, **options))

    assert pdq_distance(original.pdq, result.pdq) <= PDQ_MATCH_DISTANCE
    assert 0 <= result.pdq_quality <= 100


def test_an_animated_gif_is_hashed_by_its_first_frame_and_every_other() -> None:
    first, second = scene(1).convert("P"), scene(2).convert("P")
    animated = encode(first, "GIF", save_all=True, append_images=[second, first, second])

    result = hash_image_bytes(animated)

    assert result.pdq == hash_image_bytes(encode(first, "GIF")).pdq
    # A picture hidden as a later frame is hashed too, each distinct frame once.
    assert result.frame_pdqs == (hash_image_bytes(encode(second, "GIF")).pdq,)
    assert hash_image_bytes(encode(first, "GIF")).frame_pdqs == ()


def test_an_animation_too_long_to_check_frame_by_frame_is_refused() -> None:
    frames = [scene(i % 3).convert("P").resize((16, 16)) for i in range(MAX_IMAGE_FRAMES + 1)]
    animated = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(MediaRejected) as refused:
        hash_image_bytes(animated)
    assert refused.value.reason is RejectReason.TOO_LONG


# --- video ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    if FFMPEG is None:
        pytest.skip("needs ffmpeg: run scripts/install-system-deps.sh")
    folder = tmp_path_factory.mktemp("videos")
    return {container: video(folder, container) for container in ("mp4", "mov", "webm")}


@needs_ffmpeg
@pytest.mark.parametrize("container", ["mp4", "mov", "webm"])
def test_vpdq_samples_one_frame_a_second(videos: dict[str, bytes], container: str) -> None:
    result = hash_video_bytes(videos[container])

    assert result.format == MediaFormat(container)
    assert (result.width, result.height, result.duration_s) == (64, 48, 2.0)
    assert [(f.frame_index, f.timestamp_s) for f in result.frames] == [(0, 0.0), (10, 1.0)]
    assert all(len(f.pdq) == 64 and 0 <= f.quality <= 100 for f in result.frames)
    assert result.sha256 == hashlib.sha256(videos[container]).hexdigest()


@needs_ffmpeg
def test_the_same_video_in_another_codec_matches_frame_by_frame(videos: dict[str, bytes]) -> None:
    h264, vp9 = hash_video_bytes(videos["mp4"]), hash_video_bytes(videos["webm"])

    distances = [pdq_distance(a.pdq, b.pdq) for a, b in zip(h264.frames, vp9.frames, strict=True)]

    assert max(distances) <= PDQ_MATCH_DISTANCE


@needs_ffmpeg
def test_hash_media_follows_the_magic_bytes(videos: dict[str, bytes]) -> None:
    assert isinstance(hash_media_bytes(videos["mp4"]), VideoHashes)
    assert isinstance(hash_media_bytes((REFERENCE_DIR / "q1050.jpg").read_bytes()), ImageHashes)


# --- the worker pool -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hasher() -> Iterator[ProcessPoolHasher]:
    with ProcessPoolHasher(max_workers=1) as pool:
        yield pool


def test_the_worker_gives_the_in_process_result(hasher: ProcessPoolHasher) -> None:
    data = (REFERENCE_DIR / "q2821.jpg").read_bytes()

    assert hasher.hash_image(data) == hash_image_bytes(data)
    assert hasher.pending == 0


@needs_ffmpeg
def test_the_worker_hashes_video(hasher: ProcessPoolHasher, videos: dict[str, bytes]) -> None:
    assert hasher.hash_video(videos["mp4"]) == hash_video_bytes(videos["mp4"])
    assert hasher.hash_media(videos["webm"]) == hash_video_bytes(videos["webm"])


def test_a_closed_hasher_refuses_work_and_closes_twice() -> None:
    pool = ProcessPoolHasher(max_workers=1)
    pool.close()
    pool.close()

    with pytest.raises(HasherClosed):
        pool.hash_image((REFERENCE_DIR / "q1050.jpg").read_bytes())


def sleepy_image_task(data: bytes, limits: MediaLimits, declared_mime: str | None) -> ImageHashes:
    """Stands in for a decoder stuck on a hostile file (runs in the worker)."""
    time.sleep(60)
    raise AssertionError("the worker should have been stopped")


def test_a_full_queue_says_busy_and_a_stuck_task_times_out() -> None:
    data = (REFERENCE_DIR / "q1050.jpg").read_bytes()
    outcome: list[BaseException] = []

    def hash_in_background(pool: ProcessPoolHasher) -> None:
        try:
            pool.hash_image(data)
        except MediaRejected as exc:
            outcome.append(exc)

    tasks = HashTasks(image=sleepy_image_task)
    with ProcessPoolHasher(max_workers=1, timeout_s=1.0, max_pending=1, tasks=tasks) as pool:
        background = threading.Thread(target=hash_in_background, args=(pool,))
        background.start()
        deadline = time.monotonic() + 10
        while pool.pending == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        with pytest.raises(HasherBusy, match="all 1 media hashing slots are taken"):
            pool.hash_image(data)
        background.join()

    assert [getattr(exc, "reason", None) for exc in outcome] == [RejectReason.TIMEOUT]
    assert "took over 1 s" in str(outcome[0])


def test_bad_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        ProcessPoolHasher(max_workers=0)
