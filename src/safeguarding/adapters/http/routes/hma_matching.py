"""Hasher-Matcher-Actioner 2.x matching (``/m``) and its health checks (``/status``).

The answers have HMA's shapes and key names (``bank_content_id``, as renamed in 2025):
``raw_lookup`` gives entry ids, ``lookup`` groups matches by bank (and, for an uploaded
file, by signal type first). Content ids are our bank entry ids.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import problems, require_json
from safeguarding.adapters.http.routes.hma import (
    BANKS,
    MULTIPART_BODY,
    TYPES,
    MatchesByBank,
    bad_request,
    bank_filter,
    by_bank,
    distance_text,
    hashed_upload,
    indexed_types,
    json_object,
    matches_of,
    parsed_signal,
    query_of,
    signal_type_named,
    signals_of,
    unix_time,
)
from safeguarding.adapters.http.services import Banks, Media
from safeguarding.detectors.media.hashing import pdq_distance
from safeguarding.domain.access import Principal
from safeguarding.domain.banks import DEFAULT_PDQ_THRESHOLD, DEFAULT_VPDQ_PERCENT, HashType
from safeguarding.domain.permissions import Permission

matching = APIRouter(prefix="/m", tags=["HMA compatible"])
status = APIRouter(tags=["HMA compatible"])

# The HTTP server refuses a request line past 64 KiB before the app sees it (with a bare
# text answer), so a signal in the query stops short of that with a proper 400, even if
# every character is percent-encoded (3 bytes each). That is a vPDQ signal of about 250
# frames; send longer videos to POST /m/lookup as files.
MAX_SIGNAL_CHARS = 20_000
SIGNAL_TEXT = r"^[\x20-\x7e\t\r\n]*$"  # hashes and their separators: printable ASCII
SIGNAL = Annotated[str | None, Query(max_length=MAX_SIGNAL_CHARS, pattern=SIGNAL_TEXT)]
SIGNAL_TYPE = Annotated[str | None, Query(max_length=32)]
MAX_COMPARED_FRAMES = 500  # a vPDQ comparison is frames x frames; bound its cost


def required(value: str | None, name: str) -> str:
    if value is None or not value.strip():
        raise bad_request(f"{name} is required")
    return value


@matching.get(
    "/raw_lookup",
    responses=problems(400),
    summary="Bank entries a hash matches (HMA compatible)",
)
def raw_lookup(
    service: Banks,
    signal_type: SIGNAL_TYPE = None,
    signal: SIGNAL = None,
    banks: BANKS = None,
    include_distance: bool = False,
    _p: Principal = Depends(Allow(Permission.MATCH_HASHES)),
) -> dict[str, list[Any]]:
    """``{"matches": [ids]}``, or ``[{bank_content_id, distance}]`` with ``include_distance``."""
    kind, query = parsed_signal(required(signal_type, "signal_type"), required(signal, "signal"))
    found = matches_of(service, query, kind, bank_filter(banks))
    if include_distance:
        return {
            "matches": [
                {"bank_content_id": m.entry_id, "distance": distance_text(m)} for m in found
            ]
        }
    return {"matches": [m.entry_id for m in found]}


@matching.get(
    "/lookup",
    responses=problems(400),
    summary="Matches of a hash, by bank (HMA compatible)",
)
def lookup_signal(
    service: Banks,
    signal_type: SIGNAL_TYPE = None,
    signal: SIGNAL = None,
    banks: BANKS = None,
    url: Annotated[str | None, Query(max_length=2000)] = None,
    types: TYPES = None,
    content_type: Annotated[str | None, Query(max_length=32)] = None,
    seed: Annotated[str | None, Query(max_length=200)] = None,
    bypass_coinflip: bool = False,
    _p: Principal = Depends(Allow(Permission.MATCH_HASHES)),
) -> MatchesByBank:
    """``{BANK: [{bank_content_id, distance}]}``. ``seed`` and ``bypass_coinflip`` are taken and
    have no effect: a bank here is enabled or not, never for a share of lookups."""
    if url is not None:
        raise bad_request("this service never fetches URLs; POST the file to /m/lookup instead")
    if not signal or not signal_type:
        raise bad_request("Either url or both signal and signal_type are required")
    kind, query = parsed_signal(signal_type, signal)
    return by_bank(matches_of(service, query, kind, bank_filter(banks)))


@matching.post(
    "/lookup",
    responses=problems(400, 413, 415, 422),
    openapi_extra=MULTIPART_BODY,
    summary="Matches of an uploaded photo or video, by signal type and bank (HMA compatible)",
)
async def lookup_file(
    service: Banks,
    media: Media,
    request: Request,
    types: TYPES = None,
    banks: BANKS = None,
    seed: Annotated[str | None, Query(max_length=200)] = None,
    bypass_coinflip: bool = False,
    _p: Principal = Depends(Allow(Permission.MATCH_HASHES)),
) -> dict[str, MatchesByBank]:
    """``{signal_type: {BANK: [{bank_content_id, distance}]}}`` for each type the file gives."""
    found, wanted = await hashed_upload(request, media, types)
    chosen = bank_filter(banks)
    return {
        name: by_bank(matches_of(service, query_of(wanted[name], value), wanted[name], chosen))
        for name, value in signals_of(found, wanted).items()
    }


@matching.get(
    "/index/status",
    responses=problems(400),
    summary="What the match index holds, by signal type (HMA compatible)",
)
def index_status(
    banks: Banks,
    signal_type: SIGNAL_TYPE = None,
    _p: Principal = Depends(Allow(Permission.MATCH_HASHES)),
) -> dict[str, dict[str, Any]]:
    """``built_to`` is when (unix seconds) the banks the index holds last changed, ``-1``
    when the index holds nothing of the type. ``video_md5`` and ``video_sha256`` count
    every MD5 and SHA-256 banked, photos' too."""
    index = banks.index()
    counts = index.counts()
    names = indexed_types(signal_type)
    built = unix_time(index.changed_at)
    report = {}
    for name, kind in names.items():
        size = counts[kind.value]
        report[name] = {"present": size > 0, "built_to": built if size else -1, "size": size}
    return report


@matching.post(
    "/compare",
    responses=problems(400, 415),
    summary="Compare pairs of hashes (HMA compatible)",
)
async def compare(
    request: Request,
    _p: Principal = Depends(Allow(Permission.MATCH_HASHES)),
    _json: None = Depends(require_json),
) -> dict[str, Any]:
    """``{"pdq": [a, b]}`` gives ``{"pdq": [matches, {"distance": 9}]}``; a vPDQ pair gives
    the two match percentages, an exact type ``{}``. Matching uses the default thresholds."""
    body = await json_object(request, '{"pdq": ["<hash>", "<hash>"]}')
    return await run_in_threadpool(compared_all, body)


def compared_all(body: dict[str, Any]) -> dict[str, Any]:
    return {name: compared(name, pair) for name, pair in body.items()}


def compared(name: str, pair: Any) -> list[Any]:
    if not isinstance(pair, list):
        raise bad_request(f"Comparison hashes for {name} was not a list")
    if len(pair) != 2:
        raise bad_request("Comparison hash list length must be exactly 2")
    kind = signal_type_named(name)
    try:
        left, right = (kind.normalise(str(h)) for h in pair)
    except ValueError as exc:
        raise bad_request(f"Invalid {name} hash: {exc}") from None
    if kind is HashType.PDQ:
        distance = pdq_distance(left, right)
        return [distance <= DEFAULT_PDQ_THRESHOLD, {"distance": distance}]
    if kind is HashType.VPDQ:
        query, banked = frame_shares(left.split(","), right.split(","))
        needed = DEFAULT_VPDQ_PERCENT
        found = {"query_match_percent": query, "compared_match_percent": banked}
        return [query >= needed and banked >= needed, found]
    return [left == right, {}]


def frame_shares(query: list[str], banked: list[str]) -> tuple[float, float]:
    """Percent of each video's distinct frames within the PDQ threshold of a frame of the other."""
    mine, theirs = list(dict.fromkeys(query)), list(dict.fromkeys(banked))
    if max(len(mine), len(theirs)) > MAX_COMPARED_FRAMES:
        raise bad_request(f"a vpdq hash to compare has at most {MAX_COMPARED_FRAMES} frames")
    near = {
        (a, b)
        for a in range(len(mine))
        for b in range(len(theirs))
        if pdq_distance(mine[a], theirs[b]) <= DEFAULT_PDQ_THRESHOLD
    }
    share_mine = len({a for a, _ in near}) / len(mine) * 100
    share_theirs = len({b for _, b in near}) / len(theirs) * 100
    return share_mine, share_theirs


@status.get("/status", response_class=PlainTextResponse, summary="Ready to match (HMA)")
def ready(
    banks: Banks,
) -> PlainTextResponse:
    """``I-AM-ALIVE`` when the match index can be read, ``INDEX-NOT-LOADED`` (503) when not."""
    try:
        banks.index()
    except Exception:  # any failure to read the banks means the index cannot be trusted
        return PlainTextResponse("INDEX-NOT-LOADED", status_code=503)
    return PlainTextResponse("I-AM-ALIVE")


@status.get("/status/live", response_class=PlainTextResponse, summary="Alive (HMA)")
def live() -> PlainTextResponse:
    """``I-AM-ALIVE`` whenever the process answers HTTP, loaded index or not."""
    return PlainTextResponse("I-AM-ALIVE")
