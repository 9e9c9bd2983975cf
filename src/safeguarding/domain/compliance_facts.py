"""What the compliance checklist judges (``ComplianceFacts``, gathered by the compliance
service) and what each of its measures gives (``Measure``); ``compliance.py`` judges."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from safeguarding.domain.banks import BankHarm, HashType
from safeguarding.domain.policy import PolicyDocument
from safeguarding.domain.selftest import SequenceOutcome


class Measure(BaseModel):
    """One measure: what it evidences, whether it is met, the live figure, how to meet it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    code_measure: str = Field(description="the Codes measure it evidences, in words")
    met: bool
    evidence: str
    how_to_meet: str | None = None


class ComplianceFacts(BaseModel):
    """The live configuration and figures the measures are judged on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    policy: PolicyDocument
    policy_version: int
    detectors: tuple[str, ...]
    blocking_banks: int = 0  # enabled blocking banks holding hashes
    blocking_bank_hashes: int = 0
    # Live entries of the enabled blocking banks, by the banks' harm, then by entry type.
    bank_entries: dict[BankHarm, dict[HashType, int]] = Field(default_factory=dict)
    sha256_list_configured: bool = False
    partner_lists: int = 0  # enabled banks of partners' shared signals holding entries
    partner_entries: int = 0
    open_complaints: int = 0
    overdue_complaints: int = 0
    overdue_cases: int = 0
    decided_cases: int = 0  # first decided within the moderation window
    decided_on_time: int = 0
    report_destination: str | None = None  # "endpoint" or "folder"; None when neither is set
    reports_waiting: int = 0  # awaiting confirmation past REPORT_WAIT_HOURS
    risk_assessment_version: int | None = None
    risk_assessed_at: datetime | None = None
    risk_policy_version: int | None = None
    organisation: str = ""
    senior_manager: str = ""
    qualifying_revenue_gbp: float | None = None
    # The adversary's sequences run against the live policy (services/selftest.py).
    child_safety_selftest: tuple[SequenceOutcome, ...] = ()
