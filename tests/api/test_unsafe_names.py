"""Names that leave the engine stay within closed patterns (issue 14, point 13).

The attack: a policy with ``authority: "../../../../tmp/x"`` wrote a report outside the reports
folder, and one with a CR/LF in a ``notify`` topic made a webhook fail for ever. The policy
is refused (with the line and column, over HTTP as in ``safeguarding policy check``); a report
file name that would leave its folder is refused; and a webhook whose topic no header may
carry (one stored before the check existed) is marked failed, not retried, and never sent.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from safeguarding.adapters.report_senders import FileReportSender
from safeguarding.bootstrap import Container, build
from safeguarding.domain.access import Role
from safeguarding.domain.errors import InvalidInput
from safeguarding.ports.store import OutboxItem
from safeguarding.settings import Settings
from tests.api.test_webhooks import Receiver, receiver  # noqa: F401 (the receiver fixture)
from tests.conftest import auth, make_settings

YAML = {"Content-Type": "application/yaml"}
UNSAFE = """\
rules:
  - name: escape
    when: {event_type: media}
    then:
      - report_to_authority: {authority: "../../../../tmp/x"}
      - notify: {topic: "grooming\\r\\nX-Injected: yes"}
"""


@pytest.mark.anyio
async def test_a_policy_naming_an_unsafe_authority_or_topic_is_refused_where_it_says(
    client: httpx.AsyncClient, keys: dict[Role, str]
) -> None:
    headers = {**auth(keys[Role.ADMIN]), **YAML}
    response = await client.put("/v1/policy", content=UNSAFE, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    found = {(e["field"], e["line"], e["column"]) for e in response.json()["errors"]}
    assert found == {
        ("rules.0.then.0.report_to_authority.authority", 5, 42),
        ("rules.0.then.1.notify.topic", 6, 25),
    }
    current = await client.get("/v1/policy", headers=auth(keys[Role.ADMIN]))
    assert current.json()["version"] == 1


def test_a_report_file_name_that_would_leave_its_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    sender = FileReportSender(folder)
    for name in ("../../../../tmp/x-ev1", "../outside-ev1", "/abs/path-ev1", "a/b-ev1", ".."):
        with pytest.raises(InvalidInput, match="would leave the reports folder"):
            sender.send(name, {"report": 1})
    assert not (tmp_path / "outside-ev1.json").exists()
    written = sender.send("nca-event-1", {"report": 1})
    assert Path(written).parent == folder.resolve()


@pytest.fixture
def webhook_settings(database_url: str, tmp_path: Path, receiver: str) -> Settings:  # noqa: F811
    return make_settings(
        database_url, tmp_path, webhook_url=receiver, webhook_secret="webhook-test-secret"
    )


def test_a_webhook_whose_topic_no_header_may_carry_is_failed_not_retried_for_ever(
    webhook_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    container: Container = build(webhook_settings)
    stored = datetime(2026, 3, 1, tzinfo=UTC)
    item = OutboxItem(
        "obx_crlf", "notify", "ev-1", {"params": {"topic": "a\r\nX-Injected: yes"}}, stored
    )
    try:
        with container.store.write() as uow:
            uow.outbox.add([item])
        with caplog.at_level(logging.ERROR, logger="safeguarding.outbox"):
            assert container.outbox.run_once() == 1
        with container.store.read() as uow:
            assert uow.outbox.pending() == 0
        assert container.outbox.run_once() == 0
    finally:
        container.close()
    assert Receiver.received == []
    assert any("marked failed" in r.getMessage() for r in caplog.records)
