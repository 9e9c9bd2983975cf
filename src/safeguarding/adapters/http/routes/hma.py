"""Endpoints shaped like Hasher-Matcher-Actioner 2.x (OpenMediaMatch): hashing (``/h``).

This module also holds what the HMA routers share: HMA's signal and content type names and
how they map to our hash types, reading the one uploaded file, hashing it in the media
workers, and writing matches as HMA writes them. Matching (``/m``) is in ``hma_matching``,
curation (``/c``) in ``hma_curation``.

Differences on purpose: files are uploaded (POST), never fetched from a URL, since the
engine never fetches URLs; content ids are our bank entry ids, one per hash.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import problems
from safeguarding.adapters.http.services import Media
from safeguarding.detectors.media.bank_index import BankMatch, UploadHashes
from safeguarding.detectors.media.hashing import ImageHashes, VideoHashes
from safeguarding.detectors.media.safe_decode import HasherUnavailable, MediaRejected
from safeguarding.domain.access import Principal
from safeguarding.domain.banks import HashType
from safeguarding.domain.errors import FieldError, MediaRefused, StoreBusy
from safeguarding.domain.permissions import Permission
from safeguarding.services.banks import BankService
from safeguarding.services.media import MediaHashing

hashing = APIRouter(prefix="/h", tags=["HMA compatible"])
# HMA's content types and, for each, its signal types by HMA name. HMA hashes a photo to
# ``pdq`` only; ``md5`` and ``sha256`` of a photo are ours. A video's are HMA's own names.
PHOTO_SIGNALS = {"pdq": HashType.PDQ, "md5": HashType.MD5, "sha256": HashType.SHA256}
VIDEO_SIGNALS = {
    "vpdq": HashType.VPDQ,
    "video_md5": HashType.MD5,
    "video_sha256": HashType.SHA256,
}
CONTENT_TYPES = {"photo": PHOTO_SIGNALS, "video": VIDEO_SIGNALS}
SIGNAL_TYPES = {**PHOTO_SIGNALS, **VIDEO_SIGNALS}
# The name each of our types is reported under when HMA's names must be one per type.
HMA_NAME = {HashType.PDQ: "pdq", HashType.MD5: "video_md5", HashType.SHA256: "video_sha256"}
HMA_NAME[HashType.VPDQ] = "vpdq"
MULTIPART_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        name: {"type": "string", "format": "binary"} for name in CONTENT_TYPES
                    },
                    "description": "One file, in a field named photo or video.",
                }
            }
        },
    }
}
TYPES = Annotated[
    str | None,
    Query(max_length=200, description="Comma-separated signal types to give (default: all)."),
]
BANKS = Annotated[
    str | None,
    Query(max_length=10_000, description="Comma-separated banks to look in (default: all)."),
]
Hashes = ImageHashes | VideoHashes
MatchesByBank = dict[str, list[dict[str, Any]]]


def unix_time(moment: datetime | None) -> int:
    """A time as HMA gives one: whole unix seconds, ``-1`` for none."""
    return int(moment.timestamp()) if moment is not None else -1


def bad_request(message: str) -> HTTPException:
    """HMA answers a request it cannot use with 400 and a ``message``."""
    return HTTPException(400, message)


async def one_upload(request: Request) -> tuple[str, bytes]:
    """The one file of a multipart body, with its field name (``photo`` or ``video``)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":
        raise bad_request(
            "Missing multipart/form-data file upload "
            f"(got {kind or 'no content type'}; send one file in a field named photo or video)"
        )
    async with request.form(max_files=2, max_fields=4) as form:
        items = [(name, value) for name, value in form.multi_items() if name in CONTENT_TYPES]
        if len(items) != 1:
            names = ", ".join(name for name, _ in form.multi_items()) or "none"
            raise bad_request(
                f"send exactly one file, in a field named photo or video (got: {names})"
            )
        field, upload = items[0]
        if not isinstance(upload, UploadFile):
            raise bad_request(f"the {field} field must be a file, not text")
        return field, await upload.read()


def hash_upload(media: MediaHashing, field: str, data: bytes) -> Hashes:
    """Hash in the media workers; a refused file is a problem naming the reason."""
    hasher = media.hasher
    try:
        return hasher.hash_image(data) if field == "photo" else hasher.hash_video(data)
    except MediaRejected as exc:
        reason = str(exc.reason)
        raise MediaRefused(
            reason, exc.message, [FieldError((field,), exc.message, None, {"reason": reason})]
        ) from None
    except HasherUnavailable as exc:
        raise StoreBusy(f"media hashing cannot take this upload now: {exc}") from None


async def hashed_upload(
    request: Request, media: MediaHashing, types: str | None
) -> tuple[Hashes, dict[str, HashType]]:
    """The uploaded file's hashes, and the signal types asked for (checked before hashing)."""
    field, data = await one_upload(request)
    wanted = selected_types(field, types)
    return await run_in_threadpool(hash_upload, media, field, data), wanted


async def json_object(request: Request, shape: str) -> dict[str, Any]:
    """A JSON object body, parsed off the event loop; anything else is HMA's 400."""
    body = await request.body()
    try:
        found = await run_in_threadpool(json.loads, body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad_request("the body is not JSON") from None
    if not isinstance(found, dict):
        raise bad_request(f"Request input was not a dict: send {shape}")
    return found


def selected_types(content: str, types: str | None) -> dict[str, HashType]:
    """The content type's signal types, or those ``types`` names (400 for one it lacks)."""
    offered = CONTENT_TYPES[content]
    if types is None:
        return offered
    chosen: dict[str, HashType] = {}
    for name in (part.strip() for part in types.split(",")):
        if name and name not in offered:
            raise bad_request(f"signal type '{name}' doesn't exist or is disabled for {content}")
        if name:
            chosen[name] = offered[name]
    if not chosen:
        raise bad_request("empty signal type selection")
    return chosen


def vpdq_json(found: VideoHashes) -> str:
    """A video's frames as python-threatexchange writes vPDQ: JSON strings "hex,quality,ts"
    (the timestamp with three significant digits, as pytx formats it)."""
    return json.dumps([f"{f.pdq},{f.quality},{f.timestamp_s:.3}" for f in found.frames])


def signals_of(found: Hashes, wanted: Iterable[str]) -> dict[str, str]:
    """The hashes of an upload by HMA signal type name, for the names ``wanted``."""
    if isinstance(found, ImageHashes):
        every = {"pdq": found.pdq, "md5": found.md5, "sha256": found.sha256}
    else:
        every = {"vpdq": vpdq_json(found), "video_md5": found.md5, "video_sha256": found.sha256}
    return {name: every[name] for name in wanted}


def signal_type_named(name: str) -> HashType:
    kind = SIGNAL_TYPES.get(name.strip())
    if kind is None:
        raise bad_request(f"No such SignalType '{name}'; known: {', '.join(SIGNAL_TYPES)}")
    return kind


def parsed_signal(signal_type: str, signal: str) -> tuple[HashType, UploadHashes]:
    """A signal as the index's query; unknown types and malformed hashes are 400, as in HMA."""
    kind = signal_type_named(signal_type)
    try:
        value = kind.normalise(signal)
    except ValueError as exc:
        raise bad_request(f"invalid signal: {exc}") from None
    return kind, query_of(kind, value)


def query_of(kind: HashType, value: str) -> UploadHashes:
    if kind is HashType.VPDQ:
        return UploadHashes(vpdq=tuple(value.split(",")))
    return UploadHashes(**{kind.value: value})


def indexed_types(signal_type: str | None) -> dict[str, HashType]:
    """The signal types an index reports, by HMA name, or the one asked for (400 if unknown)."""
    names = {name: kind for kind, name in HMA_NAME.items()}
    if signal_type is None:
        return names
    if signal_type not in names:
        raise bad_request(f"No such signal type '{signal_type}'")
    return {signal_type: names[signal_type]}


def bank_filter(banks: str | None) -> set[str] | None:
    """HMA's ``banks``: comma-separated names, or None for every bank."""
    if banks is None:
        return None
    return {name.strip() for name in banks.split(",") if name.strip()}


def distance_text(match: BankMatch) -> str:
    """The distance as HMA writes it: PDQ bits; vPDQ ``query%[compared%]``; exact ``-``."""
    if match.hash_type is HashType.PDQ:
        return str(match.distance)
    if match.hash_type is HashType.VPDQ:
        return f"{(match.query_share or 0) * 100:.0f}%[{(match.compared_share or 0) * 100:.0f}%]"
    return "-"


def matches_of(
    service: BankService, upload: UploadHashes, kind: HashType, banks: set[str] | None
) -> list[BankMatch]:
    found = service.index().match(upload)
    return [m for m in found if m.hash_type is kind and (banks is None or m.bank in banks)]


def by_bank(found: Iterable[BankMatch]) -> MatchesByBank:
    """``{BANK: [{bank_content_id, distance}]}``: HMA's answer for one signal type."""
    grouped: MatchesByBank = {}
    for match in found:
        entry = {"bank_content_id": match.entry_id, "distance": distance_text(match)}
        grouped.setdefault(match.bank, []).append(entry)
    return grouped


@hashing.post(
    "/hash",
    responses=problems(400, 413, 415, 422),
    openapi_extra=MULTIPART_BODY,
    summary="Hash an uploaded photo or video (HMA compatible)",
)
async def hash_file(
    media: Media,
    request: Request,
    types: TYPES = None,
    _p: Principal = Depends(Allow(Permission.MATCH_HASHES)),
) -> dict[str, str]:
    """A photo gives pdq, md5 and sha256; a video gives vpdq (pytx's JSON list of frames),
    video_md5 and video_sha256. ``types`` picks some of them."""
    found, wanted = await hashed_upload(request, media, types)
    return signals_of(found, wanted)
