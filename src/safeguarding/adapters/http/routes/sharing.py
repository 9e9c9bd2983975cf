"""Sharing signals (admin): export what this service confirmed; import a partner's list."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.banks import list_refused
from safeguarding.adapters.http.routes.common import problems, require_json
from safeguarding.adapters.http.services import Sharing
from safeguarding.detectors.media.hash_lists import HashListError
from safeguarding.domain.access import Principal
from safeguarding.domain.banks import BankVersion, Trust
from safeguarding.domain.errors import InvalidInput
from safeguarding.domain.permissions import Permission
from safeguarding.domain.sharing import PARTNER_HARMS
from safeguarding.services.sharing import ImportMode
from safeguarding.services.sharing_files import (
    AccountRow,
    PartnerSignal,
    ShareFormat,
    read_partner_file,
)

router = APIRouter(prefix="/v1/sharing", tags=["sharing signals"])
MAX_IMPORT_CHARS = 50_000_000  # the body limit bounds it first, as for bank imports
MEDIA_TYPES = {ShareFormat.CSV: "text/csv", ShareFormat.TEXT: "text/plain"}


class SignalsImport(BaseModel):
    """A partner's shared signals, in a form python-threatexchange writes (docs/sharing.md)."""

    model_config = ConfigDict(extra="forbid")

    partner: str = Field(min_length=1, max_length=40)
    format: ShareFormat = ShareFormat.CSV
    content: str = Field(max_length=MAX_IMPORT_CHARS)
    harm: str | None = Field(default=None, description="For rows that name none.")
    trust: Trust | None = Field(
        default=None, description="Set for all the partner's banks; else kept (new: the default)."
    )
    mode: ImportMode = ImportMode.ADD
    source: str = Field(min_length=1, max_length=400)


class SignalsImported(BaseModel):
    """What an import did: the partner's trust, each bank's new version, counts by harm."""

    partner: str
    trust: Trust
    versions: list[BankVersion]
    imported: dict[str, int]
    withdrawn: dict[str, int]
    skipped: dict[str, int]
    accounts: int = Field(description="Account signals the partner has stored after it.")


@router.get(
    "/export",
    responses={
        200: {"content": {"text/csv": {}, "text/plain": {}}},
        **problems(422),
    },
    response_class=Response,
    summary="What this service confirmed, as signals to share (admin; audited)",
)
def export_signals(
    sharing: Sharing,
    fmt: Annotated[ShareFormat, Query(alias="format")] = ShareFormat.CSV,
    since: datetime | None = None,
    principal: Principal = Depends(Allow(Permission.SHARE_SIGNALS)),
) -> Response:
    """Hashes, URLs and salted account signals of confirmed cases; never content."""
    if since is not None and since.tzinfo is None:
        raise InvalidInput.about("since", "since needs a time zone (2026-12-01T00:00:00Z)")
    made = sharing.export(fmt, principal.key_id, since)
    headers = {"X-Signals": str(sum(made.by_harm.values()))}
    return Response(made.content, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.post(
    "/import",
    response_model=SignalsImported,
    status_code=201,
    responses=problems(409, 413, 415, 422),
    summary="Import a partner's shared signals into its banks (admin; audited)",
)
def import_signals(
    sharing: Sharing,
    body: SignalsImport,
    principal: Principal = Depends(Allow(Permission.SHARE_SIGNALS)),
    _json: None = Depends(require_json),
) -> SignalsImported:
    """A file with one bad row is refused whole (422 naming the line): nothing is stored."""
    skipped: Counter[str] = Counter()
    accounts: list[AccountRow] = []
    signals = partner_signals(body, skipped, accounts)
    done = sharing.import_signals(
        body.partner,
        signals,
        mode=body.mode,
        source=body.source,
        actor=principal.key_id,
        trust=body.trust,
        skipped=dict(skipped),
        accounts=accounts,
    )
    return SignalsImported(**vars(done))


def partner_signals(
    body: SignalsImport, skipped: Counter[str], accounts: list[AccountRow]
) -> list[PartnerSignal]:
    if body.harm is not None and body.harm not in PARTNER_HARMS:
        raise InvalidInput.about("harm", f"unknown harm {body.harm!r}", PARTNER_HARMS)
    try:
        return read_partner_file(body.content, body.format, body.harm, skipped, accounts)
    except HashListError as exc:
        raise list_refused(exc) from None
