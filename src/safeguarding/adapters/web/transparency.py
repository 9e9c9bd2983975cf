"""The transparency report in the web UI, and its exports as downloads.

For admins, regulators and advocates. A regulator's every visit and download is recorded in
the audit log. Charts are drawn on the server and sent inline as SVG; downloads stream.
"""

from __future__ import annotations

import base64
from datetime import date, timedelta

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from markupsafe import Markup

from safeguarding.adapters.exports import FORMATS, filename
from safeguarding.adapters.http.services import Now, Transparency
from safeguarding.adapters.web.routes import Page, page
from safeguarding.domain.access import Principal
from safeguarding.domain.audit_actions import AuditSubject
from safeguarding.domain.errors import InvalidInput
from safeguarding.domain.permissions import Permission
from safeguarding.domain.transparency import Period, TransparencyReport
from safeguarding.services.auditor import Read

router = APIRouter(prefix="/ui", include_in_schema=False)
FROM = Query(None, alias="from", description="First day, YYYY-MM-DD.")
TO = Query(None, alias="to", description="Last day, included, YYYY-MM-DD.")


def period_of(first: str | None, last: str | None, today: date) -> Period:
    """The dates asked for; by default the twelve months up to and including today (so a
    fresh service shows what it has done so far, not a year of zeros)."""
    start = first or (today - timedelta(days=364)).isoformat()
    return Period.parse(start, last or today.isoformat())


def chart_images(report: TransparencyReport) -> tuple[Markup, Markup]:
    """The two charts as <img> elements holding their SVG as a data: URI.

    Not inline SVG: matplotlib colours each shape with a style attribute, and the UI's CSP
    (no inline styles) drops those, so inline every shape came out black."""
    # matplotlib takes a third of a second to import: load it when a chart is drawn.
    from safeguarding.adapters.exports.charts import harm_chart, time_chart

    def image(svg: bytes, alt: str) -> Markup:
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
        return Markup('<img src="{}" alt="{}">').format(uri, alt)

    return (
        image(harm_chart(report, "svg"), "Decisions that took action, per day, by harm"),
        image(time_chart(report, "svg"), "Median time from event to action, per day"),
    )


def _refused(request: Request, who: Principal, exc: InvalidInput) -> Response:
    return page(request, "pages/error.html", who, 422, title="Invalid dates", detail=exc.detail)


@router.get("/transparency")
def transparency_page(
    clock: Now,
    transparency: Transparency,
    request: Request,
    first: str | None = FROM,
    last: str | None = TO,
    who: Principal = Depends(Page(Permission.READ_TRANSPARENCY)),
) -> Response:
    try:
        period = period_of(first, last, clock.now().date())
    except InvalidInput as exc:
        return _refused(request, who, exc)
    report = transparency.report(period, Read(who, AuditSubject.transparency_of("ui", period)))
    harms, times = chart_images(report)
    dates = f"from={period.start.date()}&to={period.last_day}"
    return page(
        request,
        "pages/transparency.html",
        who,
        report=report,
        harms=harms,
        times=times,
        downloads=[(fmt, f"/ui/transparency/export?format={fmt}&{dates}") for fmt in FORMATS],
    )


@router.get("/transparency/export")
def transparency_export(
    clock: Now,
    transparency: Transparency,
    request: Request,
    fmt: str = Query("csv", alias="format", description="csv, dsa-csv, json, html or pdf."),
    first: str | None = FROM,
    last: str | None = TO,
    who: Principal = Depends(Page(Permission.READ_TRANSPARENCY)),
) -> Response:
    try:
        period = period_of(first, last, clock.now().date())
        export = FORMATS.get(fmt)
        if export is None:
            raise InvalidInput.about(
                "format",
                f"no export format {fmt!r}; choose one of {', '.join(FORMATS)}",
                [*FORMATS],
            )
    except InvalidInput as exc:
        return _refused(request, who, exc)
    read = Read(who, AuditSubject.transparency_of("ui", period, fmt))
    report = transparency.report(period, read)
    disposition = f'attachment; filename="{filename(report, fmt)}"'
    return StreamingResponse(
        export.write(report),
        media_type=export.media_type,
        headers={"Content-Disposition": disposition},
    )
