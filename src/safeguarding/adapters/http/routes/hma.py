"""Endpoints shaped like Hasher-Matcher-Actioner's (OpenMediaMatch ``/h`` and ``/m``).

A client written for HMA can hash and look up against our banks unchanged, with two
differences on purpose: files are uploaded (POST), never fetched from a URL, since the
engine never fetches URLs; and content ids are our bank entry ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import container, problems
from safeguarding.detectors.media.bank_index import BankMatch, UploadHashes
from safeguarding.detectors.media.hashing import ImageHashes, VideoHashes
from safeguarding.detectors.media.safe_decode import HasherUnavailable, MediaRejected
from safeguarding.domain.access import Principal, Role
from safeguarding.domain.banks import HashType
from safeguarding.domain.errors import FieldError, MediaRefused, StoreBusy

hashing = APIRouter(prefix="/h", tags=["HMA compatible"])
matching = APIRouter(prefix="/m", tags=["HMA compatible"])
CALLERS = (Role.PLATFORM, Role.ADMIN)
FILE_FIELDS = ("photo", "video")
# HMA's signal type names, to ours; HMA calls a video's MD5 ``video_md5``.
SIGNAL_TYPES = {
    "pdq": HashType.PDQ,
    "md5": HashType.MD5,
    "video_md5": HashType.MD5,
    "sha256": HashType.SHA256,
    "vpdq": HashType.VPDQ,
}
MULTIPART_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        name: {"type": "string", "format": "binary"} for name in FILE_FIELDS
                    },
                    "description": "One file, in a field named photo or video.",
                }
            }
        },
    }
}
Hashes = ImageHashes | VideoHashes


async def one_upload(request: Request) -> tuple[str, bytes]:
    """The one file of a multipart body, with its field name (``photo`` or ``video``)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":
        raise HTTPException(
            415, f"send the file as multipart/form-data (got {kind or 'no content type'})"
        )
    async with request.form(max_files=2, max_fields=2) as form:
        items = list(form.multi_items())
        if len(items) != 1 or items[0][0] not in FILE_FIELDS:
            names = ", ".join(name for name, _ in items) or "none"
            raise HTTPException(
                400, f"send exactly one file, in a field named photo or video (got: {names})"
            )
        field, upload = items[0]
        if not isinstance(upload, UploadFile):
            raise HTTPException(400, f"the {field} field must be a file, not text")
        return field, await upload.read()


def hash_upload(request: Request, field: str, data: bytes) -> Hashes:
    """Hash in the media workers; a refused file is a problem naming the reason."""
    hasher = container(request).media.hasher
    try:
        return hasher.hash_image(data) if field == "photo" else hasher.hash_video(data)
    except MediaRejected as exc:
        reason = str(exc.reason)
        raise MediaRefused(
            reason, exc.message, [FieldError((field,), exc.message, None, {"reason": reason})]
        ) from None
    except HasherUnavailable as exc:
        raise StoreBusy(f"media hashing cannot take this upload now: {exc}") from None


def signals_of(found: Hashes) -> dict[str, str]:
    """The hashes of an upload by HMA signal type name."""
    if isinstance(found, ImageHashes):
        return {"pdq": found.pdq, "md5": found.md5, "sha256": found.sha256}
    frames = ",".join(frame.pdq for frame in found.frames)
    return {"vpdq": frames, "video_md5": found.md5, "sha256": found.sha256}


def upload_hashes(found: Hashes) -> UploadHashes:
    if isinstance(found, ImageHashes):
        return UploadHashes(sha256=found.sha256, md5=found.md5, pdq=found.pdq)
    frames = tuple(frame.pdq for frame in found.frames)
    return UploadHashes(sha256=found.sha256, md5=found.md5, vpdq=frames)


def parsed_signal(signal_type: str, signal: str) -> tuple[HashType, UploadHashes]:
    """A signal as the index's query; unknown types and malformed hashes are 400, as in HMA."""
    kind = SIGNAL_TYPES.get(signal_type.strip().lower())
    if kind is None:
        known = ", ".join(SIGNAL_TYPES)
        raise HTTPException(400, f"unknown signal_type {signal_type!r}; known: {known}")
    try:
        value = kind.normalise(signal)
    except ValueError as exc:
        raise HTTPException(400, f"invalid signal: {exc}") from None
    if kind is HashType.VPDQ:
        return kind, UploadHashes(vpdq=tuple(value.split(",")))
    return kind, UploadHashes(**{kind.value: value})


def matches_of(request: Request, upload: UploadHashes, kind: HashType) -> list[BankMatch]:
    return [m for m in container(request).banks.index().match(upload) if m.hash_type is kind]


def bank_names(found: Iterable[BankMatch]) -> list[str]:
    return sorted({m.bank for m in found})


@hashing.post(
    "/hash",
    responses=problems(400, 413, 415, 422),
    openapi_extra=MULTIPART_BODY,
    summary="Hash an uploaded photo or video (HMA compatible)",
)
async def hash_file(request: Request, _p: Principal = Depends(Allow(*CALLERS))) -> dict[str, str]:
    """A photo gives pdq, md5 and sha256; a video gives vpdq (frame PDQs), video_md5, sha256."""
    field, data = await one_upload(request)
    found = await run_in_threadpool(hash_upload, request, field, data)
    return signals_of(found)


# The HTTP server refuses a request line past 64 KiB before the app sees it (with a bare
# text answer), so a signal in the query stops short of that with a proper 422, even if
# every character is percent-encoded (3 bytes each). That is a vPDQ signal of about 250
# frames; send longer videos to POST /m/lookup as files.
MAX_SIGNAL_CHARS = 20_000
SIGNAL_TEXT = r"^[\x20-\x7e\t\r\n]*$"  # hashes and their separators: printable ASCII


@matching.get(
    "/raw_lookup",
    responses=problems(400, 422),
    summary="Bank entries a hash matches (HMA compatible)",
)
def raw_lookup(
    request: Request,
    signal_type: Annotated[str, Query(max_length=32)],
    signal: Annotated[str, Query(max_length=MAX_SIGNAL_CHARS, pattern=SIGNAL_TEXT)],
    include_distance: bool = False,
    _p: Principal = Depends(Allow(*CALLERS)),
) -> dict[str, list[Any]]:
    """``{"matches": [entry ids]}``, or with distances (a string, as HMA gives it)."""
    kind, upload = parsed_signal(signal_type, signal)
    found = matches_of(request, upload, kind)
    if include_distance:
        return {"matches": [{"content_id": m.entry_id, "distance": str(m.distance)} for m in found]}
    return {"matches": [m.entry_id for m in found]}


@matching.get(
    "/lookup",
    responses=problems(400, 422),
    summary="Banks a hash matches (HMA compatible)",
)
def lookup_signal(
    request: Request,
    signal_type: Annotated[str, Query(max_length=32)],
    signal: Annotated[str, Query(max_length=MAX_SIGNAL_CHARS, pattern=SIGNAL_TEXT)],
    _p: Principal = Depends(Allow(*CALLERS)),
) -> list[str]:
    kind, upload = parsed_signal(signal_type, signal)
    return bank_names(matches_of(request, upload, kind))


@matching.post(
    "/lookup",
    responses=problems(400, 413, 415, 422),
    openapi_extra=MULTIPART_BODY,
    summary="Banks an uploaded photo or video matches, by signal type (HMA compatible)",
)
async def lookup_file(
    request: Request, _p: Principal = Depends(Allow(*CALLERS))
) -> dict[str, list[str]]:
    field, data = await one_upload(request)
    found = await run_in_threadpool(hash_upload, request, field, data)
    matched = container(request).banks.index().match(upload_hashes(found))
    return {
        name: bank_names(m for m in matched if m.hash_type is SIGNAL_TYPES[name])
        for name in signals_of(found)
    }


@matching.get(
    "/index/status",
    responses=problems(),
    summary="What the match index holds, by signal type (HMA compatible)",
)
def index_status(
    request: Request, _p: Principal = Depends(Allow(*CALLERS))
) -> dict[str, dict[str, Any]]:
    """``built_to`` is the bank revision the index was built from (HMA gives a time)."""
    index = container(request).banks.index()
    counts = index.counts()
    return {
        name: {"present": counts[name] > 0, "built_to": index.revision, "size": counts[name]}
        for name in ("pdq", "md5", "sha256", "vpdq")
    }
