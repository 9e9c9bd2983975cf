"""Sealed columns that hold whole documents: a confirmed report's package, a super-complaint's
title and description. Shared by the unit of work and the migration that sealed old rows.

Each is bound to its row by the associated data, so a sealed value copied onto another row
fails to open.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Table, select

from safeguarding.adapters.storage.crypto import ContentCipher
from safeguarding.domain.reports import ReportRecord


def report_binding(event_id: str, authority: str) -> bytes:
    return f"authority report:{authority}:{event_id}".encode()


def super_complaint_binding(super_complaint_id: str) -> bytes:
    return f"super-complaint:{super_complaint_id}".encode()


def seal_package(
    cipher: ContentCipher, event_id: str, authority: str, package: Any
) -> dict[str, Any]:
    """The ``key_id`` and ``sealed_package`` columns for a package (both None without one)."""
    if package is None:
        return {"key_id": None, "sealed_package": None}
    plain = json.dumps(package, sort_keys=True).encode()
    key_id, sealed = cipher.seal(plain, report_binding(event_id, authority))
    return {"key_id": key_id, "sealed_package": sealed}


def seal_report(cipher: ContentCipher, report: ReportRecord) -> dict[str, Any]:
    """A report's columns but its id, the package sealed."""
    values = report.model_dump(exclude={"event_id", "authority", "package"})
    return values | seal_package(cipher, report.event_id, report.authority, report.package)


def open_package(
    cipher: ContentCipher, event_id: str, authority: str, key_id: str, sealed: bytes
) -> Any:
    return json.loads(cipher.open(key_id, sealed, report_binding(event_id, authority)))


def open_report(cipher: ContentCipher, row: Any) -> ReportRecord:
    data = dict(row._mapping)
    key_id, sealed = data.pop("key_id"), data.pop("sealed_package")
    if sealed is not None:
        data["package"] = open_package(cipher, row.event_id, row.authority, key_id, sealed)
    return ReportRecord.model_validate(data)


def seal_super_complaint_text(
    cipher: ContentCipher, super_complaint_id: str, title: str, description: str
) -> dict[str, Any]:
    """The ``key_id`` and ``sealed_text`` columns for a super-complaint's title and description."""
    plain = json.dumps({"title": title, "description": description}).encode()
    key_id, sealed = cipher.seal(plain, super_complaint_binding(super_complaint_id))
    return {"key_id": key_id, "sealed_text": sealed}


def seal_file(cipher: ContentCipher, attachment_id: str, content: bytes) -> dict[str, Any]:
    """The ``attachment_id``, ``key_id`` and ``sealed`` columns of an attached file, bound to
    its attachment id (a super-complaint's evidence, an information request's answer)."""
    key_id, sealed = cipher.seal(content, attachment_id.encode())
    return {"attachment_id": attachment_id, "key_id": key_id, "sealed": sealed}


def open_file(
    conn: Connection, cipher: ContentCipher, files: Table, attachment_id: str
) -> bytes | None:
    """The content of the file ``seal_file`` sealed into ``files``; None if there is none."""
    f = files.c
    row = conn.execute(select(f.key_id, f.sealed).where(f.attachment_id == attachment_id)).first()
    return cipher.open(row.key_id, row.sealed, attachment_id.encode()) if row else None


def open_super_complaint_text(cipher: ContentCipher, row: Any) -> dict[str, str]:
    """``{"title": ..., "description": ...}`` of a super-complaint row."""
    binding = super_complaint_binding(row.super_complaint_id)
    opened: dict[str, str] = json.loads(cipher.open(row.key_id, row.sealed_text, binding))
    return opened
