"""Actions a decision can take, and how they add up to a verdict."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ActionName(StrEnum):
    """Every action a policy rule may name."""

    BLOCK = "block"
    HOLD_FOR_REVIEW = "hold_for_review"
    REMOVE = "remove"
    HIDE_FROM_CHILDREN = "hide_from_children"
    RESTRICT_CONTACT_WITH_CHILDREN = "restrict_contact_with_children"
    SUSPEND_ACCOUNT = "suspend_account"
    SUPPORT_MESSAGE = "support_message"
    OPEN_CASE = "open_case"
    PRESERVE_EVIDENCE = "preserve_evidence"
    REPORT_TO_AUTHORITY = "report_to_authority"
    NOTIFY = "notify"

    @property
    def has_side_effect(self) -> bool:
        """Whether carrying it out needs work after the decision (through the outbox)."""
        return self in _SIDE_EFFECTS


_SIDE_EFFECTS = frozenset(
    {
        ActionName.RESTRICT_CONTACT_WITH_CHILDREN,
        ActionName.SUSPEND_ACCOUNT,
        ActionName.OPEN_CASE,
        ActionName.PRESERVE_EVIDENCE,
        ActionName.REPORT_TO_AUTHORITY,
        ActionName.NOTIFY,
    }
)


# Closed patterns for names that leave the engine: a topic goes into a webhook header, an
# authority into a report's file name. Neither may carry a path separator, a space, CR or LF.
AUTHORITY_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
TOPIC_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"


class _Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OpenCaseParams(_Params):
    """Which review queue, how urgent (1 is most), and the deadline in hours."""

    queue: str = "general"
    priority: int = Field(default=3, ge=1, le=4)
    deadline_hours: float | None = Field(default=None, gt=0)
    # A legal clock to take the content down, apart from the review deadline (intimate-image
    # abuse: 48 hours); the case shows it.
    takedown_hours: float | None = Field(default=None, gt=0)
    # "account": the case is about the subject wherever it happened (no conversation in its
    # key), so one adult's attempts on a child across conversations land on one case.
    scope: Literal["conversation", "account"] = "conversation"


class SupportMessageParams(_Params):
    """Who sees the support message, and which resources it signposts."""

    audience: Literal["actor", "targets", "reported", "child"] = "targets"
    text: str | None = None
    resources: tuple[str, ...] = ("childline", "samaritans", "shout")


class NotifyParams(_Params):
    """The webhook topic the platform subscribes to."""

    topic: str = Field(
        default="decision",
        pattern=TOPIC_PATTERN,
        description="a topic is letters, digits, '_', '.', ':' and '-' (at most 128), "
        "starting with a letter or digit",
    )


class ReportParams(_Params):
    """Which authority the report is meant for."""

    authority: str = Field(
        default="default",
        pattern=AUTHORITY_PATTERN,
        description="an authority name is lower-case letters, digits, '_', '.' and '-' "
        "(at most 64), starting with a letter or digit, such as default or nca",
    )


class PreserveParams(_Params):
    """How long preserved evidence is kept before it may be purged."""

    retention_days: int = Field(default=365, ge=1)


# The parameters each action accepts; the policy validator checks rules against them.
ACTION_PARAMETERS: dict[ActionName, type[BaseModel]] = {
    ActionName.OPEN_CASE: OpenCaseParams,
    ActionName.SUPPORT_MESSAGE: SupportMessageParams,
    ActionName.NOTIFY: NotifyParams,
    ActionName.REPORT_TO_AUTHORITY: ReportParams,
    ActionName.PRESERVE_EVIDENCE: PreserveParams,
}


class Action(BaseModel):
    """One action with its parameters, as a rule states it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ActionName
    params: dict[str, Any] = Field(default_factory=dict)

    def parsed_params(self) -> Any:
        """The parameters as their typed model, defaults filled in."""
        model = ACTION_PARAMETERS.get(self.name)
        return model.model_validate(self.params) if model else None
