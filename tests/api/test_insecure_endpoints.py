"""Reports and webhooks go only to https:// endpoints, or http:// on loopback (issue 14,
point 16, first half).

The attack: a plain ``http://`` report endpoint was accepted, so every submitted report sent
its bearer token (and the package) across the network in the clear. Now a server refuses to
start with such an endpoint, saying why and which setting allows it for local testing; and
the sender itself refuses it, so the token never goes over plain http. A receiver on a
loopback address (a local test receiver, or a TLS proxy beside the service) still works.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from safeguarding.adapters.report_senders import HttpReportSender
from safeguarding.domain.errors import InvalidInput
from safeguarding.settings import load_settings
from tests.servers import process_env, server_environment

REMOTE_HTTP = "http://reports.example.org/inbox"
SERVE = [sys.executable, "-m", "safeguarding.adapters.cli.main", "serve", "--port", "0"]


@pytest.mark.server
@pytest.mark.parametrize(
    ("setting", "extra"),
    [
        ("report_endpoint", {"report_token": "report-bearer-token"}),
        ("webhook_url", {"webhook_secret": "webhook-secret"}),
    ],
)
def test_a_server_with_a_plain_http_endpoint_refuses_to_start_saying_why(
    tmp_path: Path, setting: str, extra: dict[str, str]
) -> None:
    environment = server_environment(tmp_path, None, {setting: REMOTE_HTTP, **extra})
    finished = subprocess.run(
        SERVE, env=process_env(environment), capture_output=True, text=True, timeout=120
    )
    assert finished.returncode != 0
    assert f"SAFEGUARDING_{setting.upper()}" in finished.stderr
    assert "must be an https:// URL" in finished.stderr
    assert "SAFEGUARDING_ALLOW_INSECURE_ENDPOINTS" in finished.stderr
    assert "reports.example.org" not in finished.stderr  # a URL may hold a password


def test_the_report_sender_never_sends_its_token_over_plain_http() -> None:
    with pytest.raises(InvalidInput, match="must be an https:// URL"):
        HttpReportSender(REMOTE_HTTP, "report-bearer-token")
    HttpReportSender("https://reports.example.org/inbox", "t").close()
    HttpReportSender("http://127.0.0.1:9/inbox", "t").close()
    HttpReportSender(REMOTE_HTTP, "t", allow_insecure=True).close()


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/in", "http://[::1]:8080/in", "http://localhost/in", "https://r.org/"],
)
def test_loopback_http_and_any_https_are_accepted(url: str) -> None:
    assert load_settings({}, report_endpoint=url, webhook_url=url).report_endpoint == url


@pytest.mark.parametrize("url", [REMOTE_HTTP, "http://10.0.0.5/in", "ftp://r.org/", "https:///"])
def test_other_endpoints_need_the_insecure_setting_or_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput, match="SAFEGUARDING_REPORT_ENDPOINT"):
        load_settings({}, report_endpoint=url)
    if url.startswith("http://"):
        allowed = load_settings(
            {"SAFEGUARDING_ALLOW_INSECURE_ENDPOINTS": "true"}, report_endpoint=url
        )
        assert allowed.report_endpoint == url
