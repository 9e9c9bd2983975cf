"""The moderator's case page: the case's story, its evidence behind blur, and the decision.

Every action is a plain form POST answered with a redirect (so the page works without
JavaScript); htmx swaps in a revealed image in place, and ``review.js`` adds keyboard
shortcuts. Services do the checking and the auditing; refusals render the error page with
the status the API would give.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape

from safeguarding.adapters.http.services import CaseViews, Now, Reporting, Review
from safeguarding.adapters.web import media
from safeguarding.adapters.web.routes import Page, page, refused, templates
from safeguarding.domain.access import Principal
from safeguarding.domain.cases import CLAIMABLE, CaseDecision, Outcome, reasons_for
from safeguarding.domain.errors import InvalidInput, SafeguardingError
from safeguarding.domain.events import MediaEvent
from safeguarding.domain.permissions import Permission
from safeguarding.domain.signals import Signal
from safeguarding.services.case_view import CaseView

router = APIRouter(prefix="/ui", include_in_schema=False)
REVIEWING = Depends(Page(Permission.REVIEW_CASES))


def marked(text: str, spans: tuple[tuple[int, int], ...]) -> Markup:
    """The text, escaped, with each cue span that fired wrapped in <mark>."""
    out, at = [], 0
    for start, end in spans:
        if start < at or end > len(text):
            continue  # overlapping or stale spans are skipped rather than mangled
        out += [escape(text[at:start]), Markup("<mark>"), escape(text[start:end])]
        out.append(Markup("</mark>"))
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


BAND_LABELS = {"under_13": "under 13", "13_15": "13 to 15", "16_17": "16 to 17"}

templates.env.filters["marked"] = marked
templates.env.filters["band"] = lambda band: BAND_LABELS.get(str(band), str(band))


def _acting(
    request: Request, who: Principal, action: Callable[[Principal], Any], case_id: str
) -> Response:
    """Run one reviewer action and go back to the case page, or show why it was refused."""
    try:
        action(who)
    except SafeguardingError as exc:
        return refused(request, who, exc)
    return RedirectResponse(f"/ui/cases/{case_id}", status_code=303)


@router.get("/cases/{case_id}")
def case_page(
    case_views: CaseViews, case_id: str, request: Request, who: Principal = REVIEWING
) -> Response:
    try:
        view = case_views.view(case_id, who)
    except SafeguardingError as exc:
        return refused(request, who, exc)
    return page(
        request,
        "pages/case.html",
        who,
        view=view,
        previews=_previews(view),
        signal_rows=signal_rows(view.signals),
        reasons={o.value: codes for o, codes in reasons_for(view.case.queue).items()},
        claimable=view.case.status in CLAIMABLE,
        exposures=case_views.exposures([who.audit_name]).get(who.audit_name, 0),
    )


@dataclass(frozen=True)
class SignalRow:
    """One finding on the case page: the strongest signal of a detector and kind (the latest
    of equals, whose explanation counts the most), how often it fired, what it cited."""

    signal: Signal
    times: int
    event_ids: tuple[str, ...]


def signal_rows(signals: tuple[Signal, ...]) -> list[SignalRow]:
    """One row per detector and kind: a long conversation otherwise lists the same finding
    once per message, and the table buries the case under it."""
    groups: dict[tuple[str, str], list[Signal]] = {}
    for signal in signals:
        groups.setdefault((signal.detector, signal.kind), []).append(signal)
    rows = []
    for found in groups.values():
        strongest = max(reversed(found), key=lambda s: s.score)  # the latest of equals
        cited = dict.fromkeys(e for s in found for e in s.evidence.event_ids)
        rows.append(SignalRow(strongest, len(found), tuple(cited)))
    return sorted(rows, key=lambda r: -r.signal.score)


def _previews(view: CaseView) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for item in view.media:
        event = item.event
        assert isinstance(event, MediaEvent)
        content = event.content()
        found[event.event_id] = media.preview_uri(content, event.media_kind) if content else None
    return found


@router.post("/cases/{case_id}/claim")
def claim(review: Review, case_id: str, request: Request, who: Principal = REVIEWING) -> Response:
    return _acting(request, who, lambda by: review.claim(case_id, by), case_id)


@router.post("/cases/{case_id}/release")
def release(review: Review, case_id: str, request: Request, who: Principal = REVIEWING) -> Response:
    return _acting(request, who, lambda by: review.release(case_id, by), case_id)


@router.post("/cases/{case_id}/decision")
def decide(
    clock: Now,
    review: Review,
    case_id: str,
    request: Request,
    outcome: str = Form(""),
    reason_code: str = Form(""),
    note: str = Form(""),
    who: Principal = REVIEWING,
) -> Response:
    def act(who: Principal) -> None:
        if outcome not in {o.value for o in Outcome}:
            raise InvalidInput("choose an outcome: confirm, dismiss or escalate")
        decision = CaseDecision(
            case_id=case_id,
            outcome=Outcome(outcome),
            reason_code=reason_code,
            note=note.strip()[:2000],
            by=who.audit_name,
            at=clock.now(),
        )
        review.decide(decision, who)

    return _acting(request, who, act, case_id)


@router.post("/cases/{case_id}/reports/{authority}/{event_id}/confirm")
def confirm_report(
    reports: Reporting,
    case_id: str,
    authority: str,
    event_id: str,
    request: Request,
    who: Principal = Depends(Page(Permission.CONFIRM_REPORTS)),
) -> Response:
    """A moderator confirms a drafted report of a confirmed case; submission follows.

    The reporting service decides (queue scope, a confirmed case), as it does for the API."""
    return _acting(request, who, lambda by: reports.confirm(event_id, authority, by), case_id)


@router.post("/cases/{case_id}/reveal/{event_id}")
def reveal(
    case_views: CaseViews, case_id: str, event_id: str, request: Request, who: Principal = REVIEWING
) -> Response:
    """One image in the clear, swapped in by htmx; the service audits it as an exposure."""
    try:
        event = case_views.reveal(case_id, event_id, who)
    except SafeguardingError as exc:
        return refused(request, who, exc)
    content = event.content()
    uri = media.revealed_uri(content, event.media_kind) if content else None
    count = case_views.exposures([who.audit_name]).get(who.audit_name, 0)
    return page(
        request, "components/revealed.html", who, event_id=event_id, uri=uri, exposures=count
    )


@router.get("/exposures")
def exposures(
    case_views: CaseViews,
    request: Request,
    who: Principal = Depends(Page(Permission.READ_EXPOSURES)),
) -> Response:
    """Every moderator's count of revealed images, for admins looking after their team."""
    counts = case_views.exposures()
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return page(request, "pages/exposures.html", who, rows=rows)
