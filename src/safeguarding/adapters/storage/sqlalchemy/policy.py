"""The operator's part of the unit of work: policy versions and API keys.

Part of ``SqlUnitOfWork``. Both change rarely: a policy version is never changed once
added, and a key here only ever gains its revocation time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.domain.policy import PolicyDocument, PolicyVersion
from safeguarding.ports.store import ApiKeyRecord


class PolicyRows(Rows):
    """Policy version rows to and from ``PolicyVersion``."""

    def current(self) -> PolicyVersion | None:
        row = self.conn.execute(
            select(t.policies).order_by(t.policies.c.version.desc()).limit(1)
        ).first()
        return _policy(row) if row else None

    def current_version(self) -> int:
        return self.conn.execute(
            select(func.coalesce(func.max(t.policies.c.version), 0))
        ).scalar_one()

    def add(self, policy: PolicyVersion) -> None:
        row = policy.model_dump(mode="json", exclude={"created_at"})
        self.conn.execute(t.policies.insert(), [{**row, "created_at": policy.created_at}])

    def history(self) -> list[PolicyVersion]:
        rows = self.conn.execute(select(t.policies).order_by(t.policies.c.version.desc()))
        return [_policy(row) for row in rows]


class KeyRows(Rows):
    """API key rows to and from ``ApiKeyRecord``."""

    def add(self, key: ApiKeyRecord) -> None:
        self.conn.execute(t.api_keys.insert(), [key.__dict__])

    def get(self, key_id: str) -> ApiKeyRecord | None:
        row = self.conn.execute(select(t.api_keys).where(t.api_keys.c.key_id == key_id)).first()
        return _key(row) if row else None

    def listed(self) -> list[ApiKeyRecord]:
        rows = self.conn.execute(select(t.api_keys).order_by(t.api_keys.c.created_at))
        return [_key(row) for row in rows]

    def revoke(self, key_id: str, at: datetime) -> bool:
        k = t.api_keys.c
        result = self.conn.execute(
            update(t.api_keys)
            .where(and_(k.key_id == key_id, k.revoked_at.is_(None)))
            .values(revoked_at=at)
        )
        return result.rowcount == 1


def _key(row: Any) -> ApiKeyRecord:
    data = dict(row._mapping)
    if data["queues"] is not None:
        data["queues"] = tuple(data["queues"])
    return ApiKeyRecord(**data)


def _policy(row: Any) -> PolicyVersion:
    return PolicyVersion(
        version=row.version,
        sha256=row.sha256,
        source=row.source,
        document=PolicyDocument.model_validate(row.document),
        created_at=row.created_at,
        created_by=row.created_by,
        note=row.note,
    )
