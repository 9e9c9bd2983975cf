"""The composition root: settings in, a wired container of stores and services out.

The only module that sees both the core and the adapters.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from safeguarding.adapters.audit_signing import KeySigner
from safeguarding.adapters.checkpoint_sinks import CheckpointFolder, HttpWitness
from safeguarding.adapters.cybertipline import sender_from_settings
from safeguarding.adapters.metrics import StateCollector
from safeguarding.adapters.model_files import Fingerprint, ModelFiles, fingerprint
from safeguarding.adapters.private_files import private_dir, write_private
from safeguarding.adapters.report_senders import (
    FileReportSender,
    HttpReportSender,
    ReportRouter,
)
from safeguarding.adapters.storage.crypto import ContentCipher, cipher_from_file, parse_key_ring
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.adapters.storage.sqlalchemy.store import SqlStore
from safeguarding.adapters.stream.consumer import StreamConsumer
from safeguarding.adapters.stream.jetstream import StreamOptions
from safeguarding.adapters.stream.publisher import NatsEventStream
from safeguarding.adapters.system import SystemClock, UuidIds
from safeguarding.adapters.webhooks import HttpWebhookSender
from safeguarding.detectors import registry
from safeguarding.detectors.media.bank_index import IndexHolder
from safeguarding.detectors.media.safe_decode import MIB
from safeguarding.detectors.media.worker import ProcessPoolHasher
from safeguarding.domain.banks import Trust
from safeguarding.domain.complaints import ComplaintKind
from safeguarding.domain.detectors import DetectorResources
from safeguarding.domain.domain_events import ContentReinstated, PolicyStored
from safeguarding.domain.errors import InvalidInput
from safeguarding.domain.ids import Clock, IdFactory
from safeguarding.ports.store import Store
from safeguarding.services import effect_handlers
from safeguarding.services.audit_checkpoints import AuditCheckpoints, CheckpointSink, Schedule
from safeguarding.services.auditor import AccessLog
from safeguarding.services.banks import BankService
from safeguarding.services.case_view import CaseViewService
from safeguarding.services.complaints import ComplaintService, SuperComplaintService
from safeguarding.services.compliance import ComplianceConfig, ComplianceService
from safeguarding.services.domain_events import DomainEventBus
from safeguarding.services.dsa_qualitative import QualitativeConfig
from safeguarding.services.evaluate import Evaluator
from safeguarding.services.evidence import EvidenceService
from safeguarding.services.information_requests import InformationRequestService
from safeguarding.services.ingest import IngestService
from safeguarding.services.keys import KeyService
from safeguarding.services.login_throttle import LoginThrottle
from safeguarding.services.media import MediaHashing
from safeguarding.services.outbox import OutboxWorker
from safeguarding.services.policy import PolicyService
from safeguarding.services.reporting import ReportingService, ReportSender
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
    access: AccessLog
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
        self.store.close()

    def state_metrics(self) -> StateCollector:
        """The Prometheus series read from this process's state at each scrape."""
        return StateCollector(
            outbox_pending=self.review.outbox_pending,
            webhook_deliveries=lambda: dict(self.outbox.deliveries),
            bank_hashes=self.banks.hash_counts,
        )


def content_cipher(settings: Settings) -> ContentCipher:
    if settings.content_key is not None:
        keys, active = parse_key_ring(settings.content_key.get_secret_value())
        return ContentCipher(keys, active)
    path = settings.content_key_file or settings.data_dir / "content.key"
    return cipher_from_file(Path(path), create=settings.content_key_file is None)


def session_secret(settings: Settings) -> str:
    """The cookie-signing secret: configured, or made once and kept under data_dir."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    path = settings.data_dir / "session.secret"
    if not path.exists():
        write_private(path, secrets.token_urlsafe(32))
    return path.read_text().strip()


def login_throttle(settings: Settings) -> LoginThrottle:
    return LoginThrottle(settings.login_max_failures, settings.login_backoff_seconds)


def detector_options(settings: Settings) -> dict[str, dict[str, object]]:
    options: dict[str, dict[str, object]] = {}
    if settings.sha256_list_path is not None:
        options["sha256_list"] = {"path": str(settings.sha256_list_path)}
    if settings.sharing_salt is not None:
        options["partner_account"] = {"salt": settings.sharing_salt.get_secret_value()}
    return options


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
        policies.ensure_initial(_policy_source(settings))
    webhooks = None
    if settings.webhook_url:
        if settings.webhook_secret is None:
            raise InvalidInput(
                "SAFEGUARDING_WEBHOOK_URL is set but SAFEGUARDING_WEBHOOK_SECRET is not"
            )
        secrets = [settings.webhook_secret, settings.webhook_secret_previous]
        webhooks = HttpWebhookSender(
            settings.webhook_url, [s.get_secret_value() for s in secrets if s is not None]
        )
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
        access=AccessLog(store, clock),
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


def sharing_service(
    settings: Settings, store: SqlStore, clock: Clock, banks: BankService
) -> SharingService:
    salt = settings.sharing_salt.get_secret_value() if settings.sharing_salt else None
    return SharingService(
        store, clock, banks, settings.sharing_name, salt, Trust(settings.sharing_default_trust)
    )


def subscribe(bus: DomainEventBus, risk: RiskService, visibility: VisibilityService) -> None:
    """Who hears of what a committed transaction changed."""
    bus.subscribe(PolicyStored, risk.prompt_review)
    bus.subscribe(ContentReinstated, lambda done: visibility.invalidate(done.event_ids))


def checkpoint_folder(settings: Settings) -> CheckpointFolder:
    default = settings.data_dir / "audit-checkpoints"
    return CheckpointFolder(Path(settings.audit_checkpoint_dir or default))


def audit_checkpoints(settings: Settings, store: Store, clock: Clock) -> AuditCheckpoints:
    """Signed checkpoints to the folder and the witness, on the configured schedule."""
    sinks: list[CheckpointSink] = [checkpoint_folder(settings)]
    if settings.audit_witness_url:
        sinks.append(HttpWitness(settings.audit_witness_url))
    schedule = Schedule(settings.audit_checkpoint_records, settings.audit_checkpoint_minutes * 60)
    return AuditCheckpoints(store, clock, KeySigner(settings), sinks, schedule)


def make_evaluator(settings: Settings, resources: DetectorResources) -> Evaluator:
    """The enabled detectors, configured with their options and the process's resources."""
    available = registry.discover()
    options = detector_options(settings)
    return Evaluator(registry.build(available, settings.detectors, options, resources))


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


def complaint_deadlines(settings: Settings) -> dict[ComplaintKind, float]:
    return {
        ComplaintKind.COMPLAINT: settings.complaint_deadline_days,
        ComplaintKind.APPEAL: settings.appeal_deadline_days,
    }


def compliance_config(settings: Settings, detectors: tuple[str, ...]) -> ComplianceConfig:
    destination = "endpoint" if settings.report_endpoint else None
    return ComplianceConfig(
        detectors=detectors,
        organisation=settings.organisation,
        senior_manager=settings.senior_manager,
        qualifying_revenue_gbp=settings.qualifying_revenue_gbp,
        sha256_list_configured=settings.sha256_list_path is not None,
        report_destination=destination or ("folder" if settings.report_dir else None),
    )


def report_sender(settings: Settings) -> ReportSender:
    default: FileReportSender | HttpReportSender
    if settings.report_endpoint:
        token = settings.report_token.get_secret_value() if settings.report_token else None
        default = HttpReportSender(
            settings.report_endpoint, token, allow_insecure=settings.allow_insecure_endpoints
        )
    else:
        default = FileReportSender(Path(settings.report_dir or settings.data_dir / "reports"))
    if not settings.ncmec_url:
        return default
    return ReportRouter(default, sender_from_settings(settings, settings.ncmec_url))


def media_hasher(settings: Settings) -> ProcessPoolHasher:
    return ProcessPoolHasher(
        max_workers=settings.media_workers,
        memory_limit_bytes=settings.media_memory_mb * MIB,
        timeout_s=settings.media_timeout_seconds,
        video_timeout_s=4 * settings.media_timeout_seconds,
    )


def _policy_source(settings: Settings) -> str | None:
    return settings.policy_file.read_text() if settings.policy_file else None
