"""Credentials inside URL settings never show: not over the API, not in the CLI's table."""

from __future__ import annotations

import string

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from safeguarding.adapters.cli.main import app as cli
from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.urls import mask_url
from tests.conftest import auth

SECRETS = ("hunter2pw", "n4tstok3n", "hooks3cret", "rep0rtpw", "sigvalue9")
URLS = {
    "database_url": "postgresql+psycopg://sg:hunter2pw@db.internal:5432/sg",
    "stream_url": "nats://n4tstok3n@nats.internal:4222",
    "webhook_url": "https://hooks.example/in?team=7&token=hooks3cret",
    "report_endpoint": "https://u:rep0rtpw@reports.example/in?X-Amz-Signature=sigvalue9",
}


@pytest.mark.anyio
async def test_get_settings_masks_passwords_and_tokens_in_urls(container: Container, keys) -> None:
    real = container.settings
    container.settings = real.model_copy(update=URLS)
    app = create_app(container, run_outbox_worker=False)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            shown = await client.get("/v1/settings", headers=auth(keys[Role.ADMIN]))
    finally:
        container.settings = real
    assert shown.status_code == 200
    assert not [s for s in SECRETS if s in shown.text]
    values = shown.json()
    assert values["database_url"] == "postgresql+psycopg://sg:**********@db.internal:5432/sg"
    assert values["webhook_url"] == "https://hooks.example/in?team=7&token=**********"


def test_the_settings_command_masks_them_too(tmp_path) -> None:
    environment = {"SAFEGUARDING_" + name.upper(): url for name, url in URLS.items()}
    environment["SAFEGUARDING_DATA_DIR"] = str(tmp_path)
    shown = CliRunner().invoke(cli, ["settings"], env=environment)
    assert shown.exit_code == 0, shown.output
    assert "db.internal:5432" in shown.output
    assert not [s for s in SECRETS if s in shown.output]


@given(
    user=st.text(string.ascii_letters, min_size=1, max_size=8),
    password=st.text(string.ascii_letters + string.digits + "%!~", min_size=6, max_size=20),
    scheme=st.sampled_from(["postgresql+psycopg", "nats", "https", "amqp"]),
)
def test_no_url_password_survives_masking(user: str, password: str, scheme: str) -> None:
    password = "!" + password  # a '!' is nowhere else in the URL, so any trace would show
    url = f"{scheme}://{user}:{password}@host.example:99/path?access_token={password}"
    masked = mask_url(url)
    assert "!" not in masked
    assert masked.startswith(f"{scheme}://{user}:**********@host.example:99/path")
