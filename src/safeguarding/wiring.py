"""Settings in, one adapter or configured service out: the builders ``bootstrap.build`` composes.

Each reads only the settings (and what it is handed), so the composition root stays a
list of who gets what.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from safeguarding.adapters.audit_signing import KeySigner
from safeguarding.adapters.checkpoint_sinks import CheckpointFolder, HttpWitness
from safeguarding.adapters.cybertipline import sender_from_settings
from safeguarding.adapters.private_files import write_private
from safeguarding.adapters.report_senders import (
    FileReportSender,
    HttpReportSender,
    ReportRouter,
)
from safeguarding.adapters.storage.crypto import ContentCipher, cipher_from_file, parse_key_ring
from safeguarding.adapters.webhooks import HttpWebhookSender
from safeguarding.detectors import registry
from safeguarding.detectors.media.safe_decode import MIB
from safeguarding.detectors.media.worker import ProcessPoolHasher
from safeguarding.domain.banks import Trust
from safeguarding.domain.complaints import ComplaintKind
from safeguarding.domain.detectors import DetectorResources
from safeguarding.domain.errors import InvalidInput
from safeguarding.domain.ids import Clock
from safeguarding.ports.store import Store
from safeguarding.services.audit_checkpoints import AuditCheckpoints, CheckpointSink, Schedule
from safeguarding.services.banks import BankService
from safeguarding.services.compliance import ComplianceConfig
from safeguarding.services.evaluate import Evaluator
from safeguarding.services.login_throttle import LoginThrottle
from safeguarding.services.reporting import ReportSender
from safeguarding.services.sharing import SharingService
from safeguarding.settings import Settings


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


def sharing_service(
    settings: Settings, store: Store, clock: Clock, banks: BankService
) -> SharingService:
    salt = settings.sharing_salt.get_secret_value() if settings.sharing_salt else None
    return SharingService(
        store, clock, banks, settings.sharing_name, salt, Trust(settings.sharing_default_trust)
    )


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


def policy_source(settings: Settings) -> str | None:
    """The first policy's YAML from ``policy_file``; None: the shipped default."""
    return settings.policy_file.read_text() if settings.policy_file else None


def webhook_sender(settings: Settings) -> HttpWebhookSender | None:
    """The signed webhook sender, when a URL is set (with its secret, and the previous one
    while receivers move over)."""
    if not settings.webhook_url:
        return None
    if settings.webhook_secret is None:
        raise InvalidInput("SAFEGUARDING_WEBHOOK_URL is set but SAFEGUARDING_WEBHOOK_SECRET is not")
    keys = [settings.webhook_secret, settings.webhook_secret_previous]
    return HttpWebhookSender(
        settings.webhook_url, [s.get_secret_value() for s in keys if s is not None]
    )
