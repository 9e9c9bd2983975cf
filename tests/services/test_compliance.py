"""The compliance checklist on a live store: each measure met, then not, as configuration and
data change (policy modes, hash banks, complaints and cases against a moving clock)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Principal, Role
from safeguarding.domain.banks import Bank, HashType
from safeguarding.domain.cases import Case
from safeguarding.domain.complaints import ComplaintKind
from safeguarding.domain.compliance import Measure
from safeguarding.services.complaints import NewComplaint
from safeguarding.services.policy import default_policy_source
from tests.clocks import MovableClock
from tests.conftest import another_process, build_container, make_settings
from tests.detectors.test_grooming import _seed_events
from tests.factories import event, report
from tests.reviewing import claim_and_decide

MANAGER = "Sam Patel, Chief Safety Officer"
MODERATOR = Principal(key_id="m", name="sam", role=Role.MODERATOR)
PLATFORM = Principal(key_id="p", name="app", role=Role.PLATFORM)
SELF_HARM_RULES = (
    "self-harm-intent-or-plan",
    "self-harm-encouragement",
    "self-harm-ideation",
    "self-harm-disclosure",
)


@pytest.fixture
def make(
    pytestconfig: pytest.Config, database_url: str, tmp_path: Path, clock: MovableClock
) -> Iterator[Any]:
    """Builds containers on the test database with settings overrides, and closes them."""
    built: list[Container] = []

    def build_one(**overrides: Any) -> Container:
        settings = make_settings(database_url, tmp_path, **overrides)
        if built:  # a second process on the same database
            built.append(another_process(built[0], settings, clock=clock))
        else:
            built.append(build_container(pytestconfig, settings, clock=clock))
        return built[-1]

    yield build_one
    for container in built:
        container.close()


def measure(container: Container, measure_id: str) -> Measure:
    (found,) = [m for m in container.compliance.checklist().measures if m.id == measure_id]
    return found


def with_modes(mode: str, *rules: str) -> str:
    """The default policy with the named rules set to ``mode``."""
    lines, out, current = default_policy_source().splitlines(), [], None
    for line in lines:
        if line.startswith("  - name: "):
            current = line.removeprefix("  - name: ").strip()
        if current in rules and line.startswith("    mode: "):
            continue  # replaced below
        out.append(line)
        if current in rules and line.startswith("  - name: "):
            out.append(f"    mode: {mode}")
    return "\n".join(out) + "\n"


def apply(container: Container, source: str) -> None:
    container.policies.replace(source, by="admin:ops", note="compliance test")


def test_hash_matching_needs_hashes_and_the_blocking_rule_enforced(make) -> None:
    container = make()
    assert not measure(container, "hash_matching").met
    container.banks.create(Bank(name="known", created_at=container.clock.now()), "admin:ops")
    assert not measure(container, "hash_matching").met  # a bank with nothing in it
    known = hashlib.sha256(b"a listed file").hexdigest()
    container.banks.import_hashes(
        "known", [(HashType.SHA256, known)], source="list.txt", licence="test", actor="admin:ops"
    )
    found = measure(container, "hash_matching")
    assert found.met
    assert "1 hashes in 1 enabled blocking bank(s)" in found.evidence
    apply(container, with_modes("shadow", "known-abuse-image"))
    found = measure(container, "hash_matching")
    assert not found.met
    assert "known-abuse-image" in (found.how_to_meet or "")


def test_a_configured_sha256_list_is_a_hash_source(make, tmp_path) -> None:
    listed = tmp_path / "hashes.txt"
    listed.write_text(hashlib.sha256(b"a listed file").hexdigest() + "\n")
    assert measure(make(sha256_list_path=listed), "hash_matching").met


@pytest.mark.parametrize(
    ("measure_id", "rule"),
    [
        pytest.param("grooming_defaults", "adult-contact-request-to-unconnected-child"),
        pytest.param("grooming_defaults", "grooming-risk"),
        ("user_reporting", "user-report-self-harm"),
    ],
)
def test_a_rule_put_in_shadow_mode_fails_its_measure(make, measure_id, rule) -> None:
    container = make()
    assert measure(container, measure_id).met
    apply(container, with_modes("shadow", rule))
    assert not measure(container, measure_id).met


def test_self_harm_is_met_only_while_its_rules_are_enforced(make) -> None:
    container = make()
    found = measure(container, "self_harm")
    assert found.met  # the default policy enforces them
    assert found.evidence.startswith("4 of 4 self-harm rules enforced")
    apply(container, with_modes("shadow", *SELF_HARM_RULES))
    found = measure(container, "self_harm")
    assert not found.met
    assert "4 in shadow mode" in found.evidence


def test_a_complaint_past_its_deadline_fails_the_complaints_measure(make, clock) -> None:
    container = make()
    container.complaints.file(
        NewComplaint(ComplaintKind.COMPLAINT, "u-1", "too_slow", "Nobody replied."), PLATFORM
    )
    found = measure(container, "complaints")
    assert found.met
    assert found.evidence == "1 open complaint(s) and appeal(s), 0 past their deadline"
    clock.advance(days=15)  # complaints are resolved within 14 days by default
    found = measure(container, "complaints")
    assert not found.met
    assert "1 past their deadline" in found.evidence


def open_report_case(container: Container, reported: str) -> Case:
    container.ingest.ingest([event(report("chloe", reported, "bullying"))], source="test")
    container.outbox.run_once(100)
    (case,) = [c for c in container.review.queue() if c.subject_account_id == reported]
    return case


def decide(container: Container, case: Case) -> None:
    claim_and_decide(container, case.case_id, MODERATOR, "policy_violation")


def test_moderation_deadlines_count_overdue_and_late_decisions(make, clock) -> None:
    container = make()
    first = open_report_case(container, "u-1")
    clock.advance(hours=1)
    decide(container, first)  # within its day
    clock.advance(minutes=1)
    found = measure(container, "moderation_deadlines")
    assert found.met
    assert "1 of 1 (100%) decided within their deadline" in found.evidence
    second = open_report_case(container, "u-2")
    clock.advance(hours=25)
    found = measure(container, "moderation_deadlines")
    assert not found.met
    assert found.evidence.startswith("1 case(s) open past their deadline")
    decide(container, second)  # a day late
    clock.advance(minutes=1)
    found = measure(container, "moderation_deadlines")
    assert not found.met
    assert found.evidence.startswith("0 case(s) open past their deadline; 1 of 2 (50%)")


def test_authority_reporting_needs_a_destination_and_no_report_left_waiting(
    make, clock, tmp_path
) -> None:
    assert not measure(make(), "authority_reporting").met
    container = make(report_dir=tmp_path / "reports")
    assert measure(container, "authority_reporting").met
    for data in _seed_events():  # reaches grooming_risk_high, which drafts a report
        container.ingest.ingest([event(data)], source="test")
    container.outbox.run_once(1000)
    assert measure(container, "authority_reporting").met
    clock.advance(hours=25)
    found = measure(container, "authority_reporting")
    assert not found.met
    assert "1 report(s) awaiting confirmation for more than 24 hours" in found.evidence


def test_transparency_needs_a_named_manager_and_a_current_assessment(make, clock) -> None:
    unnamed = make()
    unnamed.risk.assess("admin:ops")
    assert not measure(unnamed, "transparency").met
    assert not measure(unnamed, "senior_manager").met
    container = make(senior_manager=MANAGER)
    found = measure(container, "senior_manager")
    assert (found.met, found.evidence) == (True, f"named: {MANAGER}")
    assert measure(container, "transparency").met  # the assessment above is in the same store
    clock.advance(hours=1)
    apply(container, default_policy_source())
    found = measure(container, "transparency")
    assert not found.met
    assert "due for review" in found.evidence
    container.risk.assess("admin:ops")
    assert measure(container, "transparency").met


@pytest.mark.parametrize(
    ("revenue", "amount"),
    [(None, 18_000_000), (100_000_000, 18_000_000), (500_000_000, 50_000_000)],
)
def test_the_penalty_exposure_follows_the_configured_revenue(make, revenue, amount) -> None:
    checklist = make(qualifying_revenue_gbp=revenue, senior_manager=MANAGER).compliance.checklist()
    assert checklist.penalty.amount_gbp == pytest.approx(amount)
    assert checklist.penalty.qualifying_revenue_gbp == revenue
    assert checklist.senior_manager == MANAGER
