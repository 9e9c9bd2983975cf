"""The regulator's portal and the advocacy bodies' pages.

The regulator reads: the policy and its history, anonymised samples of decisions,
complaints and super-complaints, and its own formal information requests, which it files and
follows here. Every page it opens is in the audit log. An advocacy body files
super-complaints with evidence and follows their status and the service's response.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from safeguarding.adapters.http.routes.complaints import file_response
from safeguarding.adapters.http.services import (
    Complaints,
    InformationRequests,
    Now,
    Policies,
    Review,
    Samples,
    SuperComplaints,
    Transparency,
)
from safeguarding.adapters.web.routes import Page, page, policy_page, refused
from safeguarding.adapters.web.transparency import chart_images
from safeguarding.domain.access import Principal
from safeguarding.domain.audit_actions import AuditSubject
from safeguarding.domain.complaints import SuperComplaintStatus
from safeguarding.domain.errors import InvalidInput, SafeguardingError
from safeguarding.domain.permissions import Permission
from safeguarding.domain.transparency import Period
from safeguarding.services.auditor import Read
from safeguarding.services.complaints import MAX_FILE_BYTES, EvidenceFile

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/regulator")
def regulator_overview(
    clock: Now,
    information_requests: InformationRequests,
    policies: Policies,
    review: Review,
    transparency: Transparency,
    request: Request,
    who: Principal = Depends(Page(Permission.VIEW_REGULATOR_PORTAL)),
) -> Response:
    today = clock.now().date()
    recent = Period.parse((today - timedelta(days=90)).isoformat(), today.isoformat())
    harms, times = chart_images(transparency.report(recent))
    return page(
        request,
        "pages/regulator.html",
        who,
        counts=review.counts(Read(who, AuditSubject.page("overview"))),
        policy=policies.current_readonly(),
        requests=information_requests.list(who)[:5],
        harms=harms,
        times=times,
        recent=recent,
    )


@router.get("/regulator/policy")
def regulator_policy(
    policies: Policies,
    request: Request,
    who: Principal = Depends(Page(Permission.VIEW_REGULATOR_PORTAL)),
) -> Response:
    return policy_page(request, who, policies, Read(who, AuditSubject.page("policy")))


@router.get("/regulator/samples")
def regulator_samples(
    samples: Samples,
    request: Request,
    n: int = 20,
    days: int = 90,
    who: Principal = Depends(Page(Permission.VIEW_REGULATOR_PORTAL)),
) -> Response:
    try:
        drawn = samples.sample(who, n, days)
    except SafeguardingError as exc:
        return refused(request, who, exc)
    return page(request, "pages/samples.html", who, samples=drawn, n=n, days=days)


@router.get("/regulator/requests")
def regulator_requests(
    information_requests: InformationRequests,
    sampler: Samples,
    request: Request,
    samples: str = "",
    who: Principal = Depends(Page(Permission.VIEW_REGULATOR_PORTAL)),
) -> Response:
    """The regulator's requests, and the form to file one (``samples`` fills in the sampled
    decisions it names, from the samples page's "ask about it" links)."""
    found = information_requests.list(who)
    return page(
        request,
        "pages/information_requests.html",
        who,
        requests=found,
        sampled=" ".join(_words(samples)),
        pseudonym=lambda event_id: sampler.pseudonym("event", event_id),
    )


@router.post("/regulator/requests")
def regulator_file_request(
    information_requests: InformationRequests,
    request: Request,
    question: str = Form(""),
    legal_basis: str = Form(""),
    deadline: str = Form(""),
    event_ids: str = Form(""),
    samples: str = Form(""),
    who: Principal = Depends(Page(Permission.FILE_INFORMATION_REQUEST)),
) -> Response:
    try:
        information_requests.file(
            who, question, legal_basis, _end_of_day(deadline), _words(event_ids), _words(samples)
        )
    except SafeguardingError as exc:
        return refused(request, who, exc)
    return RedirectResponse("/ui/regulator/requests", status_code=303)


@router.get("/regulator/requests/{request_id}/files/{attachment_id}")
def regulator_request_file(
    information_requests: InformationRequests,
    request_id: str,
    attachment_id: str,
    request: Request,
    who: Principal = Depends(Page(Permission.VIEW_REGULATOR_PORTAL)),
) -> Response:
    service = information_requests
    try:
        attachment, content = service.file_content(request_id, attachment_id, who)
    except SafeguardingError as exc:
        return refused(request, who, exc)
    return file_response(attachment, content)


def _words(field: str) -> tuple[str, ...]:
    """The ids in a form field, separated by spaces or commas."""
    return tuple(field.replace(",", " ").split())


def _end_of_day(value: str) -> datetime:
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(f"the deadline {value!r} is not a date (YYYY-MM-DD)") from None
    return datetime.combine(day, time(23, 59), tzinfo=UTC)


@router.get("/regulator/complaints")
def regulator_complaints(
    clock: Now,
    complaints: Complaints,
    super_complaints: SuperComplaints,
    request: Request,
    who: Principal = Depends(Page(Permission.VIEW_REGULATOR_PORTAL)),
) -> Response:
    return page(
        request,
        "pages/complaints.html",
        who,
        complaints=complaints.list(who),
        supers=super_complaints.list(who),
        now=clock.now(),
    )


@router.get("/advocate")
def advocate_overview(
    policies: Policies,
    review: Review,
    super_complaints: SuperComplaints,
    request: Request,
    who: Principal = Depends(Page(Permission.VIEW_ADVOCATE_PORTAL)),
) -> Response:
    return page(
        request,
        "pages/advocate.html",
        who,
        counts=review.counts(),
        policy=policies.current_readonly(),
        supers=super_complaints.list(who),
    )


@router.post("/advocate/super-complaints")
async def advocate_file(
    super_complaints: SuperComplaints,
    request: Request,
    title: str = Form(""),
    description: str = Form(""),
    harms: str = Form(""),
    files: list[UploadFile] = File(default=[]),
    who: Principal = Depends(Page(Permission.FILE_SUPER_COMPLAINT)),
) -> Response:
    try:
        evidence = [await _evidence(f) for f in files if f.filename]
        super_complaints.file(
            who, title, description, [h for h in harms.replace(",", " ").split() if h], evidence
        )
    except SafeguardingError as exc:
        return refused(request, who, exc)
    return RedirectResponse("/ui/advocate", status_code=303)


async def _evidence(upload: UploadFile) -> EvidenceFile:
    content = await upload.read(MAX_FILE_BYTES + 1)
    kind = upload.content_type or "application/octet-stream"
    return EvidenceFile(upload.filename or "evidence", kind, content)


@router.get("/admin/requests")
def admin_requests(
    information_requests: InformationRequests,
    super_complaints: SuperComplaints,
    request: Request,
    who: Principal = Depends(Page(Permission.ANSWER_INFORMATION_REQUEST)),
) -> Response:
    """Admins answer the regulator's requests and the advocacy bodies' super-complaints."""
    return page(
        request,
        "pages/admin_requests.html",
        who,
        requests=information_requests.list(who),
        supers=super_complaints.list(who),
    )


@router.post("/admin/requests/{request_id}/answer")
async def admin_answer(
    information_requests: InformationRequests,
    request_id: str,
    request: Request,
    response: str = Form(""),
    files: list[UploadFile] = File(default=[]),
    who: Principal = Depends(Page(Permission.ANSWER_INFORMATION_REQUEST)),
) -> Response:
    try:
        sent = [await _evidence(f) for f in files if f.filename]
        information_requests.answer(request_id, response, who, sent)
    except SafeguardingError as exc:
        return refused(request, who, exc)
    return RedirectResponse("/ui/admin/requests", status_code=303)


@router.post("/admin/super-complaints/{super_complaint_id}/response")
def admin_respond(
    super_complaints: SuperComplaints,
    super_complaint_id: str,
    request: Request,
    status: str = Form(""),
    response: str = Form(""),
    who: Principal = Depends(Page(Permission.RESPOND_SUPER_COMPLAINT)),
) -> Response:
    service = super_complaints
    try:
        if status not in {s.value for s in SuperComplaintStatus}:
            raise InvalidInput("choose under_review or responded")
        service.respond(super_complaint_id, SuperComplaintStatus(status), response, who)
    except SafeguardingError as exc:
        return refused(request, who, exc)
    return RedirectResponse("/ui/admin/requests", status_code=303)
