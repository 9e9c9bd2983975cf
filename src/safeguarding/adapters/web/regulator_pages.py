"""The risk assessment and compliance pages, for admins and the regulator.

A regulator's visit is recorded in the audit log; an admin may also assess again from here.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from safeguarding.adapters.http.services import Compliance, Risk
from safeguarding.adapters.web.routes import Page, page
from safeguarding.domain.access import Principal
from safeguarding.domain.audit_actions import AuditSubject
from safeguarding.domain.permissions import Permission
from safeguarding.services.auditor import Read
from safeguarding.services.risk import document_name, markdown

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/risk")
def risk_page(
    risk: Risk,
    request: Request,
    who: Principal = Depends(Page(Permission.READ_RISK_ASSESSMENT)),
) -> Response:
    status = risk.status(Read(who, AuditSubject.page("risk")))
    return page(
        request,
        "pages/risk.html",
        who,
        review=status,  # not "status": page() takes that as the HTTP status
        assessment=status.assessment,
        history=risk.history(20),
    )


@router.post("/risk/assess")
def risk_assess(risk: Risk, who: Principal = Depends(Page(Permission.ASSESS_RISK))) -> Response:
    risk.assess(who.audit_name)
    return RedirectResponse("/ui/risk", status_code=303)


@router.get("/risk/document")
def risk_document(
    risk: Risk,
    who: Principal = Depends(Page(Permission.READ_RISK_ASSESSMENT)),
) -> Response:
    status = risk.status(Read(who, AuditSubject.page("risk.export")))
    if status.assessment is None:
        return RedirectResponse("/ui/risk", status_code=303)
    body = markdown(status.assessment, status.current_policy_version)
    name = document_name(status.assessment)
    return Response(
        body,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/compliance")
def compliance_page(
    compliance: Compliance,
    request: Request,
    who: Principal = Depends(Page(Permission.READ_COMPLIANCE)),
) -> Response:
    checklist = compliance.checklist(Read(who, AuditSubject.page("compliance")))
    return page(request, "pages/compliance.html", who, checklist=checklist)
