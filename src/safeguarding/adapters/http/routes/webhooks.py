"""The webhooks Safeguarding sends, described in the OpenAPI document's ``webhooks`` section.

Nothing here is served: these operations tell a receiver what arrives at its URL (the body and
the headers of both signature formats; see adapters/webhooks.py and docs/operations.md).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from safeguarding.domain.decisions import Verdict

webhooks = APIRouter()


class NotifyPayload(BaseModel):
    """The body of a `notify` webhook: JSON, compact, keys sorted, never any content."""

    model_config = ConfigDict(extra="forbid")

    actor_id: str = Field(description="The account that acted (the sender or uploader).")
    delivery_id: str = Field(
        description="The outbox item id, the same as the webhook-id header; drop repeats by it."
    )
    event_id: str = Field(description="The platform's id of the event decided on.")
    rule: str | None = Field(description="The policy rule whose action sent this.")
    topic: str = Field(description="The notify action's topic, as in Safeguarding-Topic.")
    verdict: Verdict | None = Field(description="The decision's verdict.")


@webhooks.post(
    "notify",
    operation_id="notify",
    summary="A notify action fired (sent to SAFEGUARDING_WEBHOOK_URL)",
    status_code=204,
    responses={204: {"description": "Any 2xx acknowledges; anything else is retried."}},
)
def notify(
    payload: NotifyPayload,
    webhook_id: Annotated[str, Header(alias="webhook-id", description="The delivery id.")],
    webhook_timestamp: Annotated[
        str, Header(alias="webhook-timestamp", description="Unix seconds of this attempt.")
    ],
    webhook_signature: Annotated[
        str,
        Header(
            alias="webhook-signature",
            description="Standard Webhooks: `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, "
            "one per secret, space-separated.",
        ),
    ],
    safeguarding_signature: Annotated[
        str,
        Header(
            alias="Safeguarding-Signature",
            description="`t=<unix time>,v1=<hex HMAC-SHA256 of t.body>`, one v1 per secret.",
        ),
    ],
    safeguarding_topic: Annotated[str, Header(alias="Safeguarding-Topic")],
    safeguarding_delivery: Annotated[str, Header(alias="Safeguarding-Delivery")],
) -> Response:
    """Described, not served."""
    return Response(status_code=204)
