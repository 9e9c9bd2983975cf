"""The children's risk assessment: the service's features, their risks, mitigations and evidence.

A register of the features a platform offers (direct messages, group chats, live-streaming,
video chat, image sharing, friend suggestions, public profiles, location), each with the
risks it poses to children, the policy rules in Safeguarding that mitigate it, the evidence
from the store, and a residual-risk level. The risks follow what Ofcom's children's risk
assessment guidance and the NSPCC say about each kind of feature, in plain words.

A feature is linked to rules through the events it shows up as (``Observation``): a rule
mitigates a feature when its conditions can hold for one of those events. Features that no
event describes (video chat, location) are "not observed by the engine": the register says
so rather than inventing evidence.

Residual risk, per feature (``residual_risk``):

- **high**: the engine does not observe the feature, or no enforced rule covers it;
- **medium**: enforced rules cover it, but some rules covering it are only in shadow mode, or
  one of its cases is open past its deadline;
- **low**: every rule covering it is enforced and none of its cases is overdue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from safeguarding.domain.events import (
    LIVESTREAM_INTERACTIONS,
    STREAM_EVENT_TYPES,
    ConversationKind,
    EventType,
)
from safeguarding.domain.policy import Mode, PolicyDocument, Rule

DEFAULT_PERIOD_DAYS = 90


class Feature(StrEnum):
    """A feature of the platform that bears on children's safety."""

    DIRECT_MESSAGES = "direct_messages"
    GROUP_CHATS = "group_chats"
    LIVESTREAMING = "livestreaming"
    VIDEO_CHAT = "video_chat"
    IMAGE_SHARING = "image_sharing"
    FRIEND_SUGGESTIONS = "friend_suggestions"
    PUBLIC_PROFILES = "public_profiles"
    LOCATION = "location"


class RiskLevel(StrEnum):
    """How much risk remains with the mitigations in force."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Observation(BaseModel):
    """One kind of event a feature shows up as; ``conversation_kinds`` narrows messages."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: EventType
    conversation_kinds: tuple[ConversationKind, ...] | None = None

    def covered_by(self, rule: Rule) -> bool:
        """Whether the rule's event and conversation conditions can hold for this event.

        As in the policy engine, a conversation kind is known for messages and for the events
        in a live stream (always ``livestream``), so a rule with a ``conversation_kind``
        condition never holds for any other event type.
        """
        when = rule.when
        if when.event_type is not None and self.event_type not in when.event_type:
            return False
        if when.conversation_kind is None:
            return True
        if self.event_type in STREAM_EVENT_TYPES:
            return ConversationKind.LIVESTREAM in when.conversation_kind
        if self.event_type is not EventType.MESSAGE:
            return False
        kinds = self.conversation_kinds or tuple(ConversationKind)
        return bool(set(kinds) & set(when.conversation_kind))


class FeatureProfile(BaseModel):
    """What the register knows of a feature before looking at policy or store."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    risks: tuple[str, ...]
    observed_as: str
    observations: tuple[Observation, ...] = ()

    @property
    def observed(self) -> bool:
        return bool(self.observations)


def _messages(kind: ConversationKind) -> Observation:
    return Observation(event_type=EventType.MESSAGE, conversation_kinds=(kind,))


NOT_OBSERVED = "not observed by the engine"

_PROFILES: dict[Feature, FeatureProfile] = {
    Feature.DIRECT_MESSAGES: FeatureProfile(
        title="Direct messages",
        risks=(
            "Unsolicited contact from adults the child does not know.",
            "Grooming: flattery, gifts and asks for secrecy that build a hidden bond.",
            "Sextortion: pressure to send images, then threats to share them.",
            "Moving the child to private or encrypted apps that the service cannot see.",
            "Bullying and harassment in one-to-one conversations.",
            "Links to known abuse material, disguised to pass a filter (URL lists).",
        ),
        observed_as="message events in a direct conversation (conversation_kind direct)",
        observations=(_messages(ConversationKind.DIRECT),),
    ),
    Feature.GROUP_CHATS: FeatureProfile(
        title="Group chats",
        risks=(
            "Children added to groups by people they do not know.",
            "Adults using shared groups to find children and then contact them privately.",
            "Group bullying, exclusion and pile-ons.",
            "Harmful content, including content promoting self-harm, reaching many children "
            "at once.",
        ),
        observed_as="message events in a group conversation (conversation_kind group)",
        observations=(_messages(ConversationKind.GROUP),),
    ),
    Feature.LIVESTREAMING: FeatureProfile(
        title="Live-streaming",
        risks=(
            "Children broadcasting to strangers who watch and comment in real time.",
            "Viewers pressuring a child to do things on camera, with gifts or flattery.",
            "Streams recorded and shared without the child's consent.",
            "Harm happens live, before moderation can act.",
        ),
        observed_as="livestream_start events (the owner, the audience, whether the owner is a "
        "child), the joins, comments, gifts and recordings in a stream (livestream_join, "
        "livestream_comment, livestream_gift, livestream_record), and message events in a "
        "stream's chat (conversation_kind livestream)",
        observations=(
            Observation(event_type=EventType.LIVESTREAM_START),
            *(Observation(event_type=t) for t in sorted(LIVESTREAM_INTERACTIONS)),
            _messages(ConversationKind.LIVESTREAM),
        ),
    ),
    Feature.VIDEO_CHAT: FeatureProfile(
        title="Video chat",
        risks=(
            "One-to-one video with strangers, including random matching.",
            "Pressure to do things on camera, recorded and then used for sextortion.",
            "Calls leave little evidence afterwards, so reports are hard to act on.",
        ),
        observed_as=f"{NOT_OBSERVED}: no event type describes a video call, so its "
        "mitigations live in the platform itself",
    ),
    Feature.IMAGE_SHARING: FeatureProfile(
        title="Image and video sharing",
        risks=(
            "Sharing and re-sharing of known child sexual abuse imagery.",
            "Requests for, and sharing of, images of children taken by themselves.",
            "Images used for sextortion or bullying.",
            "Intimate images shared without consent (matched by StopNCII-style hashes).",
            "Content promoting self-harm or eating disorders.",
        ),
        observed_as="media events (media_kind image or video), matched against the hash "
        "banks by harm: abuse imagery, intimate-image abuse, terrorism",
        observations=(Observation(event_type=EventType.MEDIA),),
    ),
    Feature.FRIEND_SUGGESTIONS: FeatureProfile(
        title="Friend suggestions",
        risks=(
            "Recommending children to adults they do not know, and adults to children.",
            "Friend-of-friend suggestions widening an adult's reach to children.",
            "Suggestions helping one adult find many children quickly.",
        ),
        observed_as="contact_request events (via suggestion), and suggestion filtering "
        "(POST /v1/suggestions/filter), which applies the contact_request rules; the "
        "evidence counts every contact request, since the route a request came by is kept "
        "only inside the sealed event",
        observations=(Observation(event_type=EventType.CONTACT_REQUEST),),
    ),
    Feature.PUBLIC_PROFILES: FeatureProfile(
        title="Public profiles",
        risks=(
            "A child's age, photos, school or interests visible to strangers.",
            "Profiles used to pick out and target children.",
            "Public posts and comments exposing children to bullying or harmful content.",
        ),
        observed_as="profile_update events, and post events (posts and comments on a profile)",
        observations=(
            Observation(event_type=EventType.PROFILE_UPDATE),
            Observation(event_type=EventType.POST),
        ),
    ),
    Feature.LOCATION: FeatureProfile(
        title="Location sharing",
        risks=(
            "A child's live or precise location shared with people they do not know.",
            "Meeting in person, and physical danger.",
            "Location given away through posts, photos or check-ins.",
        ),
        observed_as=f"{NOT_OBSERVED}: no event type carries a location, so its "
        "mitigations live in the platform itself",
    ),
}


def profile(feature: Feature) -> FeatureProfile:
    return _PROFILES[feature]


class Mitigation(BaseModel):
    """A policy rule that mitigates a feature, as configured."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    mode: Mode
    description: str
    actions: tuple[str, ...] = ()

    @classmethod
    def of(cls, rule: Rule) -> Mitigation:
        return cls(
            rule=rule.name,
            mode=rule.mode,
            description=rule.description,
            actions=tuple(a.name.value for a in rule.then),
        )


class FeatureEvidence(BaseModel):
    """What the store holds for a feature over the assessed period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    events: int = 0
    actioned: int = Field(default=0, description="decisions that held or blocked the event")
    signals_by_detector: dict[str, int] = Field(default_factory=dict)
    cases: int = 0
    cases_overdue: int = Field(default=0, description="cases open now past their deadline")


class FeatureAssessment(BaseModel):
    """One feature in the register."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    feature: Feature
    title: str
    risks: tuple[str, ...]
    observed: bool
    observed_as: str
    mitigations: tuple[Mitigation, ...]
    evidence: FeatureEvidence | None
    residual_risk: RiskLevel
    residual_reason: str

    @property
    def enforced(self) -> tuple[Mitigation, ...]:
        return tuple(m for m in self.mitigations if m.mode is Mode.ENFORCE)

    @property
    def shadow(self) -> tuple[Mitigation, ...]:
        return tuple(m for m in self.mitigations if m.mode is Mode.SHADOW)


class RiskAssessment(BaseModel):
    """A dated assessment of every feature the platform offers, against one policy version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(ge=1)
    assessed_at: datetime
    assessed_by: str
    policy_version: int
    period_days: int = Field(ge=1)
    organisation: str
    senior_manager: str
    features: tuple[FeatureAssessment, ...]
    every_feature: tuple[Mitigation, ...] = Field(
        default=(), description="rules on user reports, which cover whatever was reported"
    )
    not_offered: tuple[Feature, ...] = ()

    def review_due(self, current_policy_version: int) -> bool:
        """Whether the policy changed since: then the assessment needs a review."""
        return current_policy_version != self.policy_version

    def feature(self, feature: Feature) -> FeatureAssessment:
        return next(f for f in self.features if f.feature is feature)

    def residual_counts(self) -> dict[str, int]:
        counts = {level.value: 0 for level in RiskLevel}
        for f in self.features:
            counts[f.residual_risk.value] += 1
        return counts


def mitigations_for(feature: Feature, document: PolicyDocument) -> tuple[Mitigation, ...]:
    """The rules whose event conditions can hold for one of the feature's events, in order."""
    observations = _PROFILES[feature].observations
    return tuple(
        Mitigation.of(rule)
        for rule in document.rules
        if any(o.covered_by(rule) for o in observations)
    )


def report_rules(document: PolicyDocument) -> tuple[Mitigation, ...]:
    """Rules on user reports: they act on a report of any feature, so none is credited one."""
    return tuple(
        Mitigation.of(rule)
        for rule in document.rules
        if rule.when.event_type is not None and EventType.USER_REPORT in rule.when.event_type
    )


def residual_risk(
    observed: bool, mitigations: Iterable[Mitigation], evidence: FeatureEvidence | None
) -> tuple[RiskLevel, str]:
    """The residual-risk level by the rule in this module's docstring, and why."""
    if not observed:
        return RiskLevel.HIGH, "the engine does not observe this feature"
    rules = tuple(mitigations)
    enforced = [m.rule for m in rules if m.mode is Mode.ENFORCE]
    shadow = [m.rule for m in rules if m.mode is Mode.SHADOW]
    if not enforced:
        why = f"only shadow rules cover it ({', '.join(shadow)})" if shadow else "no rule"
        return RiskLevel.HIGH, f"no enforced rule covers it: {why}"
    overdue = evidence.cases_overdue if evidence is not None else 0
    if overdue:
        return RiskLevel.MEDIUM, f"{overdue} case(s) open past their deadline"
    if shadow:
        return RiskLevel.MEDIUM, f"some rules are only in shadow mode: {', '.join(shadow)}"
    return RiskLevel.LOW, f"{len(enforced)} enforced rule(s) cover it and no case is overdue"


def assess_feature(
    feature: Feature, document: PolicyDocument, evidence: FeatureEvidence | None
) -> FeatureAssessment:
    known = _PROFILES[feature]
    mitigations = mitigations_for(feature, document)
    held = evidence if known.observed else None
    level, why = residual_risk(known.observed, mitigations, held)
    return FeatureAssessment(
        feature=feature,
        title=known.title,
        risks=known.risks,
        observed=known.observed,
        observed_as=known.observed_as,
        mitigations=mitigations,
        evidence=held,
        residual_risk=level,
        residual_reason=why,
    )


class AssessmentContext(BaseModel):
    """Who assesses, when, against which policy, and for whom."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(ge=1)
    assessed_at: datetime
    assessed_by: str
    policy_version: int
    period_days: int = Field(default=DEFAULT_PERIOD_DAYS, ge=1)
    organisation: str = ""
    senior_manager: str = ""


def assess(
    features: Iterable[Feature],
    document: PolicyDocument,
    evidence: Mapping[Feature, FeatureEvidence],
    context: AssessmentContext,
) -> RiskAssessment:
    """Assess each offered feature (in the register's order) against the policy document."""
    offered = set(features)
    return RiskAssessment(
        **context.model_dump(),
        features=tuple(
            assess_feature(f, document, evidence.get(f)) for f in Feature if f in offered
        ),
        every_feature=report_rules(document),
        not_offered=tuple(f for f in Feature if f not in offered),
    )
