"""The DSA qualitative template (Implementing Regulation (EU) 2024/2835, Annex II), answered
from the service's configuration, the policy in force and the period's figures.

Every indicator the template lists for hosting services and online platforms gets a text; the
five that apply only to very large platforms are listed with the template's applicability and
a sentence saying so. The texts describe what the engine does (detectors, rules, review,
appeals), never any content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from safeguarding.domain.policy import Mode, PolicyDocument
from safeguarding.domain.transparency import QualitativeItem

ALL = "All"
PLATFORMS = "Only for providers of online platforms"
VLOPS = "Only for VLOPs"
VLOP_ONLY = (
    "High-level description of the content moderation governance structure",
    "Qualifications of the human resources dedicated to content moderation",
    "Training given to human resources dedicated to content moderation",
    "Support given to human resources dedicated to content moderation",
    "Methodology used to compute the number of human resources dedicated to content moderation",
)
Figure = Callable[[str], float | None]


@dataclass(frozen=True)
class QualitativeConfig:
    """What the qualitative answers draw on beyond the policy: the detectors enabled and the
    deadlines the service gives itself for complaints and appeals."""

    detectors: tuple[str, ...] = ()
    complaint_deadline_days: float = 14
    appeal_deadline_days: float = 7


def qualitative(
    config: QualitativeConfig,
    organisation: str,
    policy: PolicyDocument | None,
    figure: Figure,
) -> tuple[QualitativeItem, ...]:
    """Every Annex II indicator, in the template's order, each with its answer."""
    rules = policy.rules if policy is not None else ()
    enforced = [r for r in rules if r.mode is Mode.ENFORCE]
    actions = sorted({a.name.value for r in enforced for a in r.then})
    detectors = ", ".join(config.detectors) or "none enabled"
    median = _hours(figure("time.notice_to_action.median"))
    answers = [
        (ALL, "Summary of the content moderation engaged in at the providers\u2019 own initiative",
         f"{organisation} screens messages, uploads, contact requests and reports with the "
         f"Safeguarding engine. {len(enforced)} policy rules are enforced "
         f"({len(rules) - len(enforced)} more run in shadow mode, recorded but not acted on). "
         f"The measures they can take: {', '.join(actions) or 'none'}."),
        (ALL, "Meaningful and comprehensible information regarding content moderation engaged "
         "in at the providers' own initiative",
         "Each event is checked by the detectors; the policy turns their signals into a "
         "decision (allow, hold, block) and its actions, and every decision records the rules "
         "and signals behind it. Accounts of children get protective defaults. Cases go to "
         "moderators' queues; an authority report leaves only after a moderator confirms it."),
        (ALL, "Qualitative description of the automated means",
         f"Detectors enabled: {detectors}. Known abuse images are matched by hash against "
         "hash banks (exact and perceptual hashes); text detectors score grooming and "
         "self-harm warning signs within a conversation; the policy engine applies the rules."),
        (ALL, "Qualitative description of indicators of accuracy and possible rate of error "
         "of automated means",
         f"Accuracy is read from human review: of {_count(figure('appeals'))} appeals "
         f"against decisions in the period, {_count(figure('appeals.upheld'))} were upheld "
         "(the decision reversed). Moderators' case decisions confirm or dismiss what the "
         "detectors raised."),
        (ALL, "Specification of the precise purposes to apply automated means",
         "To stop known child sexual abuse material, to detect grooming and self-harm risk "
         "early, and to apply child-safe defaults to children's accounts."),
        (ALL, "Safeguards applied to the use of automated means",
         "New rules can run in shadow mode before they act; holds and cases go to human "
         "moderators; every decision can be appealed; every action and read of evidence is "
         "in a hash-chained audit log."),
        *((VLOPS, indicator, f"Applies only to very large online platforms; {organisation} "
           "reports it, if designated, from its own records.") for indicator in VLOP_ONLY),
        (ALL, "Information about Article 9 and 10 orders from Member States\u2019 authorities",
         "Formal information requests from authorities are recorded and answered through the "
         "engine, each read of a package under one is audited."),
        (ALL, "Information about notices received through the notice and action mechanism",
         f"User reports are notices: {_count(figure('notices_decided'))} were decided in the "
         "period, first by the policy when they arrive and then by a moderator where a case "
         f"was opened (median time to take action: {median})."),
        (ALL, "Information about complaints received through the internal complaint handling "
         "systems (i.e. appeals)",
         f"Appeals are decided within {config.appeal_deadline_days:g} days and complaints "
         f"within {config.complaint_deadline_days:g} days, by someone other than the first "
         "decision's author."),
        (PLATFORMS, "Information about complaints received through out-of-court dispute "
         "settlements",
         "Out-of-court disputes are handled outside the engine; none is recorded in it."),
        (PLATFORMS, "Information about Article 23 suspensions imposed to protect against misuse",
         f"{_count(figure('actioned.action.suspend_account'))} accounts were suspended under "
         "policy rules in the period (known abuse imagery under the default policy)."),
        (ALL, "Other information",
         "Median times are in hours; figures are as of the audit head named in part 1; the "
         "policy versions in force are listed in the report."),
    ]  # fmt: skip
    return tuple(QualitativeItem(applicability=a, indicator=i, value=v) for a, i, v in answers)


def _count(value: float | None) -> str:
    return "0" if value is None else f"{value:g}"


def _hours(minutes: float | None) -> str:
    return "no notice decided" if minutes is None else f"{minutes / 60:.2f} hours"
