"""Hash banks (admin): create, change, import into, roll back; admins and regulators read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import BankNamePath, problems, require_json
from safeguarding.adapters.http.services import Banks, Now
from safeguarding.detectors.media.hash_lists import (
    HashListError,
    ListFormat,
    hash_type_named,
    read_hash_list,
)
from safeguarding.domain.access import Principal
from safeguarding.domain.audit_actions import AuditSubject, Listing
from safeguarding.domain.banks import (
    Bank,
    BankHarm,
    BankKind,
    BankVersion,
    HashType,
    ImportMode,
    Trust,
)
from safeguarding.domain.errors import FieldError, InvalidInput
from safeguarding.domain.permissions import Permission
from safeguarding.services.auditor import Read
from safeguarding.services.banks import BankService

router = APIRouter(prefix="/v1/banks", tags=["hash banks"])
MAX_IMPORT_CHARS = 50_000_000  # the body limit bounds it first; this stops a raised limit
_T = TypeVar("_T")


class BankCreate(BaseModel):
    """A new bank; what is left out takes the defaults shown."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: BankKind = BankKind.BLOCK
    harm: BankHarm = Field(
        default=BankHarm.ABUSE_IMAGERY,
        description="What its entries are known for: picks the case queue, the default rules "
        "and whether an authority report is drafted (docs/banks.md#harms).",
    )
    description: str = ""
    enabled: bool = True
    pdq_threshold: int | None = None
    vpdq_match_percent: float | None = None


class BankPatch(BaseModel):
    """The settings of a bank that can change; only those sent change."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    description: str | None = None
    harm: BankHarm | None = None
    pdq_threshold: int | None = None
    vpdq_match_percent: float | None = None


class BankOut(BaseModel):
    """A bank, its settings, its live version and its live hashes by type."""

    name: str
    kind: BankKind
    harm: BankHarm
    description: str
    enabled: bool
    pdq_threshold: int
    vpdq_match_percent: float
    created_at: datetime
    version: int
    counts: dict[str, int]
    partner: str | None = None  # who shared what it holds (docs/sharing.md); None: our own
    trust: Trust | None = None


class BankDetail(BankOut):
    """A bank with every version it has had, oldest first."""

    versions: list[BankVersion]


class BankImport(BaseModel):
    """A hash list to import, in one of the formats of ``read_hash_list``."""

    model_config = ConfigDict(extra="forbid")

    format: ListFormat
    hash_type: str | None = Field(default=None, description="Needed for text lists.")
    content: str = Field(max_length=MAX_IMPORT_CHARS)
    source: str = Field(min_length=1, max_length=500)
    licence: str = Field(default="", max_length=2000)
    mode: ImportMode = ImportMode.ADD
    skip_unsupported: bool = Field(
        default=False,
        description="Leave out (and count) entries of types no bank holds, such as URLs and "
        "trend queries in a ThreatExchange export, instead of refusing the list.",
    )


class BankImported(BankVersion):
    """The version an import made, and what it left out by type (``skip_unsupported``)."""

    skipped: dict[str, int] = Field(default_factory=dict)


class BankRollback(BaseModel):
    """The version whose content the bank goes back to."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)


class BankDeleted(BaseModel):
    """What a delete removed."""

    deleted: str
    hashes: int


def bank_out(bank: Bank, counts: dict[str, int]) -> BankOut:
    return BankOut(**bank.model_dump(), counts=counts)


def checked(make: Callable[[], _T]) -> _T:
    """Run ``make``; a model's ValidationError becomes a 422 naming each field."""
    try:
        return make()
    except ValidationError as exc:
        found = [FieldError(tuple(e["loc"]), e["msg"]) for e in exc.errors()]
        first = found[0]
        where = ".".join(str(p) for p in first.location)
        raise InvalidInput(f"{where}: {first.message}", found) from None


def _counts(banks: BankService, name: str) -> dict[str, int]:
    """One bank's live hashes by type (the service counts them per bank in ``list``)."""
    for bank, counts in banks.list():
        if bank.name == name:
            return counts
    return {t.value: 0 for t in HashType}


@router.get("", response_model=list[BankOut], responses=problems(), summary="Every hash bank")
def list_banks(
    banks: Banks, principal: Principal = Depends(Allow(Permission.READ_BANKS))
) -> list[BankOut]:
    read = Read(principal, AuditSubject.of(Listing.BANKS))
    return [bank_out(bank, counts) for bank, counts in banks.list(read)]


@router.post(
    "",
    response_model=BankOut,
    status_code=201,
    responses=problems(409, 415, 422),
    summary="Create a hash bank (admin; audited)",
)
def create_bank(
    banks: Banks,
    clock: Now,
    body: BankCreate,
    principal: Principal = Depends(Allow(Permission.CHANGE_BANKS)),
    _json: None = Depends(require_json),
) -> BankOut:
    fields = body.model_dump(exclude_none=True)
    bank = checked(lambda: Bank(**fields, created_at=clock.now()))
    made = banks.create(bank, actor=principal.key_id)
    return bank_out(made, {t.value: 0 for t in HashType})


@router.get(
    "/{name}",
    response_model=BankDetail,
    responses=problems(404),
    summary="A hash bank and its versions",
)
def get_bank(
    banks: Banks,
    name: BankNamePath,
    principal: Principal = Depends(Allow(Permission.READ_BANKS)),
) -> BankDetail:
    bank, versions = banks.get(name, Read(principal, AuditSubject.bank_read(name)))
    return BankDetail(**bank_out(bank, _counts(banks, name)).model_dump(), versions=versions)


@router.patch(
    "/{name}",
    response_model=BankOut,
    responses=problems(404, 415, 422),
    summary="Enable, disable, retune or change the harm of a hash bank (admin; audited)",
)
def patch_bank(
    banks: Banks,
    name: BankNamePath,
    body: BankPatch,
    principal: Principal = Depends(Allow(Permission.CHANGE_BANKS)),
    _json: None = Depends(require_json),
) -> BankOut:
    changes = body.model_dump(exclude_unset=True)
    changed = checked(lambda: banks.update(name, changes, actor=principal.key_id))
    return bank_out(changed, _counts(banks, name))


@router.delete(
    "/{name}",
    response_model=BankDeleted,
    responses=problems(404),
    summary="Delete a hash bank and everything in it (admin; audited)",
)
def delete_bank(
    banks: Banks, name: BankNamePath, principal: Principal = Depends(Allow(Permission.CHANGE_BANKS))
) -> BankDeleted:
    removed = banks.delete(name, actor=principal.key_id)
    return BankDeleted(deleted=name, hashes=removed)


@router.post(
    "/{name}/import",
    response_model=BankImported,
    status_code=201,
    responses=problems(404, 413, 415, 422),
    summary="Import a hash list as a new version (admin; audited)",
)
def import_list(
    banks: Banks,
    name: BankNamePath,
    body: BankImport,
    principal: Principal = Depends(Allow(Permission.CHANGE_BANKS)),
    _json: None = Depends(require_json),
) -> BankImported:
    """A list with one bad line is refused whole (422 naming the line): nothing is stored."""
    skipped: Counter[str] | None = Counter() if body.skip_unsupported else None
    hashes = parsed_list(body, skipped)
    made = banks.import_hashes(
        name,
        hashes,
        source=body.source,
        licence=body.licence,
        actor=principal.key_id,
        mode=body.mode,
    )
    return BankImported(**made.model_dump(), skipped=dict(skipped or {}))


def parsed_list(body: BankImport, skipped: Counter[str] | None) -> list[tuple[HashType, str]]:
    try:
        kind = hash_type_named(body.hash_type) if body.hash_type else None
    except ValueError as exc:
        raise InvalidInput(str(exc), [FieldError(("hash_type",), str(exc))]) from None
    try:
        entries = read_hash_list(body.content, body.format, kind, skipped)
    except HashListError as exc:
        raise list_refused(exc) from None
    return [(hash_type, value) for _, hash_type, value in entries]


def list_refused(exc: HashListError) -> InvalidInput:
    """A list's first bad line as a 422 on ``content`` naming the line: nothing is stored."""
    extra = {"line": exc.line} if exc.line else {}
    return InvalidInput(
        f"{exc}; nothing was imported", [FieldError(("content",), exc.message, None, extra)]
    )


@router.post(
    "/{name}/rollback",
    response_model=BankVersion,
    status_code=201,
    responses=problems(404, 415, 422),
    summary="Make a new version with an earlier version's content (admin; audited)",
)
def rollback_bank(
    banks: Banks,
    name: BankNamePath,
    body: BankRollback,
    principal: Principal = Depends(Allow(Permission.CHANGE_BANKS)),
    _json: None = Depends(require_json),
) -> BankVersion:
    return banks.rollback(name, body.version, actor=principal.key_id)
