"""/metrics read with Prometheus' own parser: the outbox backlog, webhook delivery results and
bank sizes by hash type are series of their own, and no counter exports a `_created` series.
A worker serves the same series on its own port (setting worker_metrics_port)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from safeguarding.bootstrap import Container, build
from safeguarding.domain.banks import Bank, HashType
from tests.api.test_webhooks import KNOWN, Receiver, receiver  # noqa: F401 (fixture)
from tests.conftest import make_settings
from tests.factories import event, media
from tests.servers import free_port, process_env, server_environment, stop

pytestmark = pytest.mark.anyio


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, as Prometheus' parser reads it."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.fixture
def metered(database_url: str, tmp_path: Path, receiver: str) -> Iterator[Container]:  # noqa: F811
    hashes = tmp_path / "hashes.txt"
    hashes.write_text(hashlib.sha256(KNOWN).hexdigest() + "\n")
    settings = make_settings(
        database_url, tmp_path, sha256_list_path=hashes, webhook_url=receiver, webhook_secret="s"
    )
    container = build(settings)
    yield container
    container.close()


async def scrape(container: Container) -> str:
    from safeguarding.adapters.http.app import create_app

    app = create_app(container, run_outbox_worker=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        answer = await http.get("/metrics")
    assert answer.status_code == 200
    return answer.text


async def test_backlog_deliveries_and_bank_sizes_are_series(metered: Container) -> None:
    metered.banks.create(Bank(name="known", created_at=metered.clock.now()), "admin:ops")
    listed = [(HashType.MD5, hashlib.md5(b"x%d" % i).hexdigest()) for i in range(3)]
    listed.append((HashType.SHA256, hashlib.sha256(b"a listed file").hexdigest()))
    metered.banks.import_hashes("known", listed, source="list.txt", licence="t", actor="t")
    metered.ingest.ingest([event(media(data=KNOWN, event_id="m-1"))], source="test")
    before = samples(await scrape(metered))
    assert before[("safeguarding_outbox_pending", ())] >= 1
    metered.outbox.run_once()
    metered.outbox.run_once()
    after = samples(await scrape(metered))
    assert after[("safeguarding_outbox_pending", ())] == 0
    delivered = ("safeguarding_webhook_deliveries_total", (("result", "delivered"),))
    assert after[delivered] == 1
    assert after[("safeguarding_webhook_deliveries_total", (("result", "failed"),))] == 0
    assert after[("safeguarding_bank_hashes", (("type", "md5"),))] == 3
    assert after[("safeguarding_bank_hashes", (("type", "sha256"),))] == 1
    assert after[("safeguarding_bank_hashes", (("type", "pdq"),))] == 0
    assert [name for name, _ in after if name.endswith("_created")] == []


async def test_a_refused_webhook_counts_as_failed(metered: Container) -> None:
    Receiver.fail = True
    try:
        metered.ingest.ingest([event(media(data=KNOWN, event_id="m-2"))], source="test")
        metered.outbox.run_once()
        metered.outbox.run_once()
    finally:
        Receiver.fail = False
    found = samples(await scrape(metered))
    assert found[("safeguarding_webhook_deliveries_total", (("result", "failed"),))] == 1
    assert found[("safeguarding_outbox_pending", ())] == 1  # waiting for its retry


def test_a_worker_serves_its_metrics_on_its_own_port(tmp_path: Path) -> None:
    port = free_port()
    environment = server_environment(tmp_path, None, {"worker_metrics_port": str(port)})
    # `--create`: the worker, unlike serve, makes no database of its own.
    command = [sys.executable, "-m", "safeguarding.adapters.cli.main", "--create", "worker"]
    with (tmp_path / "worker.err").open("wb") as err:
        process = subprocess.Popen(
            command, env=process_env(environment), stdout=subprocess.DEVNULL, stderr=err
        )
    try:
        text = _first_scrape(process, f"http://127.0.0.1:{port}/metrics", tmp_path / "worker.err")
    finally:
        stop(process)
    found = samples(text)
    assert found[("safeguarding_outbox_pending", ())] == 0
    assert ("safeguarding_webhook_deliveries_total", (("result", "delivered"),)) in found
    assert ("safeguarding_bank_hashes", (("type", "vpdq"),)) in found
    assert [name for name, _ in found if name.endswith("_created")] == []


def _first_scrape(process: subprocess.Popen[bytes], url: str, errors: Path) -> str:
    """Poll until the worker's port answers (start-up takes a few seconds)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"worker exited: {errors.read_text(errors='replace')}")
        try:
            return httpx.get(url, timeout=2).text
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail("the worker's metrics port never answered")
