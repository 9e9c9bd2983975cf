"""Prometheus series read from the service's state at each scrape, and a stream worker's port.

``serve`` exposes them on ``/metrics`` beside its request metrics; ``safeguarding worker``
exposes them on its own port (setting ``worker_metrics_port``), since a worker answers no HTTP.
Counters carry no ``_created`` series: Prometheus' naming conventions know no such suffix, and
scrapers that read the text format saw each one as a gauge of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, disable_created_metrics, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from safeguarding.domain.banks import HashType

log = logging.getLogger("safeguarding.metrics")
disable_created_metrics()

# Every result a webhook delivery can have, so each series exists from the first scrape.
DELIVERY_RESULTS = ("delivered", "failed", "undeliverable")


@dataclass(frozen=True)
class StateCollector(Collector):
    """The outbox backlog, webhook delivery results and bank sizes, read when scraped."""

    outbox_pending: Callable[[], int]
    webhook_deliveries: Callable[[], Mapping[str, int]]
    bank_hashes: Callable[[], Mapping[str, int]]

    def describe(self) -> Iterable[Metric]:
        """The families without values (registering must not touch the database)."""
        return _families()

    def collect(self) -> Iterable[Metric]:
        pending, deliveries, banks = _families()
        try:
            pending.add_metric([], self.outbox_pending())
            yield pending
        except Exception:  # the database is away: /readyz says so; the other series stand
            log.warning("outbox backlog unavailable for metrics", exc_info=True)
        delivered = self.webhook_deliveries()
        for result in DELIVERY_RESULTS:
            deliveries.add_metric([result], delivered.get(result, 0))
        yield deliveries
        try:
            counts = self.bank_hashes()
        except Exception:
            log.warning("bank sizes unavailable for metrics", exc_info=True)
            return
        for hash_type in HashType:
            banks.add_metric([hash_type.value], counts.get(hash_type.value, 0))
        yield banks


def _families() -> tuple[GaugeMetricFamily, CounterMetricFamily, GaugeMetricFamily]:
    return (
        GaugeMetricFamily(
            "safeguarding_outbox_pending", "Side effects waiting in the outbox (not yet done)"
        ),
        CounterMetricFamily(
            "safeguarding_webhook_deliveries",
            "Webhook delivery attempts by this process, by result "
            "(delivered, failed and to be retried, undeliverable)",
            labels=["result"],
        ),
        GaugeMetricFamily(
            "safeguarding_bank_hashes",
            "Live hashes in all banks, by hash type",
            labels=["type"],
        ),
    )


def serve_worker_metrics(state: StateCollector, port: int) -> WSGIServer:
    """Serve ``state`` on ``port`` (all interfaces) from a daemon thread; shut down to stop."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(state)
    server, _thread = start_http_server(port, registry=registry)
    return server
