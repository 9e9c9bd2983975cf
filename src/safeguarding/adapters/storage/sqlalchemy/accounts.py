"""The account part of the unit of work: accounts, their restrictions, and conversations.

Part of ``SqlUnitOfWork``. Rows are turned into domain objects here and never leave as rows.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.adapters.storage.sqlalchemy.schema import expanding_ids
from safeguarding.domain.accounts import Account
from safeguarding.domain.conversations import Conversation, LiveStream
from safeguarding.domain.events import ConversationKind
from safeguarding.ports.store import Restriction

# The hot path's queries, built once: building and keying a statement costs more than running it.
_ACCOUNTS_BY_ID = select(t.accounts).where(t.accounts.c.account_id.in_(expanding_ids()))
_RESTRICTED_BY_ID = select(t.restrictions.c.account_id).where(
    t.restrictions.c.account_id.in_(expanding_ids())
)
_CONVERSATIONS_BY_ID = select(t.conversations).where(
    t.conversations.c.conversation_id.in_(expanding_ids())
)


class AccountRows(Rows):
    """Account and restriction rows; part of ``SqlAccounts``."""

    # -- accounts ---------------------------------------------------------
    def get(self, account_ids: Collection[str]) -> dict[str, Account]:
        if not account_ids:
            return {}
        rows = self.conn.execute(_ACCOUNTS_BY_ID, {"ids": list(account_ids)})
        return {row.account_id: _account(row) for row in rows}

    def put(self, accounts: Collection[Account]) -> None:
        self._upsert(t.accounts, [_account_row(a) for a in accounts], ("account_id",))

    # -- restrictions -----------------------------------------------------
    def restrictions_of(self, account_ids: Collection[str]) -> set[str]:
        if not account_ids:
            return set()
        rows = self.conn.execute(_RESTRICTED_BY_ID, {"ids": list(account_ids)})
        return {row.account_id for row in rows}

    def restriction_add(self, restriction: Restriction) -> None:
        self._insert_ignoring(t.restrictions, [restriction.__dict__])

    def restrictions_remove(self, account_id: str, event_ids: Collection[str]) -> int:
        """Lift the restrictions on an account that these events caused."""
        r = t.restrictions.c
        done = self.conn.execute(
            t.restrictions.delete().where(r.account_id == account_id, r.event_id.in_(event_ids))
        )
        return int(done.rowcount or 0)


class ConversationRows(Rows):
    """Conversation rows; part of ``SqlConversations``."""

    def get(self, conversation_ids: Collection[str]) -> dict[str, Conversation]:
        if not conversation_ids:
            return {}
        rows = self.conn.execute(_CONVERSATIONS_BY_ID, {"ids": list(conversation_ids)})
        return {row.conversation_id: _conversation(row) for row in rows}

    def put(self, conversations: Collection[Conversation]) -> None:
        rows = [_conversation_row(c) for c in conversations]
        self._upsert(t.conversations, rows, ("conversation_id",))


def _account(row: Any) -> Account:
    # One validation call for the whole account: nested calls from Python cost several times more.
    return Account.model_validate(
        {
            "account_id": row.account_id,
            "first_seen_at": row.first_seen_at,
            "created_at": row.created_at,
            "declared_ages": row.declared_ages,
            "assurance": row.assurance,
            "stated_ages": row.stated_ages or (),
            "guardian_of": row.guardian_of or (),
            "guardians": row.guardians or (),
        }
    )


def _account_row(account: Account) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "first_seen_at": account.first_seen_at,
        "created_at": account.created_at,
        "age_band": account.age_band.value,
        "declared_ages": [d.model_dump(mode="json") for d in account.declared_ages],
        "assurance": account.assurance.model_dump(mode="json") if account.assurance else None,
        "stated_ages": [s.model_dump(mode="json") for s in account.stated_ages],
        "guardian_of": list(account.guardian_of),
        "guardians": list(account.guardians),
    }


def _conversation(row: Any) -> Conversation:
    return Conversation(
        conversation_id=row.conversation_id,
        kind=ConversationKind(row.kind),
        started_at=row.started_at,
        participants=frozenset(row.participants),
        message_count=row.message_count,
        last_message_at=row.last_message_at,
        detector_state=row.detector_state or {},
        stream=LiveStream.model_validate(row.stream) if row.stream else None,
    )


def _conversation_row(conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation_id": conversation.conversation_id,
        "kind": conversation.kind.value,
        "started_at": conversation.started_at,
        "participants": sorted(conversation.participants),
        "message_count": conversation.message_count,
        "last_message_at": conversation.last_message_at,
        "detector_state": conversation.detector_state,
        "stream": conversation.stream.model_dump(mode="json") if conversation.stream else None,
    }
