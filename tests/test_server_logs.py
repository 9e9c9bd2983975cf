"""The logs of a real `safeguarding serve` process carry no content, even when a route fails
(leak review).

tests/test_logging.py checks what the `safeguarding` logger writes when a route fails with an
error whose message quotes content: only the exception's type and place. But the app re-raises
the error to the server (Starlette's ServerErrorMiddleware always does, so servers can log it),
and `serve` runs uvicorn with ``log_config=None``: uvicorn's own "Exception in ASGI
application" goes to Python's last-resort handler, which writes the whole traceback, with the
exception's message, to the process's standard error. Here the same kind of failure happens
inside a real `serve` process (injected with a ``sitecustomize`` module, as a bug would raise
it), and its standard error is read as someone who reads the logs would.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import httpx
import pytest

from safeguarding.domain.access import Role
from tests.factories import message, profile
from tests.servers import running_server

COMPLAINT = "MARKER-COMPLAINT-2207 the man from the club still messages my daughter"

INJECTED = textwrap.dedent(
    """
    # A fault a bug could raise: an error whose message quotes what it was working on.
    from safeguarding.services.complaints import ComplaintService

    def file(self, new, principal):
        raise RuntimeError(f"could not file the complaint {new.text!r} of {new.account_id}")

    ComplaintService.file = file
    """
)


def test_a_failing_route_leaves_no_content_in_the_servers_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    injected = tmp_path / "injected"
    injected.mkdir()
    (injected / "sitecustomize.py").write_text(INJECTED)
    monkeypatch.setenv("PYTHONPATH", f"{injected}:{Path(__file__).parents[1] / 'src'}")
    with running_server(tmp_path / "server") as server:
        platform = server.auth(Role.PLATFORM)
        with httpx.Client(base_url=server.base_url, headers=platform, timeout=30) as client:
            sent = {"events": [profile("acct-kid-5510", 12), message("acct-kid-5510", "x", "hi")]}
            assert client.post("/v1/events", json=sent).status_code == 200
            body = {
                "kind": "complaint",
                "account_id": "acct-kid-5510",
                "reason": "other",
                "text": COMPLAINT,
            }
            failed = client.post("/v1/complaints", json=body)
            assert failed.status_code == 500
            assert COMPLAINT not in failed.text
    stderr = server.stderr()
    assert "unhandled error" in stderr  # the service's own JSON line, without the message
    leaked = [line for line in stderr.splitlines() if "MARKER-COMPLAINT-2207" in line]
    assert leaked == [], f"the server's stderr quotes the complaint: {leaked}"
