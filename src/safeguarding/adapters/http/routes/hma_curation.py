"""Hasher-Matcher-Actioner 2.x curation (``/c``) over our banks.

The same rules as ``/v1/banks``: admins change banks, admins and regulators read them (a
regulator's read is audited), and every change goes through the bank service, so it is one
transaction with an audit record and a new bank version. Bank configs carry HMA's keys
(``name``, ``matching_enabled_ratio``) and ours as extensions (``kind``, ``harm``,
``description``, ``pdq_threshold``, ``vpdq_match_percent``). A content id is one of our bank
entries, that is, one hash: adding several signals at once answers the first id, and every
id in ``ids``.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.banks import checked
from safeguarding.adapters.http.routes.common import BankNamePath, problems, require_json
from safeguarding.adapters.http.routes.hma import (
    HMA_NAME,
    MULTIPART_BODY,
    SIGNAL_TYPES,
    TYPES,
    bad_request,
    hashed_upload,
    json_object,
    signals_of,
)
from safeguarding.adapters.http.services import Banks, Media, Now
from safeguarding.domain.access import Principal
from safeguarding.domain.audit_actions import AuditSubject, Listing
from safeguarding.domain.banks import Bank, BankHarm, BankKind, HashType, ImportMode
from safeguarding.domain.errors import Conflict, NotFound
from safeguarding.domain.permissions import Permission
from safeguarding.services.auditor import Read
from safeguarding.services.banks import BankService

curation = APIRouter(prefix="/c", tags=["HMA compatible"])
CONTENT_ID = Annotated[int, Path(ge=1)]
MAX_NOTE = 255


class CurationBankCreate(BaseModel):
    """HMA's bank creation, with our bank settings as optional extensions."""

    model_config = ConfigDict(extra="forbid")

    name: str
    enabled_ratio: float | None = None
    enabled: bool | None = None
    kind: BankKind = BankKind.BLOCK
    harm: BankHarm = BankHarm.ABUSE_IMAGERY
    description: str = ""
    pdq_threshold: int | None = None
    vpdq_match_percent: float | None = None


class CurationBankUpdate(BaseModel):
    """HMA's bank update (no renaming here), with our settings as extensions."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    enabled_ratio: float | None = None
    enabled: bool | None = None
    harm: BankHarm | None = None
    description: str | None = None
    pdq_threshold: int | None = None
    vpdq_match_percent: float | None = None


def bank_config(bank: Bank) -> dict[str, Any]:
    """A bank as HMA shows one, with our settings beside HMA's two keys."""
    return {
        "name": bank.name,
        "matching_enabled_ratio": 1.0 if bank.enabled else 0.0,
        "kind": bank.kind.value,
        "harm": bank.harm.value,
        "description": bank.description,
        "pdq_threshold": bank.pdq_threshold,
        "vpdq_match_percent": bank.vpdq_match_percent,
    }


def enabled_from(enabled: bool | None, ratio: float | None) -> bool | None:
    """HMA's ``enabled_ratio`` wins over ``enabled``; a bank here matches fully or not at all."""
    if ratio is None:
        return enabled
    if ratio not in (0, 1):
        raise bad_request("enabled_ratio: a bank here is enabled (1) or disabled (0), no share")
    return ratio == 1


@curation.get("/banks", responses=problems(), summary="Every bank (HMA compatible)")
def list_banks(
    banks: Banks, principal: Principal = Depends(Allow(Permission.READ_BANKS))
) -> list[dict[str, Any]]:
    read = Read(principal, AuditSubject.of(Listing.BANKS))
    return [bank_config(bank) for bank, _ in banks.list(read)]


@curation.post(
    "/banks",
    status_code=201,
    responses=problems(400, 415),
    summary="Create a bank (HMA compatible; admin; audited)",
)
def create_bank(
    banks: Banks,
    clock: Now,
    body: CurationBankCreate,
    principal: Principal = Depends(Allow(Permission.CHANGE_BANKS)),
    _json: None = Depends(require_json),
) -> dict[str, Any]:
    """HMA answers 403 for a name in use, and so does this."""
    fields = body.model_dump(exclude_none=True, exclude={"enabled_ratio", "enabled"})
    enabled = enabled_from(body.enabled, body.enabled_ratio)
    fields["enabled"] = True if enabled is None else enabled
    bank = checked(lambda: Bank(**fields, created_at=clock.now()))
    try:
        return bank_config(banks.create(bank, actor=principal.key_id))
    except Conflict:
        raise HTTPException(403, "Bank already exists") from None


@curation.get("/bank/{bank_name}", responses=problems(400, 404), summary="A bank (HMA compatible)")
def get_bank(
    banks: Banks,
    bank_name: BankNamePath,
    principal: Principal = Depends(Allow(Permission.READ_BANKS)),
) -> dict[str, Any]:
    bank, _ = banks.get(bank_name, Read(principal, AuditSubject.bank_read(bank_name)))
    return bank_config(bank)


@curation.put(
    "/bank/{bank_name}",
    responses=problems(400, 404, 415),
    summary="Enable, disable or retune a bank (HMA compatible; admin; audited)",
)
def update_bank(
    banks: Banks,
    bank_name: BankNamePath,
    body: CurationBankUpdate,
    principal: Principal = Depends(Allow(Permission.CHANGE_BANKS)),
    _json: None = Depends(require_json),
) -> dict[str, Any]:
    if body.name is not None and body.name != bank_name:
        raise bad_request("renaming a bank is not supported; create a new bank and import")
    changes = body.model_dump(exclude_none=True, exclude={"name", "enabled_ratio", "enabled"})
    enabled = enabled_from(body.enabled, body.enabled_ratio)
    if enabled is not None:
        changes["enabled"] = enabled
    return bank_config(checked(lambda: banks.update(bank_name, changes, principal.key_id)))


@curation.delete(
    "/bank/{bank_name}", responses=problems(400), summary="Delete a bank (HMA compatible; admin)"
)
def delete_bank(
    banks: Banks,
    bank_name: BankNamePath,
    principal: Principal = Depends(Allow(Permission.CHANGE_BANKS)),
) -> dict[str, Any]:
    """As in HMA, deleting a bank that does not exist is done already."""
    with suppress(NotFound):
        banks.delete(bank_name, actor=principal.key_id)
    return {"message": "Done"}


@curation.get(
    "/bank/{bank_name}/content/{content_id}",
    responses=problems(400, 404),
    summary="One banked hash (HMA compatible)",
)
def get_content(
    banks: Banks,
    bank_name: BankNamePath,
    content_id: CONTENT_ID,
    include_signals: bool = False,
    principal: Principal = Depends(Allow(Permission.READ_BANKS)),
) -> dict[str, Any]:
    """A vPDQ signal is given as its frame hashes joined by commas (the bank keeps no
    frame qualities or times); lookups take it as it is."""
    read = Read(principal, AuditSubject.bank_read(bank_name))
    return content_of(banks, bank_name, content_id, include_signals, read)


def content_of(
    banks: BankService, bank_name: str, content_id: int, signals: bool, read: Read | None = None
) -> dict[str, Any]:
    """One banked hash as HMA shows a content item."""
    bank, entry, disable_until_ts = banks.entry(bank_name, content_id, read)
    found: dict[str, Any] = {
        "id": entry.entry_id,
        "disable_until_ts": disable_until_ts,
        "original_media_uri": None,
        "bank": {"name": bank.name, "matching_enabled_ratio": 1.0 if bank.enabled else 0.0},
    }
    if signals:
        # A URL entry (no HMA signal type of ours) goes by our name: python-threatexchange's too.
        found["signals"] = {HMA_NAME.get(entry.hash_type, entry.hash_type.value): entry.value}
    return found


class ContentUpdate(BaseModel):
    """HMA's content update: switch the entry off (0), on (1), or off until a unix time."""

    model_config = ConfigDict(extra="forbid")

    disable_until_ts: int | None = None
    note: str | None = None


@curation.put(
    "/bank/{bank_name}/content/{content_id}",
    responses=problems(400, 404, 415),
    summary="Switch one banked hash off or on (HMA compatible; admin; audited)",
)
def update_content(
    banks: Banks,
    bank_name: BankNamePath,
    content_id: CONTENT_ID,
    body: ContentUpdate,
    principal: Principal = Depends(Allow(Permission.CHANGE_BANKS)),
    _json: None = Depends(require_json),
) -> dict[str, Any]:
    """``disable_until_ts``: 0 never matches, 1 matches, a later unix time (within five years)
    matches again from then. Notes are taken and not kept."""
    valid_note(body.note)
    if body.disable_until_ts is not None:
        banks.switch_entry(bank_name, content_id, body.disable_until_ts, principal.key_id)
    return content_of(banks, bank_name, content_id, False)


@curation.delete(
    "/bank/{bank_name}/content/{content_id}",
    responses=problems(400, 404),
    summary="Take one hash out of a bank (HMA compatible; admin; audited)",
)
def delete_content(
    banks: Banks,
    bank_name: BankNamePath,
    content_id: CONTENT_ID,
    principal: Principal = Depends(Allow(Permission.CHANGE_BANKS)),
) -> dict[str, int]:
    removed = banks.remove_entry(bank_name, content_id, principal.key_id)
    return {"deleted": 0 if removed is None else 1}


@curation.post(
    "/bank/{bank_name}/signal",
    responses=problems(400, 404, 415),
    summary="Add hashes to a bank, as {signal_type: hash} (HMA compatible; admin; audited)",
)
async def add_signals(
    banks: Banks,
    bank_name: BankNamePath,
    request: Request,
    principal: Principal = Depends(Allow(Permission.CHANGE_BANKS)),
    _json: None = Depends(require_json),
) -> dict[str, Any]:
    body = await json_object(request, '{"pdq": "<hash>"}')
    note = valid_note(body.pop("note", None))
    return await run_in_threadpool(banked, banks, bank_name, body, note, principal)


@curation.post(
    "/bank/{bank_name}/content",
    responses=problems(400, 404, 413, 415, 422),
    openapi_extra=MULTIPART_BODY,
    summary="Hash an uploaded file into a bank (HMA compatible; admin; audited)",
)
async def add_file(
    banks: Banks,
    media: Media,
    bank_name: BankNamePath,
    request: Request,
    types: TYPES = None,
    url: Annotated[str | None, Query(max_length=2000)] = None,
    principal: Principal = Depends(Allow(Permission.CHANGE_BANKS)),
) -> dict[str, Any]:
    """The file in a field named photo or video; ``types`` picks the signal types banked."""
    if url is not None:
        raise bad_request("this service never fetches URLs; upload the file instead")
    banks.get(bank_name)  # 404 before the upload is hashed
    found, wanted = await hashed_upload(request, media, types)
    signals: dict[str, Any] = dict(signals_of(found, wanted))
    return await run_in_threadpool(banked, banks, bank_name, signals, None, principal)


def valid_note(note: Any) -> str | None:
    if note is None or note == "":
        return None
    if not isinstance(note, str):
        raise bad_request("note should be a string")
    if len(note) > MAX_NOTE:
        raise bad_request(f"note must be at most {MAX_NOTE} characters")
    return note


def parsed_signals(signals: dict[str, Any]) -> list[tuple[str, HashType, str]]:
    """Each ``signal_type: hash`` as (name, type, canonical value); 400 for the first bad one."""
    if not signals:
        raise bad_request("No signals given")
    found = []
    for name, value in signals.items():
        kind = SIGNAL_TYPES.get(name)
        if kind is None:
            raise bad_request(f"No such signal type {name}")
        if not isinstance(value, str):
            raise bad_request(f"Invalid {name} signal: a hash is a string")
        try:
            found.append((name, kind, kind.normalise(value)))
        except ValueError as exc:
            raise bad_request(f"Invalid {name} signal: {exc}") from None
    return found


def banked(
    banks: BankService,
    bank_name: str,
    signals: dict[str, Any],
    note: str | None,
    principal: Principal,
) -> dict[str, Any]:
    """Import the signals as one new version; HMA's ``{id, signals}`` and every id by type."""
    parsed = parsed_signals(signals)
    hashes = [(kind, value) for _, kind, value in parsed]
    source = f"curation API: {note}" if note else "curation API"
    banks.import_hashes(
        bank_name, hashes, source=source, licence="", actor=principal.key_id, mode=ImportMode.ADD
    )
    ids = banks.entry_ids(bank_name, hashes)
    return {
        "id": ids[0],
        "signals": {name: value for name, _, value in parsed},
        "ids": {name: at for (name, _, _), at in zip(parsed, ids, strict=True)},
    }
