"""Who may do what: one table from each permission to the roles that hold it and its scope.

The HTTP API (``Allow``), the web UI (``Page``) and the services read the roles from here,
so a role set is written once. The scope says what further narrows a holder's reach to one
case, filing or request; ``services/access.py`` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from safeguarding.domain.access import Principal, Role

PLATFORM, MODERATOR, ADMIN = Role.PLATFORM, Role.MODERATOR, Role.ADMIN
REGULATOR, ADVOCATE = Role.REGULATOR, Role.ADVOCATE


class Scope(StrEnum):
    """What narrows a permission beyond the role."""

    NONE = "none"  # the role is enough
    QUEUE = "queue"  # a moderator reaches the cases of the queues it works; an admin, all
    BODY = "body"  # an advocate reaches what its own organisation filed
    INFORMATION_REQUEST = "information_request"  # the regulator: what an open request names


class Permission(StrEnum):
    """One thing a caller may do; ``grant`` says who and how far."""

    SEND_EVENTS = "send_events"
    READ_DECISION = "read_decision"
    MATCH_HASHES = "match_hashes"
    READ_POLICY = "read_policy"
    READ_POLICY_HISTORY = "read_policy_history"
    CHANGE_POLICY = "change_policy"
    MANAGE_KEYS = "manage_keys"
    READ_SETTINGS = "read_settings"
    READ_FIGURES = "read_figures"
    REVIEW_CASES = "review_cases"
    READ_EXPOSURES = "read_exposures"
    READ_BANKS = "read_banks"
    CHANGE_BANKS = "change_banks"
    SHARE_SIGNALS = "share_signals"
    READ_EVIDENCE = "read_evidence"
    HOLD_EVIDENCE = "hold_evidence"
    READ_REPORTS = "read_reports"
    CONFIRM_REPORTS = "confirm_reports"
    FILE_INFORMATION_REQUEST = "file_information_request"
    READ_INFORMATION_REQUESTS = "read_information_requests"
    ANSWER_INFORMATION_REQUEST = "answer_information_request"
    FILE_COMPLAINT = "file_complaint"
    READ_COMPLAINT_WORDING = "read_complaint_wording"
    READ_COMPLAINTS = "read_complaints"
    DECIDE_COMPLAINTS = "decide_complaints"
    FILE_SUPER_COMPLAINT = "file_super_complaint"
    READ_SUPER_COMPLAINTS = "read_super_complaints"
    RESPOND_SUPER_COMPLAINT = "respond_super_complaint"
    READ_SAMPLES = "read_samples"
    READ_TRANSPARENCY = "read_transparency"
    READ_RISK_ASSESSMENT = "read_risk_assessment"
    ASSESS_RISK = "assess_risk"
    READ_COMPLIANCE = "read_compliance"
    VIEW_PLATFORM_OVERVIEW = "view_platform_overview"
    VIEW_REGULATOR_PORTAL = "view_regulator_portal"
    VIEW_ADVOCATE_PORTAL = "view_advocate_portal"

    @property
    def grant(self) -> Grant:
        return GRANTS[self]

    @property
    def roles(self) -> tuple[Role, ...]:
        return self.grant.roles

    def admits(self, principal: Principal) -> bool:
        """Whether the caller's role holds this permission (its scope is checked later)."""
        return principal.role in self.grant.roles


@dataclass(frozen=True)
class Grant:
    """The roles that hold a permission, in the order refusals list them, and its scope."""

    roles: tuple[Role, ...]
    scope: tuple[Scope, ...] = (Scope.NONE,)


_QUEUE, _BODY, _REQUEST = Scope.QUEUE, Scope.BODY, Scope.INFORMATION_REQUEST
_P = Permission

GRANTS: dict[Permission, Grant] = {
    _P.SEND_EVENTS: Grant((PLATFORM, ADMIN)),
    _P.READ_DECISION: Grant((PLATFORM, MODERATOR, ADMIN, REGULATOR)),
    _P.MATCH_HASHES: Grant((PLATFORM, ADMIN)),
    _P.READ_POLICY: Grant((PLATFORM, MODERATOR, ADMIN, REGULATOR)),
    _P.READ_POLICY_HISTORY: Grant((ADMIN, REGULATOR)),
    _P.CHANGE_POLICY: Grant((ADMIN,)),
    _P.MANAGE_KEYS: Grant((ADMIN,)),
    _P.READ_SETTINGS: Grant((ADMIN,)),
    _P.READ_FIGURES: Grant((ADMIN, REGULATOR, ADVOCATE, MODERATOR)),
    _P.REVIEW_CASES: Grant((MODERATOR, ADMIN), (_QUEUE,)),
    _P.READ_EXPOSURES: Grant((ADMIN,)),
    _P.READ_BANKS: Grant((ADMIN, REGULATOR)),
    _P.CHANGE_BANKS: Grant((ADMIN,)),
    _P.SHARE_SIGNALS: Grant((ADMIN,)),
    _P.READ_EVIDENCE: Grant((MODERATOR, ADMIN, REGULATOR), (_QUEUE, _REQUEST)),
    _P.HOLD_EVIDENCE: Grant((ADMIN,)),
    _P.READ_REPORTS: Grant((MODERATOR, ADMIN, REGULATOR), (_QUEUE, _REQUEST)),
    _P.CONFIRM_REPORTS: Grant((MODERATOR, ADMIN), (_QUEUE,)),
    _P.FILE_INFORMATION_REQUEST: Grant((REGULATOR,)),
    _P.READ_INFORMATION_REQUESTS: Grant((REGULATOR, ADMIN)),
    _P.ANSWER_INFORMATION_REQUEST: Grant((ADMIN,)),
    _P.FILE_COMPLAINT: Grant((PLATFORM,)),
    _P.READ_COMPLAINT_WORDING: Grant((PLATFORM, MODERATOR, ADMIN, REGULATOR, ADVOCATE)),
    _P.READ_COMPLAINTS: Grant((PLATFORM, MODERATOR, ADMIN, REGULATOR), (_QUEUE,)),
    _P.DECIDE_COMPLAINTS: Grant((MODERATOR, ADMIN), (_QUEUE,)),
    _P.FILE_SUPER_COMPLAINT: Grant((ADVOCATE,)),
    _P.READ_SUPER_COMPLAINTS: Grant((ADVOCATE, ADMIN, REGULATOR), (_BODY,)),
    _P.RESPOND_SUPER_COMPLAINT: Grant((ADMIN,)),
    _P.READ_SAMPLES: Grant((REGULATOR, ADMIN)),
    _P.READ_TRANSPARENCY: Grant((ADMIN, REGULATOR, ADVOCATE)),
    _P.READ_RISK_ASSESSMENT: Grant((ADMIN, REGULATOR)),
    _P.ASSESS_RISK: Grant((ADMIN,)),
    _P.READ_COMPLIANCE: Grant((ADMIN, REGULATOR)),
    # The web UI's landing pages of the roles with a portal of their own.
    _P.VIEW_PLATFORM_OVERVIEW: Grant((PLATFORM,)),
    _P.VIEW_REGULATOR_PORTAL: Grant((REGULATOR,)),
    _P.VIEW_ADVOCATE_PORTAL: Grant((ADVOCATE,)),
}
