"""Side effects: what a decision leaves for the outbox to carry out, as one typed value.

Ingest writes one ``SideEffect`` per side-effecting action of a decision, in the decision's
transaction; the outbox reads it back and hands it to the handler for its action. The stored
form (``stored()``) is the JSON object the outbox table has always held, so rows written
before this model existed are read as they are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from safeguarding.domain.actions import (
    ACTION_PARAMETERS,
    Action,
    ActionName,
    NotifyParams,
    OpenCaseParams,
    PreserveParams,
    ReportParams,
)
from safeguarding.domain.decisions import Decision, Verdict
from safeguarding.domain.events import Event

SIDE_EFFECTS = frozenset(a for a in ActionName if a.has_side_effect)
"""Every action the outbox must carry out (each needs a handler)."""

EffectParams = OpenCaseParams | PreserveParams | ReportParams | NotifyParams | None
P = TypeVar("P", bound=BaseModel)

# What the stored payload holds; the item's id, event id, action and time are its own columns.
_STORED = {"rule", "actor_id", "target_ids", "report_to_authority", "verdict"}


class SideEffect(BaseModel):
    """One side effect of one decision: the action with its typed parameters, the outbox item
    that carries it, and the facts of the event its handler needs (never the content)."""

    # A stored row may carry keys a later version added: read what is known, ignore the rest.
    model_config = ConfigDict(frozen=True, extra="ignore")

    item_id: str
    event_id: str
    created_at: datetime
    action: ActionName
    params: EffectParams = None
    rule: str = ""
    actor_id: str
    target_ids: tuple[str, ...] = ()
    subject_account_id: str | None = None
    verdict: Verdict | None = None
    report_to_authority: bool = False

    @model_validator(mode="before")
    @classmethod
    def _typed_params(cls, data: Any) -> Any:
        """Parse ``params`` as the model its action takes (defaults from domain/actions.py)."""
        if not isinstance(data, dict) or isinstance(data.get("params"), BaseModel):
            return data
        model = ACTION_PARAMETERS.get(ActionName(data["action"])) if "action" in data else None
        params = data.get("params") or {}
        if model is None and params:
            raise ValueError(f"action {data['action']} takes no parameters")
        return {**data, "params": None if model is None else _parsed(model, params)}

    @model_validator(mode="after")
    def _is_side_effect(self) -> SideEffect:
        if not self.action.has_side_effect:
            raise ValueError(f"action {self.action.value} has no side effect to carry out")
        return self

    @property
    def subject(self) -> str:
        """The account the effect is about: the one the decision's signals name (the reported
        account, the suspect), else the actor. The one place this rule is written."""
        return self.subject_account_id or self.actor_id

    def params_as(self, model: type[P]) -> P:
        """The parameters as ``model``, which must be the one this action takes."""
        if not isinstance(self.params, model):
            raise TypeError(f"{self.action.value} does not take {model.__name__}")
        return self.params

    def stored(self) -> dict[str, Any]:
        """The JSON object the outbox row keeps (the shape it has always had)."""
        kept = self.model_dump(mode="json", include=_STORED)
        params = self.params.model_dump(mode="json", exclude_unset=True) if self.params else {}
        return {
            **kept,
            "action": self.action.value,
            "params": params,
            "subject_account_id": self.subject,
        }

    @classmethod
    def from_stored(
        cls, *, item_id: str, kind: str, event_id: str, created_at: datetime, payload: Any
    ) -> SideEffect:
        """Read an outbox row back. Its ``kind`` column names the action; raises
        ``pydantic.ValidationError`` for a row that is not a side effect as stated."""
        body = payload if isinstance(payload, dict) else {}
        return cls.model_validate(
            {
                **body,
                "item_id": item_id,
                "event_id": event_id,
                "created_at": created_at,
                "action": kind,
            }
        )

    @classmethod
    def of_decision(
        cls, event: Event, decision: Decision, item_ids: list[str], at: datetime
    ) -> tuple[SideEffect, ...]:
        """The side effects of a decision, one per side-effecting action, under the given
        outbox item ids (as many as ``decision.side_effects()``)."""
        actions = decision.side_effects()
        reporting = any(a.name is ActionName.REPORT_TO_AUTHORITY for a in actions)
        return tuple(
            cls.model_validate(
                {
                    "item_id": item_id,
                    "event_id": event.event_id,
                    "created_at": at,
                    "action": action.name,
                    "params": action.params,
                    "rule": _first_rule(decision, action),
                    "actor_id": event.actor_id,
                    "target_ids": event.target_ids(),
                    "subject_account_id": named_subject(decision),
                    "verdict": decision.verdict,
                    "report_to_authority": reporting,
                }
            )
            for action, item_id in zip(actions, item_ids, strict=True)
        )


def named_subject(decision: Decision) -> str | None:
    """The account the decision's signals name as its subject: the reported one for a report,
    the suspect a conversation signal names; None when none does."""
    for signal in decision.signals:
        if signal.subject == "account":
            return signal.subject_id
        suspect = signal.evidence.details.get("suspect_account_id")
        if isinstance(suspect, str):
            return suspect
    return None


def _parsed(model: type[BaseModel], params: Any) -> BaseModel:
    try:
        return model.model_validate(params)
    except ValidationError as exc:  # say where, as the outer model would (never the value)
        raise ValueError(
            "; ".join(f"params.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        ) from None


def _first_rule(decision: Decision, action: Action) -> str:
    """The first rule that took the action (its parameters may be merged from several)."""
    return next(
        (r.rule for r in decision.rules if any(a.name == action.name for a in r.actions)), ""
    )
