"""Detectors reload in place when their files change, and are closed with the container
(issue #19): the stream worker calls ``reload()`` on the detectors it decides with, instead of
swapping in a new evaluator, and a file that does not load leaves the loaded detectors deciding.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from safeguarding.adapters.model_files import ModelFiles
from safeguarding.adapters.stream.consumer import StreamConsumer
from safeguarding.bootstrap import Container, build, stream_consumer
from safeguarding.detectors.text.grooming import GroomingDetector
from safeguarding.detectors.text.self_harm import SelfHarmDetector
from safeguarding.detectors.user_report import UserReportDetector
from safeguarding.domain.decisions import Verdict
from safeguarding.domain.events import Event
from safeguarding.services.evaluate import Evaluator
from tests.conftest import make_settings
from tests.factories import benign_png, event, media

LISTED = benign_png("listed-later")
DIGEST = hashlib.sha256(LISTED).hexdigest()


@pytest.fixture
def hash_list(tmp_path: Path) -> Path:
    path = tmp_path / "sha256.txt"
    path.write_text("# none yet\n")
    return path


@pytest.fixture
def worker(database_url: str, tmp_path: Path, hash_list: Path) -> Iterator[Container]:
    settings = make_settings(
        database_url,
        tmp_path / "data",
        sha256_list_path=hash_list,
        stream_url="nats://127.0.0.1:4222",  # the consumer is built, never connected
    )
    built = build(settings)
    yield built
    built.close()


def _consumer(container: Container) -> StreamConsumer:
    """The worker's consumer, looking at the files at every refresh (not once a second)."""
    consumer = stream_consumer(container)
    files = consumer.refresh.__self__  # type: ignore[attr-defined]
    assert isinstance(files, ModelFiles)
    files.recheck_seconds = 0
    return consumer


def _decide(container: Container, ev: Event) -> Verdict:
    (result,) = container.ingest.ingest([ev], source="stream")
    return result.decision.verdict


def test_the_stream_worker_reloads_its_detectors_in_place(
    worker: Container, hash_list: Path
) -> None:
    consumer = _consumer(worker)
    evaluator = worker.ingest.evaluator
    assert _decide(worker, event(media(data=LISTED))) is Verdict.ALLOW
    hash_list.write_text(f"# listed now\n{DIGEST}\n")
    assert consumer.refresh() is True
    assert worker.ingest.evaluator is evaluator is worker.evaluator, "reloaded, not swapped"
    assert _decide(worker, event(media(data=LISTED))) is Verdict.BLOCK


def test_a_list_that_does_not_load_leaves_the_loaded_one_deciding(
    worker: Container, hash_list: Path
) -> None:
    consumer = _consumer(worker)
    hash_list.write_text(f"{DIGEST}\n")
    assert consumer.refresh() is True
    hash_list.write_text(f"{DIGEST}\nhalf-copied-lin")
    assert consumer.refresh() is False
    assert _decide(worker, event(media(data=LISTED))) is Verdict.BLOCK


class Holding(UserReportDetector):
    """A detector holding something to release, and one whose files fail to load."""

    def __init__(self, fails: bool = False) -> None:
        self.fails = fails
        self.closed = 0
        self.reloaded = 0

    def reload(self) -> None:
        self.reloaded += 1
        if self.fails:
            raise ValueError("the new files do not load")

    def close(self) -> None:
        self.closed += 1


def test_closing_the_container_closes_its_detectors(database_url: str, tmp_path: Path) -> None:
    container = build(make_settings(database_url, tmp_path))
    held = Holding()
    container.evaluator.detectors += (held,)
    container.close()
    assert held.closed == 1


def test_one_detector_failing_to_reload_does_not_stop_the_others() -> None:
    first, broken, last = Holding(), Holding(fails=True), Holding()
    with pytest.raises(ValueError, match="do not load"):
        Evaluator([first, broken, last]).reload()
    assert (first.reloaded, broken.reloaded, last.reloaded) == (1, 1, 1)


@pytest.mark.parametrize("cls", [GroomingDetector, SelfHarmDetector])
def test_a_text_detector_reads_the_shipped_model_again_and_keeps_one_it_was_given(
    cls: type[GroomingDetector] | type[SelfHarmDetector],
) -> None:
    shared = cls()
    before = shared.model
    shared.reload()
    assert shared.model is not before, "the model files were read again"
    given = cls(model=before)  # type: ignore[arg-type]
    given.reload()
    assert given.model is before
