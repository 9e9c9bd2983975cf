"""docs/sdk.md's integration example, run as written against a real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from safeguarding.client import Client
from safeguarding.domain.access import Role
from tests.client.sdk_world import profile
from tests.servers import RunningServer

pytestmark = pytest.mark.server
SDK_DOC = Path(__file__).parents[2] / "docs" / "sdk.md"


def marked_example() -> str:
    found = re.search(
        r"<!-- sdk-example -->\n```python\n(.*?)^```", SDK_DOC.read_text(), re.S | re.M
    )
    assert found, "docs/sdk.md lost its <!-- sdk-example --> block"
    return found.group(1)


def test_the_integration_example_is_ten_lines() -> None:
    assert len([line for line in marked_example().splitlines() if line.strip()]) <= 10


def test_the_integration_example_runs(live_server: RunningServer) -> None:
    with Client(live_server.base_url, live_server.keys[Role.PLATFORM]) as sdk:
        sdk.send_events([profile("u-4821", 40), profile("u-7730", 13)])
    env = {
        **os.environ,
        "SAFEGUARDING_URL": live_server.base_url,
        "SAFEGUARDING_KEY": live_server.keys[Role.PLATFORM],
    }
    ran = subprocess.run(
        [sys.executable, "-c", marked_example()],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == [
        "not delivered: ['adult-contact-request-to-unconnected-child']",
        "{'post-000311': True}",
    ]
