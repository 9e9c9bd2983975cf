"""The composition root: settings in, a wired container of stores and services out.

With ``wiring.py`` (the settings-to-adapter builders it composes) and ``operations.py``, the
only modules that see both the core and the adapters.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

from safeguarding.adapters.checkpoint_sinks import HttpWitness
from safeguarding.adapters.metrics import StateCollector
from safeguarding.adapters.model_files import Fingerprint, ModelFiles, fingerprint
from safeguarding.adapters.private_files import private_dir
from safeguarding.adapters.report_senders import (
    HttpReportSender,
    ReportRouter,
)
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.adapters.storage.sqlalchemy.store import SqlStore
from safeguarding.adapters.stream.consumer import StreamConsumer
from safeguarding.adapters.stream.jetstream import StreamOptions
from safeguarding.adapters.stream.publisher import NatsEventStream
from safeguarding.adapters.system import SystemClock, UuidIds
from safeguarding.adapters.webhooks import HttpWebhookSender
from safeguarding.detectors import registry
from safeguarding.detectors.media.bank_index import IndexHolder
from safeguarding.domain.detectors import DetectorResources
from safeguarding.domain.domain_events import ContentReinstated, PolicyStored
from safeguarding.domain.errors import InvalidInput
from safeguarding.domain.ids import Clock, IdFactory
from safeguarding.ports.store import Store
from safeguarding.services import effect_handlers
from safeguarding.services.audit_checkpoints import AuditCheckpoints
from safeguarding.services.banks import BankService
from safeguarding.services.case_view import CaseViewService
from safeguarding.services.complaints import ComplaintService, SuperComplaintService
from safeguarding.services.compliance import ComplianceService
from safeguarding.services.domain_events import DomainEventBus
from safeguarding.services.dsa_qualitative import QualitativeConfig
from safeguarding.services.evaluate import Evaluator
from safeguarding.services.evidence import EvidenceService
from safeguarding.services.information_requests import InformationRequestService
from safeguarding.services.ingest import IngestService
from safeguarding.services.keys import KeyService
from safeguarding.services.media import MediaHashing
from safeguarding.services.outbox import OutboxWorker
from safeguarding.services.policy import PolicyService
from safeguarding.services.reporting import ReportingService
from safeguarding.services.review import ReviewService
from safeguarding.services.risk import RiskService
from safeguarding.services.samples import DecisionSamples
from safeguarding.services.selftest import ChildSafetySelfTest
from safeguarding.services.sessions import WebSessions
from safeguarding.services.sharing import SharingService
from safeguarding.services.streamed import StreamedIngest
from safeguarding.services.transparency import TransparencyService
from safeguarding.services.visibility import VisibilityService
from safeguarding.settings import Settings
from safeguarding.wiring import (
    audit_checkpoints,
    complaint_deadlines,
    compliance_config,
    content_cipher,
    login_throttle,
    make_evaluator,
    media_hasher,
    policy_source,
    report_sender,
    session_secret,
    sharing_service,
    webhook_sender,
)


@dataclass
class Container:
    """Everything a process needs, built once and shared by every request."""

    settings: Settings
    store: SqlStore
    clock: Clock
    ids: IdFactory
    evaluator: Evaluator
    detector_files: Fingerprint  # the detectors' files as they were when first built
    policies: PolicyService
    ingest: IngestService
    keys: KeyService
    sessions: WebSessions
    outbox: OutboxWorker
    review: ReviewService
    visibility: VisibilityService
    banks: BankService
    media: MediaHashing
    evidence: EvidenceService
    reports: ReportingService
    case_views: CaseViewService
    information_requests: InformationRequestService
    complaints: ComplaintService
    samples: DecisionSamples
    super_complaints: SuperComplaintService
    transparency: TransparencyService
    risk: RiskService
    compliance: ComplianceService
    checkpoints: AuditCheckpoints
    sharing: SharingService
    webhooks: HttpWebhookSender | None = None
    streamed: StreamedIngest | None = None
    event_stream: NatsEventStream | None = None

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.event_stream is not None:
            self.event_stream.close()
        self.evaluator.close()
        self.media.close()
        if isinstance(self.reports.sender, HttpReportSender | ReportRouter):
            self.reports.sender.close()
        if self.webhooks is not None:
            self.webhooks.close()
        for sink in self.checkpoints.sinks:
            if isinstance(sink, HttpWitness):
                sink.close()
        self.banks.close()
        self.store.close()

    def state_metrics(self) -> StateCollector:
        """The Prometheus series read from this process's state at each scrape."""
        return StateCollector(
            outbox_pending=self.review.outbox_pending,
            webhook_deliveries=lambda: dict(self.outbox.deliveries),
            bank_hashes=self.banks.hash_counts,
        )


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate_schema: bool = True,
    store: Store | None = None,
) -> Container:
    """Wire a container; by default bring the schema up to date and store the first policy.

    ``store`` replaces the SQL store of ``settings.database_url`` (the tests' in-memory store:
    it has no schema to migrate, no engine and no key ring, so the routes and commands that
    read those are not for it)."""
    clock = clock or SystemClock()
    ids = UuidIds()
    private_dir(settings.data_dir)
    bus = DomainEventBus()
    if store is None:
        store = SqlStore(settings.database_url, content_cipher(settings), publish=bus.publish)
        if migrate_schema:
            migrate.upgrade(store.engine, cipher=store.cipher)
    else:
        store.publish = bus.publish
    banks = BankService(store, clock, IndexHolder(), settings.bank_recheck_seconds)
    # Taken before the detectors read the files, so a change made while they load is seen.
    detector_files = fingerprint(watched_files(settings))
    evaluator = make_evaluator(settings, DetectorResources(clock=clock, banks=banks.holder))
    policies = PolicyService(store, clock, evaluator.detector_names)
    media = MediaHashing(lambda: media_hasher(settings))
    visibility = VisibilityService(store, policies, clock)
    risk = RiskService(
        store,
        clock,
        policies,
        settings.service_features,
        organisation=settings.organisation,
        senior_manager=settings.senior_manager,
    )
    subscribe(bus, risk, visibility)
    if migrate_schema:
        policies.ensure_initial(policy_source(settings))
    webhooks = webhook_sender(settings)
    samples = DecisionSamples(store, clock, session_secret(settings).encode())
    checkpoints = audit_checkpoints(settings, store, clock)
    outbox = OutboxWorker(store, clock, webhooks, effect_handlers.discover())
    outbox.periodic.append(checkpoints.maybe_take)
    ingest = IngestService(
        store,
        evaluator,
        policies,
        clock,
        ids,
        settings.support_resources,
        media,
        before_batch=banks.refresh,
    )
    return Container(
        settings=settings,
        store=cast(SqlStore, store),
        clock=clock,
        ids=ids,
        evaluator=evaluator,
        detector_files=detector_files,
        policies=policies,
        ingest=ingest,
        keys=KeyService(store, clock, settings.key_cache_seconds, login_throttle(settings)),
        sessions=WebSessions(store, clock),
        outbox=outbox,
        review=ReviewService(store, clock),
        visibility=visibility,
        banks=banks,
        sharing=sharing_service(settings, store, clock, banks),
        media=media,
        evidence=EvidenceService(store, clock),
        reports=ReportingService(
            store,
            clock,
            settings.organisation,
            report_sender(settings),
            settings.senior_manager,
        ),
        case_views=CaseViewService(store, clock),
        information_requests=InformationRequestService(store, clock, ids, samples),
        complaints=ComplaintService(store, clock, ids, complaint_deadlines(settings)),
        super_complaints=SuperComplaintService(store, clock, ids),
        samples=samples,
        transparency=TransparencyService(
            store,
            clock,
            settings.organisation,
            settings.senior_manager,
            QualitativeConfig(
                evaluator.detector_names,
                settings.complaint_deadline_days,
                settings.appeal_deadline_days,
            ),
        ),
        risk=risk,
        compliance=ComplianceService(
            store,
            clock,
            policies,
            banks,
            compliance_config(settings, evaluator.detector_names),
            ChildSafetySelfTest(store, ingest, clock, ids),
        ),
        checkpoints=checkpoints,
        webhooks=webhooks,
    )


def subscribe(bus: DomainEventBus, risk: RiskService, visibility: VisibilityService) -> None:
    """Who hears of what a committed transaction changed."""
    bus.subscribe(PolicyStored, risk.prompt_review)
    bus.subscribe(ContentReinstated, lambda done: visibility.invalidate(done.event_ids))


def stream_options(settings: Settings) -> StreamOptions:
    if not settings.stream_url:
        raise InvalidInput(
            "distributed mode needs SAFEGUARDING_STREAM_URL (or --stream nats://...)"
        )
    return StreamOptions(
        url=settings.stream_url,
        name=settings.stream_name,
        shards=settings.stream_shards,
        batch=settings.stream_batch,
        ack_wait_seconds=settings.stream_ack_wait_seconds,
    )


def attach_stream(container: Container) -> None:
    """In distributed mode, make POST /v1/events queue events for the workers."""
    if container.settings.stream_url is None:
        return
    stream = NatsEventStream(stream_options(container.settings), container.store.cipher)
    container.event_stream = stream
    container.streamed = StreamedIngest(container.ingest, container.store, stream)


def watched_files(settings: Settings) -> list[Path]:
    """The files the detectors are built from: the shipped models and the SHA-256 list."""
    extra = [settings.sha256_list_path] if settings.sha256_list_path else []
    return registry.model_files() + extra


def stream_consumer(container: Container) -> StreamConsumer:
    """A worker's consumer: decides what it takes with this container's detectors, which
    reload in place when a model or the SHA-256 list changes on disk (banks refresh before
    each batch)."""
    settings = container.settings
    models = ModelFiles(
        lambda: watched_files(settings),
        container.evaluator.reload,
        settings.model_recheck_seconds,
        seen=container.detector_files,
    )
    return StreamConsumer(
        stream_options(settings),
        container.store.cipher,
        lambda items, source: container.ingest.ingest_prepared(items, source=source),
        refresh=models.refresh,
        refresh_seconds=settings.model_recheck_seconds,
    )
