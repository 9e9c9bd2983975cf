"""The services routes and web pages use, handed out by FastAPI ``Depends`` providers.

A handler names what it needs (``banks: Banks``) and gets that service of the container
built at startup; no handler reads the container or the store itself, and a test can swap
one service with ``app.dependency_overrides[bank_service]``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from safeguarding.bootstrap import Container
from safeguarding.domain.ids import Clock
from safeguarding.services.banks import BankService
from safeguarding.services.case_view import CaseViewService
from safeguarding.services.complaints import ComplaintService, SuperComplaintService
from safeguarding.services.compliance import ComplianceService
from safeguarding.services.evidence import EvidenceService
from safeguarding.services.information_requests import InformationRequestService
from safeguarding.services.ingest import IngestService
from safeguarding.services.keys import KeyService
from safeguarding.services.media import MediaHashing
from safeguarding.services.policy import PolicyService
from safeguarding.services.reporting import ReportingService
from safeguarding.services.review import ReviewService
from safeguarding.services.risk import RiskService
from safeguarding.services.samples import DecisionSamples
from safeguarding.services.sessions import WebSessions
from safeguarding.services.sharing import SharingService
from safeguarding.services.streamed import StreamedIngest
from safeguarding.services.transparency import TransparencyService
from safeguarding.services.visibility import VisibilityService
from safeguarding.settings import Settings


def _built(request: Request) -> Container:
    return request.app.state.container  # type: ignore[no-any-return]


async def settings(request: Request) -> Settings:
    return _built(request).settings


async def clock(request: Request) -> Clock:
    return _built(request).clock


async def ingest_service(request: Request) -> IngestService:
    return _built(request).ingest


async def streamed_ingest(request: Request) -> StreamedIngest | None:
    """Distributed mode's queue to the workers; None when this process decides events itself."""
    return _built(request).streamed


async def bank_service(request: Request) -> BankService:
    return _built(request).banks


async def media_hashing(request: Request) -> MediaHashing:
    return _built(request).media


async def key_service(request: Request) -> KeyService:
    return _built(request).keys


async def web_sessions(request: Request) -> WebSessions:
    return _built(request).sessions


async def review_service(request: Request) -> ReviewService:
    return _built(request).review


async def case_view_service(request: Request) -> CaseViewService:
    return _built(request).case_views


async def evidence_service(request: Request) -> EvidenceService:
    return _built(request).evidence


async def reporting_service(request: Request) -> ReportingService:
    return _built(request).reports


async def policy_service(request: Request) -> PolicyService:
    return _built(request).policies


async def visibility_service(request: Request) -> VisibilityService:
    return _built(request).visibility


async def risk_service(request: Request) -> RiskService:
    return _built(request).risk


async def compliance_service(request: Request) -> ComplianceService:
    return _built(request).compliance


async def complaint_service(request: Request) -> ComplaintService:
    return _built(request).complaints


async def super_complaint_service(request: Request) -> SuperComplaintService:
    return _built(request).super_complaints


async def information_request_service(request: Request) -> InformationRequestService:
    return _built(request).information_requests


async def decision_samples(request: Request) -> DecisionSamples:
    return _built(request).samples


async def sharing_service(request: Request) -> SharingService:
    return _built(request).sharing


async def transparency_service(request: Request) -> TransparencyService:
    return _built(request).transparency


Config = Annotated[Settings, Depends(settings)]
Now = Annotated[Clock, Depends(clock)]
Ingest = Annotated[IngestService, Depends(ingest_service)]
Streamed = Annotated[StreamedIngest | None, Depends(streamed_ingest)]
Banks = Annotated[BankService, Depends(bank_service)]
Media = Annotated[MediaHashing, Depends(media_hashing)]
Keys = Annotated[KeyService, Depends(key_service)]
Sessions = Annotated[WebSessions, Depends(web_sessions)]
Review = Annotated[ReviewService, Depends(review_service)]
CaseViews = Annotated[CaseViewService, Depends(case_view_service)]
Evidence = Annotated[EvidenceService, Depends(evidence_service)]
Reporting = Annotated[ReportingService, Depends(reporting_service)]
Policies = Annotated[PolicyService, Depends(policy_service)]
Visibility = Annotated[VisibilityService, Depends(visibility_service)]
Risk = Annotated[RiskService, Depends(risk_service)]
Compliance = Annotated[ComplianceService, Depends(compliance_service)]
Complaints = Annotated[ComplaintService, Depends(complaint_service)]
SuperComplaints = Annotated[SuperComplaintService, Depends(super_complaint_service)]
InformationRequests = Annotated[InformationRequestService, Depends(information_request_service)]
Samples = Annotated[DecisionSamples, Depends(decision_samples)]
Sharing = Annotated[SharingService, Depends(sharing_service)]
Transparency = Annotated[TransparencyService, Depends(transparency_service)]
