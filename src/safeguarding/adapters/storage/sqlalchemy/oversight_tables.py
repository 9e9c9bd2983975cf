"""The tables of oversight: users' complaints and appeals, advocacy bodies' super-complaints,
and the regulator's formal information requests, with their sealed files."""

from __future__ import annotations

from sqlalchemy import JSON, Column, LargeBinary, String, Table, Text

from safeguarding.adapters.storage.sqlalchemy.schema import Id, UTCDateTime, metadata

# A user's words are content about a child as much as a message is: kept sealed.
complaints = Table(
    "complaints",
    metadata,
    Column("complaint_id", Id, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("account_id", Id, nullable=False, index=True),
    Column("reason", String(64), nullable=False),
    Column("event_id", Id),
    Column("key_id", String(32), nullable=False),
    Column("sealed_text", LargeBinary, nullable=False),
    Column("filed_at", UTCDateTime, nullable=False, index=True),
    Column("filed_via", String(128), nullable=False),
    Column("deadline", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("outcome_reason", Text),
    Column("decided_by", String(128)),
    Column("decided_at", UTCDateTime),
)

super_complaints = Table(
    "super_complaints",
    metadata,
    Column("super_complaint_id", Id, primary_key=True),
    Column("filed_by", String(128), nullable=False, index=True),
    Column("organisation", String(128), index=True),  # the advocacy body it belongs to
    Column("filed_at", UTCDateTime, nullable=False, index=True),
    # Title and description, sealed together: an advocate's account can name children.
    Column("key_id", String(32), nullable=False),
    Column("sealed_text", LargeBinary, nullable=False),
    Column("harms", JSON, nullable=False),
    Column("attachments", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("response", Text),
    Column("responded_by", String(128)),
    Column("responded_at", UTCDateTime),
)

super_complaint_files = Table(
    "super_complaint_files",
    metadata,
    Column("attachment_id", Id, primary_key=True),
    Column("super_complaint_id", Id, nullable=False, index=True),
    Column("key_id", String(32), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
)

information_requests = Table(
    "information_requests",
    metadata,
    Column("request_id", Id, primary_key=True),
    Column("filed_by", String(128), nullable=False),
    Column("filed_at", UTCDateTime, nullable=False),
    Column("question", Text, nullable=False),
    Column("legal_basis", Text, nullable=False),
    Column("deadline", UTCDateTime, nullable=False),
    Column("event_ids", JSON, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("response", Text),
    Column("responded_by", String(128)),
    Column("responded_at", UTCDateTime),
    Column("attachments", JSON, nullable=False, server_default="[]"),
)

information_request_files = Table(
    "information_request_files",
    metadata,
    Column("attachment_id", Id, primary_key=True),
    Column("request_id", Id, nullable=False, index=True),
    Column("key_id", String(32), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
)
