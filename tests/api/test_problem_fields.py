"""Every 4xx body names the field at fault and says what to send instead (issue 18, point 4).

A walk of bad requests, one per kind of check (request validation, domain rules, services),
each answered with problem+json whose ``errors`` name the field; a read's 422 does not claim
that "nothing was recorded", as if it might have recorded something.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from safeguarding.domain.access import Role
from safeguarding.domain.cases import REASON_CODES, Outcome
from tests.conftest import auth
from tests.services.test_reporting import run_seed_case

pytestmark = pytest.mark.anyio
LATER = "2099-01-01T00:00:00Z"
QUESTION = "Which decisions were taken on this account?"


@dataclass(frozen=True)
class Bad:
    """A bad request, who sends it, the field its answer must name and a word it must say."""

    role: Role
    method: str
    path: str
    body: dict[str, Any] | None
    field: str
    says: str


BAD = [
    Bad(Role.REGULATOR, "GET", "/v1/transparency", None, "from", "required"),
    Bad(Role.REGULATOR, "GET", "/v1/transparency?from=2026-01-01", None, "to", "required"),
    Bad(
        Role.REGULATOR,
        "GET",
        "/v1/transparency?from=2026-02-30&to=2026-03-01",
        None,
        "from",
        "YYYY-MM-DD",
    ),
    Bad(
        Role.REGULATOR,
        "GET",
        "/v1/transparency?from=2026-03-02&to=2026-03-01",
        None,
        "to",
        "before",
    ),
    Bad(Role.REGULATOR, "GET", "/v1/regulator/samples?n=0", None, "n", "greater than"),
    Bad(
        Role.REGULATOR,
        "POST",
        "/v1/information-requests",
        {"question": QUESTION, "legal_basis": "OSA s.100", "deadline": "2020-01-01T00:00:00Z"},
        "deadline",
        "later",
    ),
    Bad(
        Role.REGULATOR,
        "POST",
        "/v1/information-requests",
        {"question": "why?", "legal_basis": "OSA s.100", "deadline": LATER},
        "question",
        "at least 10",
    ),
    Bad(
        Role.PLATFORM,
        "POST",
        "/v1/complaints",
        {"kind": "appeal", "account_id": "u-1", "reason": "no-such-reason", "text": "unfair"},
        "reason",
        "use one of",
    ),
    Bad(
        Role.ADVOCATE,
        "POST",
        "/v1/super-complaints",
        {"title": "Grooming", "description": "too short"},
        "description",
        "at least 50",
    ),
    Bad(
        Role.ADVOCATE,
        "POST",
        "/v1/super-complaints",
        {
            "title": "Grooming in group chats",
            "description": "Adults join children's group chats and move them to private ones.",
            "files": [{"name": "a.txt", "content_type": "text/plain", "content_base64": "***"}],
        },
        "content_base64",
        "base64-encoded",
    ),
]


def names(body: dict[str, Any], field: str) -> list[dict[str, Any]]:
    """The errors of ``body`` about ``field`` (a query parameter shows as query.NAME)."""
    return [e for e in body.get("errors") or [] if str(e.get("field")).split(".")[-1] == field]


@pytest.mark.parametrize("bad", BAD, ids=lambda b: f"{b.method} {b.path} {b.field}")
async def test_each_bad_request_names_its_field_and_what_to_send(client, keys, bad: Bad) -> None:
    answer = await client.request(bad.method, bad.path, json=bad.body, headers=auth(keys[bad.role]))
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    named = names(body, bad.field)
    assert named, f"no error names {bad.field!r}: {body}"
    said = body["detail"] + " ".join(str(e.get("message")) for e in named)
    assert bad.says in said, body
    if bad.method == "GET":
        assert "recorded" not in body["detail"], body  # a read records nothing


async def test_a_wrong_reason_code_names_the_field_and_the_allowed_codes(
    client, keys, container
) -> None:
    run_seed_case(container)
    moderator = auth(keys[Role.MODERATOR])
    (case,) = (await client.get("/v1/cases", headers=moderator)).json()
    claimed = await client.post(f"/v1/cases/{case['case_id']}/claim", headers=moderator)
    assert claimed.status_code == 200, claimed.text
    wrong = await client.post(
        f"/v1/cases/{case['case_id']}/decision",
        json={"outcome": "dismiss", "reason_code": "grooming_confirmed"},
        headers=moderator,
    )
    assert wrong.status_code == 422, wrong.text
    (error,) = names(wrong.json(), "reason_code")
    assert error["allowed"] == list(REASON_CODES[Outcome.DISMISS])
    assert "false_positive" in error["message"]
