"""The settings for what leaves the engine: webhooks, authority reports, NCMEC's CyberTipline.

A base of ``Settings`` (settings.py), kept apart because each of these carries a secret or an
endpoint that must be checked (HTTPS only, a ``whsec_`` key that decodes).
"""

from __future__ import annotations

import base64
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator

from safeguarding.urls import endpoint_problem


class DeliverySettings(BaseModel):
    """Where webhooks and reports go, and the secrets that sign or authorise them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allow_insecure_endpoints: bool = Field(
        default=False,
        description="Allow plain http:// report and webhook endpoints on any host, for local "
        "testing only; without it http:// is refused unless the host is a loopback address.",
    )
    webhook_url: str | None = Field(
        default=None, description="Where `notify` actions POST signed webhooks; none sent if unset."
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="HMAC-SHA256 secret that signs webhook bodies: `whsec_` and a base64 key "
        "(Standard Webhooks), or any other text, keyed as its UTF-8 bytes.",
    )
    webhook_secret_previous: SecretStr | None = Field(
        default=None,
        description="While rotating the webhook secret, the one being replaced: each webhook is "
        "signed with both until this is unset.",
    )
    report_endpoint: str | None = Field(
        default=None,
        description="HTTPS endpoint that confirmed authority reports are POSTed to.",
    )
    report_token: SecretStr | None = Field(
        default=None, description="Bearer token for the report endpoint."
    )
    report_dir: Path | None = Field(
        default=None,
        description="Folder for confirmed reports when no endpoint is set (data_dir/reports).",
    )
    ncmec_url: str | None = Field(
        default=None,
        description="NCMEC CyberTipline reporting API base URL (e.g. "
        "https://exttest.cybertip.org/ispws); when set, NCMEC reports are submitted there as XML.",
    )
    ncmec_username: str | None = Field(
        default=None, description="User name for the CyberTipline API (HTTP Basic)."
    )
    ncmec_password: SecretStr | None = Field(
        default=None, description="Password for the CyberTipline API (HTTP Basic)."
    )
    report_contact_email: str | None = Field(
        default=None,
        description="Email of the reporting person named in CyberTipline reports (required "
        "with ncmec_url); the name comes from senior_manager.",
    )

    @field_validator("webhook_url", "report_endpoint", "ncmec_url")
    @classmethod
    def _https_only(cls, url: str | None, info: ValidationInfo) -> str | None:
        """Reports carry a bearer token and webhooks children's account ids: not in the clear."""
        allowed = bool(info.data.get("allow_insecure_endpoints", False))
        problem = endpoint_problem(url, allowed) if url else None
        if problem:
            raise ValueError(problem)
        return url

    @field_validator("webhook_secret", "webhook_secret_previous")
    @classmethod
    def _whsec_is_base64(cls, secret: SecretStr | None) -> SecretStr | None:
        """A ``whsec_`` secret that does not decode would fail every delivery: refuse it here."""
        value = secret.get_secret_value() if secret is not None else ""
        if value.startswith("whsec_"):
            encoded = value.removeprefix("whsec_")
            try:
                key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
            except ValueError:
                key = b""
            if not key:
                raise ValueError("after 'whsec_' must come a non-empty base64 key")
        return secret
