"""The risk assessment and compliance endpoints: roles, audited regulator reads, the dated
document, a policy change prompting a review, and a measure changing with the policy."""

from __future__ import annotations

import httpx
import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.services.policy import default_policy_source
from tests.conftest import auth
from tests.services.test_compliance import SELF_HARM_RULES, with_modes
from tests.web.session import ui_login

pytestmark = pytest.mark.anyio

PROBLEM = "application/problem+json"
YAML = {"Content-Type": "application/yaml"}
READS = ("/v1/risk-assessment", "/v1/risk-assessment/history", "/v1/risk-assessment/export")


def audited(container: Container, action: str) -> list[tuple[str, str]]:
    with container.store.read() as uow:
        return [(r.actor, r.subject) for r in uow.audit.records() if r.action == action]


async def test_before_any_assessment_reads_are_404(client, keys) -> None:
    for path in ("/v1/risk-assessment", "/v1/risk-assessment/export"):
        response = await client.get(path, headers=auth(keys[Role.ADMIN]))
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert "POST /v1/risk-assessment" in response.json()["detail"]
    history = await client.get("/v1/risk-assessment/history", headers=auth(keys[Role.ADMIN]))
    assert history.json() == []


async def test_an_admin_assesses_and_the_regulator_reads_audited(client, keys, container) -> None:
    made = await client.post("/v1/risk-assessment", headers=auth(keys[Role.ADMIN]))
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["review_due"] is False
    assessment = body["assessment"]
    assert (assessment["version"], assessment["assessed_by"]) == (1, "admin:test-admin")
    features = {f["feature"]: f for f in assessment["features"]}
    assert len(features) == 8
    assert features["video_chat"]["evidence"] is None
    assert features["video_chat"]["observed_as"].startswith("not observed by the engine")
    assert features["direct_messages"]["evidence"]["events"] == 0
    assert {m["mode"] for m in features["direct_messages"]["mitigations"]} == {"enforce", "shadow"}
    regulator = auth(keys[Role.REGULATOR])
    for path in READS:
        response = await client.get(path, headers=regulator)
        assert response.status_code == 200, (path, response.text)
    assert audited(container, "regulator.read") == [
        ("regulator:test-regulator", "risk_assessment"),
        ("regulator:test-regulator", "risk_assessment.history"),
        ("regulator:test-regulator", "risk_assessment.export"),
    ]
    assert audited(container, "risk.assess") == [("admin:test-admin", "risk_assessment:v1")]


async def test_a_policy_change_makes_review_due(client, keys, container) -> None:
    admin = auth(keys[Role.ADMIN])
    await client.post("/v1/risk-assessment", headers=admin)
    changed = await client.put(
        "/v1/policy", content=default_policy_source(), headers={**admin, **YAML}
    )
    assert changed.status_code == 200, changed.text
    body = (await client.get("/v1/risk-assessment", headers=admin)).json()
    assert (body["review_due"], body["current_policy_version"]) == (True, 2)
    assert body["assessment"]["policy_version"] == 1
    assert audited(container, "risk.review_due") == [("admin:test-admin", "risk_assessment:v1")]
    document = await client.get("/v1/risk-assessment/export", headers=admin)
    assert "**Review due**: the policy in force is version 2" in document.text
    again = (await client.post("/v1/risk-assessment", headers=admin)).json()
    assert (again["review_due"], again["assessment"]["version"]) == (False, 2)
    history = (await client.get("/v1/risk-assessment/history", headers=admin)).json()
    assert [a["version"] for a in history] == [2, 1]


async def test_the_export_is_a_dated_document(client, keys) -> None:
    admin = auth(keys[Role.ADMIN])
    made = (await client.post("/v1/risk-assessment", headers=admin)).json()["assessment"]
    day = made["assessed_at"][:10]
    document = await client.get("/v1/risk-assessment/export", headers=admin)
    assert document.headers["content-type"].startswith("text/markdown")
    assert f'filename="risk-assessment-{day}-v1.md"' in document.headers["content-disposition"]
    assert document.text.startswith("# Children's risk assessment")
    assert f"- Assessed: {day}" in document.text
    as_json = await client.get(
        "/v1/risk-assessment/export", params={"format": "json"}, headers=admin
    )
    assert as_json.json()["assessment"]["version"] == 1
    assert as_json.headers["content-disposition"].endswith('-v1.json"')


async def test_a_bad_format_is_422_naming_the_allowed_ones(client, keys) -> None:
    await client.post("/v1/risk-assessment", headers=auth(keys[Role.ADMIN]))
    response = await client.get(
        "/v1/risk-assessment/export", params={"format": "pdf"}, headers=auth(keys[Role.ADMIN])
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert "'markdown'" in response.text
    assert "'json'" in response.text


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.PLATFORM, Role.ADVOCATE])
async def test_other_roles_are_refused(client, keys, role) -> None:
    headers = auth(keys[role])
    calls = [client.get(path, headers=headers) for path in (*READS, "/v1/compliance")]
    calls.append(client.post("/v1/risk-assessment", headers=headers))
    for call in calls:
        response = await call
        assert response.status_code == 403
        assert response.json()["role"] == role.value


async def test_the_regulator_may_not_assess(client, keys) -> None:
    response = await client.post("/v1/risk-assessment", headers=auth(keys[Role.REGULATOR]))
    assert response.status_code == 403
    assert response.json()["allowed_roles"] == ["admin"]


async def test_compliance_reflects_the_policy_in_force(client, keys, container) -> None:
    admin = auth(keys[Role.ADMIN])
    checklist = (await client.get("/v1/compliance", headers=admin)).json()
    measures = {m["id"]: m for m in checklist["measures"]}
    assert len(measures) == 12
    assert measures["self_harm"]["met"] is True  # the default policy enforces them
    assert measures["self_harm"]["how_to_meet"] is None
    assert checklist["penalty"]["amount_gbp"] == 18_000_000
    assert "may be more" in checklist["penalty"]["explanation"]
    changed = await client.put(
        "/v1/policy", content=with_modes("shadow", *SELF_HARM_RULES), headers={**admin, **YAML}
    )
    assert changed.status_code == 200, changed.text
    checklist = (await client.get("/v1/compliance", headers=admin)).json()
    self_harm = next(m for m in checklist["measures"] if m["id"] == "self_harm")
    assert self_harm["met"] is False
    assert self_harm["how_to_meet"]
    regulator = await client.get("/v1/compliance", headers=auth(keys[Role.REGULATOR]))
    assert regulator.status_code == 200
    assert audited(container, "regulator.read") == [("regulator:test-regulator", "compliance")]


async def test_the_ui_pages_show_both_to_the_regulator_audited(
    client: httpx.AsyncClient, keys, container
) -> None:
    await client.post("/v1/risk-assessment", headers=auth(keys[Role.ADMIN]))
    login = await ui_login(client, keys[Role.REGULATOR])
    assert login.status_code == 303
    risk = await client.get("/ui/risk")
    assert risk.status_code == 200
    assert "<h1>Children's risk assessment</h1>" in risk.text
    assert "Video chat" in risk.text
    assert "Assess now" not in risk.text  # an admin's button
    compliance = await client.get("/ui/compliance")
    assert compliance.status_code == 200
    assert "£18,000,000" in compliance.text
    assert "✗ not met" in compliance.text
    assert audited(container, "regulator.read") == [
        ("regulator:test-regulator", "ui:risk"),
        ("regulator:test-regulator", "ui:compliance"),
    ]


async def test_the_ui_pages_are_refused_to_a_moderator(client: httpx.AsyncClient, keys) -> None:
    await ui_login(client, keys[Role.MODERATOR])
    for path in ("/ui/risk", "/ui/compliance"):
        assert (await client.get(path)).status_code == 403


async def test_an_admin_assesses_from_the_page_and_downloads_the_document(
    client: httpx.AsyncClient, keys, container
) -> None:
    await ui_login(client, keys[Role.ADMIN])
    empty = await client.get("/ui/risk")
    assert "No risk assessment yet" in empty.text
    assert "Assess now" in empty.text
    assessed = await client.post("/ui/risk/assess")
    assert (assessed.status_code, assessed.headers["location"]) == (303, "/ui/risk")
    assert audited(container, "risk.assess") == [("admin:test-admin", "risk_assessment:v1")]
    document = await client.get("/ui/risk/document")
    assert document.headers["content-type"].startswith("text/markdown")
    assert document.text.startswith("# Children's risk assessment")
    assert audited(container, "regulator.read") == []  # an admin's reads are not audited
