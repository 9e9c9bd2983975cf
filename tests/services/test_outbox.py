"""Side effects survive a crash between the decision and the effect, and happen once."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from safeguarding.bootstrap import Container, build
from safeguarding.domain.cases import CaseStatus
from safeguarding.settings import Settings
from tests.conftest import make_settings
from tests.factories import benign_png, event, media, report

KNOWN = benign_png("outbox-known")


@pytest.fixture
def settings(database_url: str, tmp_path) -> Settings:
    hashes = tmp_path / "hashes.txt"
    hashes.write_text(hashlib.sha256(KNOWN).hexdigest() + "\n")
    return make_settings(database_url, tmp_path, sha256_list_path=hashes)


class Recorder:
    """Stands in for the platform's webhook receiver (an HTTP server is tested elsewhere)."""

    def __init__(self, fail_times: int = 0) -> None:
        self.deliveries: list[str] = []
        self.fail_times = fail_times

    def send(self, delivery_id: str, topic: str, body: dict[str, object]) -> None:
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionError("receiver down")
        self.deliveries.append(delivery_id)


@pytest.fixture
def restarted(settings: Settings) -> Iterator[Container]:
    """A second process's container over the same database, as after a restart."""
    built = build(settings)
    yield built
    built.close()


def cases(container: Container) -> list:
    with container.store.read() as uow:
        return uow.cases_list(list(CaseStatus), 100)


def test_effects_written_before_a_crash_are_carried_out_after_restart(container, restarted) -> None:
    container.ingest.ingest([event(media(data=KNOWN))], source="test")
    container.close()  # the process dies before its worker ran
    assert restarted.outbox.run_once() == 5  # evidence, case, report, suspension, webhook
    (case,) = cases(restarted)
    assert (case.queue, case.priority, case.report_to_authority) == ("abuse_imagery", 1, True)
    assert restarted.outbox.run_once() == 0
    assert len(cases(restarted)) == 1


def test_a_worker_dying_mid_item_leaves_it_to_be_retried_once(container, restarted) -> None:
    container.ingest.ingest([event(report("kid", "adult", "grooming"))], source="test")

    def crash(uow, item):  # dies inside the transaction: nothing it did is kept
        raise SystemExit("killed")

    container.outbox.internal["open_case"] = crash
    with pytest.raises(SystemExit):
        container.outbox.run_once()
    assert cases(restarted) == []
    with restarted.store.read() as uow:  # the case item's lease was rolled back with the crash
        assert uow.outbox_pending() >= 1
    restarted.outbox.run_once()
    with restarted.store.read() as uow:
        assert uow.outbox_pending() == 0
    assert len(cases(restarted)) == 1


def test_webhooks_retry_with_backoff_and_keep_their_delivery_id(container) -> None:
    recorder = Recorder(fail_times=1)
    container.outbox.webhooks = recorder
    container.ingest.ingest([event(media(data=KNOWN))], source="test")
    container.outbox.run_once()
    assert recorder.deliveries == []
    with container.store.read() as uow:
        assert uow.outbox_pending() == 1  # the notify item waits for its retry time
    with container.store.write() as uow:
        from sqlalchemy import update

        from safeguarding.adapters.storage.sqlalchemy.tables import outbox

        uow.conn.execute(update(outbox).values(next_attempt_at=container.clock.now()))
    container.outbox.run_once()
    assert len(recorder.deliveries) == 1
    assert recorder.deliveries[0].startswith("obx_")
