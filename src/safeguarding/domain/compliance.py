"""The compliance checklist: the regulator's measures this engine can evidence, met or not.

Each ``Measure`` names the measure of Ofcom's Illegal Content Codes or Protection of Children
Codes (user-to-user services) it evidences, in words, and is marked met or not from live
configuration and figures (``ComplianceFacts``, gathered by the compliance service), with one
line of evidence and, when not met, what would meet it. The checklist also names the senior
manager accountable for children's safety and the maximum penalty exposure: the greater of
£18 million and 10% of qualifying worldwide revenue.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from safeguarding.domain.actions import ActionName
from safeguarding.domain.compliance_banks import intimate_image_hashes, shared_signals, url_lists
from safeguarding.domain.compliance_facts import ComplianceFacts as ComplianceFacts
from safeguarding.domain.compliance_facts import Measure as Measure
from safeguarding.domain.events import EventType
from safeguarding.domain.penalty import Penalty, penalty_exposure
from safeguarding.domain.policy import Mode, PolicyDocument, Rule
from safeguarding.domain.selftest import summary

ON_TIME_TARGET = 0.90  # share of cases decided within their deadline
MODERATION_WINDOW_DAYS = 30
REPORT_WAIT_HOURS = 24  # longest a drafted authority report may wait for confirmation


class Checklist(BaseModel):
    """Every measure, who is accountable, and what a failure could cost."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    generated_at: datetime
    organisation: str
    senior_manager: str
    policy_version: int
    measures: tuple[Measure, ...]
    penalty: Penalty

    @property
    def met(self) -> int:
        return sum(m.met for m in self.measures)


# -- which rules a measure reads ------------------------------------------------------------
def _signal_of(rule: Rule, detector: str) -> bool:
    return rule.when.signal is not None and rule.when.signal.detector == detector


def hash_block_rules(document: PolicyDocument) -> list[Rule]:
    """Rules that block an upload on a ``hash_match`` signal."""
    return [
        r
        for r in document.rules
        if r.when.signal is not None
        and r.when.signal.kind == "hash_match"
        and any(a.name is ActionName.BLOCK for a in r.then)
    ]


def report_rules(document: PolicyDocument) -> list[Rule]:
    """Rules on user reports."""
    return [r for r in document.rules if EventType.USER_REPORT in (r.when.event_type or ())]


def _tally(rules: list[Rule], what: str) -> tuple[bool, str]:
    """(all enforced and at least one, 'n of m <what> enforced')."""
    enforced = [r for r in rules if r.mode is Mode.ENFORCE]
    return bool(rules) and len(enforced) == len(rules), f"{len(enforced)} of {len(rules)} {what}"


def _unless(met: bool, how: str) -> str | None:
    return None if met else how


def _detector(facts: ComplianceFacts, name: str) -> tuple[bool, str]:
    on = name in facts.detectors
    return on, f"{name} detector {'enabled' if on else 'not enabled'}"


# -- the measures ---------------------------------------------------------------------------
def hash_matching(f: ComplianceFacts) -> Measure:
    rules = [r for r in hash_block_rules(f.policy) if r.mode is Mode.ENFORCE]
    banks = f.blocking_bank_hashes > 0 and "hash_bank" in f.detectors
    listed = f.sha256_list_configured and "sha256_list" in f.detectors
    how = []
    if not (banks or listed):
        how.append("create a blocking bank and import hashes, or set SAFEGUARDING_SHA256_LIST_PATH")
    if not rules:
        how.append("enforce a rule that blocks uploads on hash_match (known-abuse-image)")
    return Measure(
        id="hash_matching",
        title="Known abuse imagery is matched and blocked",
        code_measure="Hash matching for CSAM (Illegal Content Codes, user-to-user)",
        met=not how,
        evidence=f"{f.blocking_bank_hashes} hashes in {f.blocking_banks} enabled blocking "
        f"bank(s); sha256 list {'configured' if f.sha256_list_configured else 'not set'}; "
        f"{len(rules)} enforced blocking hash rule(s)",
        how_to_meet="; ".join(how) or None,
    )


def grooming_defaults(f: ComplianceFacts) -> Measure:
    """Met on behaviour: every adversary sequence stopped, besides the rules being enforced."""
    stopped, selftest, fix = summary(f.child_safety_selftest)
    defaults_ok, defaults = _tally(
        [r for r in f.policy.rules if r.is_child_safety_default], "child-safe defaults enforced"
    )
    rules_ok, grooming = _tally(
        [r for r in f.policy.rules if _signal_of(r, "grooming")], "grooming rules enforced"
    )
    detector_ok, detector = _detector(f, "grooming")
    configured = defaults_ok and rules_ok and detector_ok
    how = [] if stopped else [fix or ""]
    how += (
        []
        if configured
        else [
            "enforce every rule tagged child_safety_default and every grooming rule, "
            "with the grooming detector enabled"
        ]
    )
    return Measure(
        id="grooming_defaults",
        title="Children are protected from grooming by default",
        code_measure="Safety defaults for child users, against grooming "
        "(Illegal Content Codes, user-to-user)",
        met=stopped and configured,
        evidence=f"{selftest}; {defaults}; {grooming}; {detector}",
        how_to_meet="; ".join(how) or None,
    )


def user_reporting(f: ComplianceFacts) -> Measure:
    ok, tally = _tally(report_rules(f.policy), "user-report rules enforced")
    detector_ok, detector = _detector(f, "user_report")
    met = ok and detector_ok
    return Measure(
        id="user_reporting",
        title="User reports are acted on",
        code_measure="Easy-to-use reporting, acted on (Illegal Content and Protection of "
        "Children Codes, user-to-user: reporting and complaints)",
        met=met,
        evidence=f"{tally}; {detector}",
        how_to_meet=_unless(
            met, "enforce the user-report rules with the user_report detector enabled"
        ),
    )


def complaints(f: ComplianceFacts) -> Measure:
    met = f.overdue_complaints == 0
    return Measure(
        id="complaints",
        title="Complaints and appeals are resolved within their deadlines",
        code_measure="Complaints handled promptly (Illegal Content and Protection of Children "
        "Codes, user-to-user: reporting and complaints)",
        met=met,
        evidence=f"{f.open_complaints} open complaint(s) and appeal(s), "
        f"{f.overdue_complaints} past their deadline",
        how_to_meet=_unless(met, "decide the overdue complaints and appeals"),
    )


def moderation_deadlines(f: ComplianceFacts) -> Measure:
    share = f.decided_on_time / f.decided_cases if f.decided_cases else 1.0
    met = f.overdue_cases == 0 and share >= ON_TIME_TARGET
    decided = (
        f"{f.decided_on_time} of {f.decided_cases} ({share:.0%}) decided within their deadline "
        f"in the last {MODERATION_WINDOW_DAYS} days"
        if f.decided_cases
        else f"no case decided in the last {MODERATION_WINDOW_DAYS} days"
    )
    return Measure(
        id="moderation_deadlines",
        title="Cases are reviewed within their deadlines",
        code_measure="Content moderation: swift action against illegal content and "
        "performance targets (Illegal Content Codes, user-to-user)",
        met=met,
        evidence=f"{f.overdue_cases} case(s) open past their deadline; {decided}",
        how_to_meet=_unless(
            met,
            f"clear the overdue cases and decide at least {ON_TIME_TARGET:.0%} of cases "
            "within their deadline",
        ),
    )


def self_harm(f: ComplianceFacts) -> Measure:
    rules = [r for r in f.policy.rules if _signal_of(r, "self_harm")]
    ok, tally = _tally(rules, "self-harm rules enforced")
    detector_ok, detector = _detector(f, "self_harm")
    shadow = sum(r.mode is Mode.SHADOW for r in rules)
    met = ok and detector_ok
    return Measure(
        id="self_harm",
        title="Suicide and self-harm content is acted on like illegal content",
        code_measure="Suicide and self-harm content as primary priority content harmful to "
        "children (Protection of Children Codes, user-to-user: content moderation)",
        met=met,
        evidence=f"{tally} ({shadow} in shadow mode); {detector}",
        how_to_meet=_unless(
            met,
            "set every self-harm rule to mode: enforce (trial them in shadow first), "
            "with the self_harm detector enabled",
        ),
    )


def authority_reporting(f: ComplianceFacts) -> Measure:
    met = f.report_destination is not None and f.reports_waiting == 0
    where = (
        f"report {f.report_destination} configured"
        if f.report_destination
        else "no report endpoint or folder configured"
    )
    how = []
    if f.report_destination is None:
        how.append("set SAFEGUARDING_REPORT_ENDPOINT (or SAFEGUARDING_REPORT_DIR)")
    if f.reports_waiting:
        how.append("confirm or reject the drafted reports that are waiting")
    return Measure(
        id="authority_reporting",
        title="Child sexual exploitation and abuse is reported to the authorities",
        code_measure="Reporting detected CSEA to the National Crime Agency "
        "(Online Safety Act 2023, CSEA reporting duty)",
        met=met,
        evidence=f"{where}; {f.reports_waiting} report(s) awaiting confirmation for more "
        f"than {REPORT_WAIT_HOURS} hours",
        how_to_meet="; ".join(how) or None,
    )


def _assessment_state(f: ComplianceFacts) -> tuple[bool, str, str]:
    """(current, what the latest risk assessment is, what to do when it is not current)."""
    if f.risk_assessment_version is None:
        return False, "no risk assessment yet", "assess the risks (safeguarding risk assess)"
    on = f.risk_assessed_at.date().isoformat() if f.risk_assessed_at else "an unknown date"
    current = f.risk_policy_version == f.policy_version
    state = (
        f"risk assessment v{f.risk_assessment_version} of {on} against policy "
        f"v{f.risk_policy_version} (in force: v{f.policy_version})"
    )
    return (
        current,
        state + ("" if current else ", due for review"),
        "assess again (safeguarding risk assess)",
    )


def transparency(f: ComplianceFacts) -> Measure:
    named = bool(f.senior_manager.strip())
    current, state, todo = _assessment_state(f)
    how = [] if named else ["name the senior manager (SAFEGUARDING_SENIOR_MANAGER)"]
    how += [] if current else [todo]
    return Measure(
        id="transparency",
        title="The risk assessment is current and owned",
        code_measure="Children's risk assessment kept up to date, with accountability for it "
        "(Online Safety Act children's risk assessment duties; Protection of Children Codes, "
        "governance)",
        met=named and current,
        evidence=f"senior manager {'named' if named else 'not named'}; {state}",
        how_to_meet="; ".join(how) or None,
    )


def senior_manager(f: ComplianceFacts) -> Measure:
    named = f.senior_manager.strip()
    return Measure(
        id="senior_manager",
        title="A named senior manager is accountable for children's safety",
        code_measure="A named person accountable for the children's safety duties "
        "(Illegal Content and Protection of Children Codes, user-to-user: governance "
        "and accountability)",
        met=bool(named),
        evidence=f"named: {named}" if named else "no senior manager named",
        how_to_meet=_unless(bool(named), "set SAFEGUARDING_SENIOR_MANAGER to 'Name, Job title'"),
    )


MEASURES: tuple[Callable[[ComplianceFacts], Measure], ...] = (
    hash_matching,
    url_lists,
    intimate_image_hashes,
    shared_signals,
    grooming_defaults,
    user_reporting,
    complaints,
    moderation_deadlines,
    self_harm,
    authority_reporting,
    transparency,
    senior_manager,
)


def checklist(facts: ComplianceFacts, generated_at: datetime) -> Checklist:
    amount, explanation = penalty_exposure(facts.qualifying_revenue_gbp)
    return Checklist(
        generated_at=generated_at,
        organisation=facts.organisation,
        senior_manager=facts.senior_manager,
        policy_version=facts.policy_version,
        measures=tuple(measure(facts) for measure in MEASURES),
        penalty=Penalty(
            amount_gbp=amount,
            explanation=explanation,
            qualifying_revenue_gbp=facts.qualifying_revenue_gbp,
        ),
    )
