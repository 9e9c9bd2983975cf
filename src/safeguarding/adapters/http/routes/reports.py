"""Authority reports over HTTP: list, read a package, confirm (a moderator), submit.

Who reaches which report is decided by the reporting service (queue scope, information
requests, a confirmed case), so this API and the web UI answer alike.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import IdPath, problems
from safeguarding.adapters.http.services import Reporting
from safeguarding.domain.access import Principal
from safeguarding.domain.permissions import Permission
from safeguarding.domain.reports import ReportRecord, ReportSummary

router = APIRouter(prefix="/v1/reports", tags=["authority reports"])


@router.get(
    "",
    response_model=list[ReportSummary],
    summary="Drafted and sent reports: metadata only (a moderator sees the queues they work)",
)
def list_reports(
    reports: Reporting, principal: Principal = Depends(Allow(Permission.READ_REPORTS))
) -> list[ReportSummary]:
    return reports.list(principal)


@router.get(
    "/{authority}/{event_id}",
    responses=problems(403, 404, 422),
    summary=(
        "The report package as it would be sent (audited): an admin; a moderator of its "
        "queue; a regulator under an open information request naming the event"
    ),
)
def get_package(
    reports: Reporting,
    authority: str,
    event_id: IdPath,
    principal: Principal = Depends(Allow(Permission.READ_REPORTS)),
) -> dict[str, Any]:
    return reports.package(event_id, authority, principal)


@router.post(
    "/{authority}/{event_id}/confirm",
    response_model=ReportRecord,
    responses=problems(403, 404, 409, 422),
    summary="Confirm a drafted report once its case is confirmed (checked, then frozen)",
)
def confirm(
    reports: Reporting,
    authority: str,
    event_id: IdPath,
    principal: Principal = Depends(Allow(Permission.CONFIRM_REPORTS)),
) -> ReportRecord:
    return reports.confirm(event_id, authority, principal)


@router.post(
    "/{authority}/{event_id}/submit",
    response_model=ReportRecord,
    responses=problems(403, 404, 409, 422, 502),
    summary="Send a confirmed report",
)
def submit(
    reports: Reporting,
    authority: str,
    event_id: IdPath,
    principal: Principal = Depends(Allow(Permission.CONFIRM_REPORTS)),
) -> ReportRecord:
    return reports.submit(event_id, authority, principal)
