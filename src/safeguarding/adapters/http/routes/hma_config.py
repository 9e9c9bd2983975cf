"""Hasher-Matcher-Actioner 2.x configuration listings under ``/c``: signal types, their index,
content types and exchanges, as HMA lists them, for the banks here.

Every signal type and content type is on (none can be switched off here), and there are no
exchanges: this service fetches from none; an exchange's export is imported into a bank.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import BankNamePath, problems
from safeguarding.adapters.http.routes.hma import (
    CONTENT_TYPES,
    SIGNAL_TYPES,
    indexed_types,
    unix_time,
)
from safeguarding.adapters.http.services import Banks
from safeguarding.domain.access import Principal
from safeguarding.domain.permissions import Permission

config = APIRouter(prefix="/c", tags=["HMA compatible"])


@config.get("/signal_type", responses=problems(), summary="Signal types (HMA compatible)")
def signal_types(_p: Principal = Depends(Allow(Permission.READ_BANKS))) -> list[dict[str, Any]]:
    """Every signal type is on; ``md5`` and ``sha256`` are ours (photos' digests)."""
    return [{"name": name, "enabled_ratio": 1.0} for name in SIGNAL_TYPES]


@config.get(
    "/signal_type/index",
    responses=problems(400),
    summary="The match index against the stored banks, by signal type (HMA compatible)",
)
def signal_type_index(
    banks: Banks,
    signal_type: str | None = None,
    _p: Principal = Depends(Allow(Permission.READ_BANKS)),
) -> dict[str, dict[str, Any]]:
    """``db_size`` counts the live hashes of enabled blocking banks in the store, ``index_size``
    those the index holds; the times are unix seconds of the last bank change each has seen."""
    names = indexed_types(signal_type)
    index = banks.index()
    stored, changed_at = banks.matchable_counts()
    return {
        name: {
            "db_size": stored[kind.value],
            "index_size": index.counts()[kind.value],
            "index_out_of_date": changed_at != index.changed_at,
            "newest_db_item": unix_time(changed_at),
            "index_built_to": unix_time(index.changed_at),
        }
        for name, kind in names.items()
    }


@config.get("/content_type", responses=problems(), summary="Content types (HMA compatible)")
def content_types(_p: Principal = Depends(Allow(Permission.READ_BANKS))) -> list[dict[str, Any]]:
    return [{"name": name, "enabled": True} for name in CONTENT_TYPES]


@config.get("/exchanges", responses=problems(), summary="Exchanges (HMA compatible): none")
def exchanges(_p: Principal = Depends(Allow(Permission.READ_BANKS))) -> list[str]:
    """This service fetches from no exchange; import an exchange's export into a bank."""
    return []


@config.get("/exchanges/apis", responses=problems(), summary="Exchange APIs: none")
def exchange_apis(_p: Principal = Depends(Allow(Permission.READ_BANKS))) -> list[str]:
    return []


@config.get(
    "/exchange/{exchange_name}", responses=problems(400, 404), summary="An exchange: none here"
)
def exchange(
    exchange_name: BankNamePath, _p: Principal = Depends(Allow(Permission.READ_BANKS))
) -> dict[str, Any]:
    raise HTTPException(404, f"Exchange '{exchange_name}' not found")
