"""The policy in force, changed only by admins, versioned and audited."""

from __future__ import annotations

import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.services.policy import default_policy_source
from tests.conftest import auth
from tests.factories import message, profile

pytestmark = pytest.mark.anyio
YAML = {"Content-Type": "application/yaml"}
HOLD_ALL = """rules:
  - name: hold-every-message
    when: {event_type: message}
    then: [hold_for_review]
"""


async def test_policy_in_force_is_shown_to_reading_roles(client, keys) -> None:
    for role in (Role.PLATFORM, Role.MODERATOR, Role.ADMIN, Role.REGULATOR):
        response = await client.get("/v1/policy", headers=auth(keys[role]))
        assert response.status_code == 200
        body = response.json()
        assert body["version"] == 1
        assert body["source"] == default_policy_source()
        assert body["rules"][0]["name"] == "known-abuse-image"


async def test_admin_changes_policy_and_new_decisions_carry_the_new_version(
    client, keys, container: Container
) -> None:
    headers = {**auth(keys[Role.ADMIN]), **YAML}
    changed = await client.put(
        "/v1/policy", params={"note": "trial"}, content=HOLD_ALL, headers=headers
    )
    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    decision = (
        await client.post("/v1/events", json=message(), headers=auth(keys[Role.PLATFORM]))
    ).json()
    assert decision["decision"]["verdict"] == "hold"
    assert decision["decision"]["policy_version"] == 2
    with container.store.read() as uow:
        records = [r for r in uow.audit.records() if r.action == "policy.update"]
    assert records[-1].actor == "admin:test-admin"
    assert records[-1].details["version"] == 2
    assert records[-1].details["note"] == "trial"
    history = (await client.get("/v1/policy/history", headers=auth(keys[Role.REGULATOR]))).json()
    assert [p["version"] for p in history] == [2, 1]


async def test_an_event_decided_before_a_change_keeps_its_version(client, keys) -> None:
    event = message()
    first = (await client.post("/v1/events", json=event, headers=auth(keys[Role.PLATFORM]))).json()
    await client.put("/v1/policy", content=HOLD_ALL, headers={**auth(keys[Role.ADMIN]), **YAML})
    again = (await client.post("/v1/events", json=event, headers=auth(keys[Role.PLATFORM]))).json()
    assert again["decision"]["policy_version"] == first["decision"]["policy_version"] == 1


async def test_invalid_policy_is_refused_with_line_and_field_and_nothing_changes(
    client, keys
) -> None:
    broken = HOLD_ALL.replace("then: [hold_for_review]", "then: [hold_for_reveiw]").replace(
        "event_type", "event_typ"
    )
    response = await client.put(
        "/v1/policy", content=broken, headers={**auth(keys[Role.ADMIN]), **YAML}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {(e["field"], e["line"]) for e in errors} == {
        ("rules.0.when.event_typ", 3),
        ("rules.0.then.0", 4),
    }
    assert {e["hint"] for e in errors} == {
        "did you mean 'event_type'?",
        "did you mean 'hold_for_review'?",
    }
    current = (await client.get("/v1/policy", headers=auth(keys[Role.ADMIN]))).json()
    assert current["version"] == 1


async def test_check_endpoint_validates_without_storing(client, keys) -> None:
    headers = {**auth(keys[Role.ADMIN]), **YAML}
    checked = await client.post("/v1/policy/check", content=HOLD_ALL, headers=headers)
    assert checked.json()["valid"] is True
    assert checked.json()["rules"] == 1
    assert (await client.get("/v1/policy", headers=headers)).json()["version"] == 1


async def test_policy_conditions_on_account_facts(client, keys) -> None:
    policy = """rules:
  - name: hold-adults-messaging-young-children
    when:
      event_type: message
      actor: {age_band: adult}
      target: {age_band: under_13}
      connected: false
    then: [hold_for_review]
"""
    await client.put("/v1/policy", content=policy, headers={**auth(keys[Role.ADMIN]), **YAML})
    headers = auth(keys[Role.PLATFORM])
    await client.post(
        "/v1/events",
        json={"events": [profile("grown", 40), profile("small", 11), profile("teen", 14)]},
        headers=headers,
    )
    to_small = (
        await client.post("/v1/events", json=message("grown", "small"), headers=headers)
    ).json()
    to_teen = (
        await client.post("/v1/events", json=message("grown", "teen"), headers=headers)
    ).json()
    assert to_small["decision"]["verdict"] == "hold"
    assert to_teen["decision"]["verdict"] == "allow"


async def test_relaxing_a_child_safe_default_is_recorded_in_the_audit_log(
    client, keys, container: Container
) -> None:
    relaxed = default_policy_source().replace(
        "  - name: adult-contact-request-to-unconnected-child\n",
        "  - name: adult-contact-request-to-unconnected-child\n    mode: shadow\n",
    )
    headers = {**auth(keys[Role.ADMIN]), **YAML}
    changed = await client.put(
        "/v1/policy", params={"note": "gaming platform trial"}, content=relaxed, headers=headers
    )
    assert changed.status_code == 200
    with container.store.read() as uow:
        records = list(uow.audit.records())
    update = next(r for r in records if r.action == "policy.update" and r.details["version"] == 2)
    assert update.details["relaxed_defaults"] == ["adult-contact-request-to-unconnected-child"]
    (relaxation,) = [r for r in records if r.action == "policy.relax_default"]
    assert relaxation.subject == "rule:adult-contact-request-to-unconnected-child"
    assert relaxation.details == {
        "version": 2,
        "how": "set to shadow mode",
        "note": "gaming platform trial",
    }
    assert relaxation.actor == "admin:test-admin"


async def test_an_unrelated_change_relaxes_nothing(client, keys, container: Container) -> None:
    tightened = default_policy_source().replace("priority: 3", "priority: 2")
    await client.put("/v1/policy", content=tightened, headers={**auth(keys[Role.ADMIN]), **YAML})
    with container.store.read() as uow:
        records = list(uow.audit.records())
    assert [r for r in records if r.action == "policy.relax_default"] == []
