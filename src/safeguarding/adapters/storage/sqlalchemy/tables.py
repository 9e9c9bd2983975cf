"""The tables, in SQLAlchemy Core. Rows become domain objects in ``store.py`` and go no further."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

# The oversight tables live in their own module; the rest of the adapter reads every table
# here, as ``tables.<name>``.
from safeguarding.adapters.storage.sqlalchemy.oversight_tables import (  # noqa: F401
    complaints,
    information_request_files,
    information_requests,
    super_complaint_files,
    super_complaints,
)
from safeguarding.adapters.storage.sqlalchemy.schema import Id, UTCDateTime, metadata

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", Id, primary_key=True),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime),
    Column("age_band", String(16), nullable=False),
    Column("declared_ages", JSON, nullable=False),
    Column("assurance", JSON),
    Column("stated_ages", JSON),
    # Guardian links as the platform states them (account ids; relationship facts, not content).
    Column("guardian_of", JSON),
    Column("guardians", JSON),
)

connections = Table(
    "connections",
    metadata,
    Column("account_a", Id, primary_key=True),
    Column("account_b", Id, primary_key=True),
    # What the platform knows the two to be, from the acceptance that connected them (NULL:
    # nothing known), and since when they are connected (NULL: connected before 0019).
    Column("relationship", String(16)),
    Column("connected_since", UTCDateTime),
)

restrictions = Table(
    "restrictions",
    metadata,
    Column("account_id", Id, primary_key=True),
    Column("kind", String(64), primary_key=True),
    Column("event_id", Id, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

banks = Table(
    "banks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("description", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    # What the bank's entries are known for (domain/banks.py BankHarm).
    Column("harm", String(32), nullable=False, server_default="abuse_imagery"),
    Column("pdq_threshold", Integer, nullable=False),
    Column("vpdq_match_percent", Float, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("partner", String(64), nullable=True),  # a partner's shared signals (0027)
    Column("trust", String(16), nullable=True),
)

bank_versions = Table(
    "bank_versions",
    metadata,
    Column("bank", String(64), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", Id, nullable=False),
    Column("source", String(500), nullable=False),
    Column("licence", Text, nullable=False),
    Column("added", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("rolled_back_to", Integer),
)

# A hash is live from added_version until removed_version (exclusive); a bank's content at
# version v is every row with added_version <= v < removed_version (or removed_version NULL).
bank_hashes = Table(
    "bank_hashes",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("bank", String(64), nullable=False),
    Column("hash_type", String(8), nullable=False),
    Column("value", Text, nullable=False),
    Column("added_version", Integer, nullable=False),
    Column("removed_version", Integer),
    # HMA's per-content switch: 1 matches, 0 never, a larger value not before that unix time.
    Column("disable_until_ts", Integer, nullable=False, server_default="1"),
    Index("ix_bank_hashes_bank_live", "bank", "removed_version"),
    Index("ix_bank_hashes_bank_added", "bank", "added_version"),
)

# One row per change to any bank: its count is the revision each process's index follows.
# A change to hashes alone names its bank and version (rows it added or removed) or entry
# (switched), so other processes apply it to their index; a change to banks names neither.
bank_changes = Table(
    "bank_changes",
    metadata,
    Column("change_id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("bank", String(64)),
    Column("version", Integer),
    Column("entry_id", Integer),
    Column("hashes", Integer, nullable=False, server_default="0"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("conversation_id", Id, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("participants", JSON, nullable=False),
    Column("message_count", Integer, nullable=False),
    Column("last_message_at", UTCDateTime),
    Column("detector_state", JSON, nullable=False, server_default="{}"),
    Column("stream", JSON),  # a live stream's owner and audience, from its start
)

contacts = Table(
    "contacts",
    metadata,
    Column("actor_id", Id, primary_key=True),
    Column("target_id", Id, primary_key=True),
    Column("first_at", UTCDateTime, nullable=False),
)

# Attempts to reach someone that were refused (held or blocked): never contact made, but
# counted, for the patterns of an adult who keeps trying or tries many children (0014).
contact_refusals = Table(
    "contact_refusals",
    metadata,
    Column("event_id", Id, primary_key=True),
    Column("target_id", Id, primary_key=True),
    Column("actor_id", Id, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_contact_refusals_actor_at", "actor_id", "at"),
)

review_holds = Table(
    "review_holds",
    metadata,
    Column("actor_id", Id, primary_key=True),
    Column("target_id", Id, primary_key=True),
    Column("event_id", Id, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_review_holds_event", "event_id"),
)

events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Id, nullable=False, unique=True),
    Column("type", String(32), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False, index=True),
    Column("actor_id", Id, nullable=False, index=True),
    Column("conversation_id", Id, index=True),
    Column("fingerprint", String(128), nullable=False),  # keyed: "<key id>:<HMAC hex>"
    Column("key_id", String(64), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    # The decision lives on its event's row: one row per event, written once, never updated.
    Column("verdict", String(8), nullable=False, index=True),
    Column("policy_version", Integer, nullable=False),
    Column("decided_at", UTCDateTime, nullable=False, index=True),
    Column("decision", JSON, nullable=False),
    # Set when retention replaced the payload with a tombstone (no content left in it).
    Column("content_removed_at", UTCDateTime),
)

outbox = Table(
    "outbox",
    metadata,
    Column("item_id", Id, primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("event_id", Id, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime),
    Column("result", Text),
    Column("last_error", Text),
    Index("ix_outbox_due", "status", "next_attempt_at"),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", Id, primary_key=True),
    Column("source_key", Id, nullable=False, unique=True),
    Column("queue", String(64), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("subject_account_id", Id, nullable=False, index=True),
    Column("event_ids", JSON, nullable=False),
    Column("rule", String(128), nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("deadline", UTCDateTime, nullable=False),
    Column("report_to_authority", Boolean, nullable=False),
    Column("assignee", String(128)),
    Column("conversation_id", Id),
    Column("takedown_by", UTCDateTime),  # a legal takedown clock (intimate-image abuse)
    # Harm, subject and conversation while the case is undecided (NULL after): unique, so two
    # workers racing to open a case for the same harm meet here and the second one joins it.
    Column("open_key", String(400)),
    Index("uq_cases_open_key", "open_key", unique=True),
)

evidence = Table(
    "evidence",
    metadata,
    Column("event_id", Id, primary_key=True),
    Column("preserved_at", UTCDateTime, nullable=False),
    Column("retain_until", UTCDateTime, nullable=False),
    Column("preserved_by", String(128), nullable=False),
    Column("legal_hold", Boolean, nullable=False, default=False),
    # SHA-256 of media; a keyed digest ("<key id>:<HMAC hex>") of text, which could be guessed.
    Column("content_sha256", String(128)),
    Column("content_kind", String(8)),
    Column("size", Integer),
    Column("hashes", JSON, nullable=False, server_default="{}"),
    Column("hold_reason", Text),
    Column("purged_at", UTCDateTime),
)

# Content-addressed copies of preserved content, AES-GCM sealed with the SHA-256 as the
# associated data, so a copy cannot be swapped under another address.
evidence_content = Table(
    "evidence_content",
    metadata,
    Column("sha256", String(128), primary_key=True),
    Column("key_id", String(32), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("stored_at", UTCDateTime, nullable=False),
)

authority_reports = Table(
    "authority_reports",
    metadata,
    Column("event_id", Id, primary_key=True),
    Column("authority", String(64), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("confirmed_by", String(128)),
    Column("confirmed_at", UTCDateTime),
    # The package as confirmed (a transcript, account facts): content, so sealed.
    Column("key_id", String(32)),
    Column("sealed_package", LargeBinary),
    Column("submitted_at", UTCDateTime),
    Column("destination", Text),
)

policies = Table(
    "policies",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("sha256", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("document", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("note", Text, nullable=False, default=""),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("secret_hash", String(256), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("queues", JSON),  # a moderator key's review queues; NULL: every queue
    Column("organisation", String(128)),  # an advocate key's body
)

# Which cases each event belongs to, so evidence access can be checked against a queue.
case_events = Table(
    "case_events",
    metadata,
    Column("event_id", Id, primary_key=True),
    Column("case_id", Id, primary_key=True),
)

# Content a moderator's dismissal restored: shown again whatever its decision said.
reinstatements = Table(
    "reinstatements",
    metadata,
    Column("event_id", Id, primary_key=True),
    Column("case_id", Id, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("by", String(128), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False, index=True),
    Column("subject", String(256), nullable=False),
    Column("details", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# A partner's account signals (docs/sharing.md): the salted HMAC of an account id, never the
# id, by partner and harm, with the partner's trust. A withdrawn signal's row is deleted.
partner_accounts = Table(
    "partner_accounts",
    metadata,
    Column("partner", String(64), primary_key=True),
    Column("harm", String(32), primary_key=True),
    Column("signal", String(64), primary_key=True),
    Column("trust", String(16), nullable=False),
)
