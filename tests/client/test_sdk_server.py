"""The SDK against a real ``safeguarding serve`` process, over HTTP: every area it covers,
sync and async, and its typed errors built from the server's problem+json."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from safeguarding.client import (
    AsyncClient,
    Client,
    Conflict,
    EventResult,
    Forbidden,
    InvalidRequest,
    NotFound,
    Unauthenticated,
)
from safeguarding.domain.access import Role
from tests.client.sdk_world import adult_and_child, contact_request, fresh, post, spam_report
from tests.servers import RunningServer

pytestmark = pytest.mark.server
T = TypeVar("T")
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def client(server: RunningServer, role: Role) -> Client:
    return Client(server.base_url, server.keys[role])


def eventually(read: Callable[[], T | None], seconds: float = 20.0) -> T:
    """The first non-None value of ``read``: the outbox opens cases moments after a decision."""
    deadline = time.monotonic() + seconds
    while (value := read()) is None:
        if time.monotonic() > deadline:
            pytest.fail("the outbox did not carry out the decision in time")
        time.sleep(0.1)
    return value


def test_events_batch_single_replay_and_decision(live_server: RunningServer) -> None:
    adult, child, profiles = adult_and_child()
    with client(live_server, Role.PLATFORM) as sdk:
        batch = sdk.send_events(profiles)
        assert isinstance(batch, list)
        assert [r.index for r in batch] == [0, 1]
        request = contact_request(adult, child)
        first = sdk.send_event(request, respond_async=True)  # one process: Prefer is ignored
        again = sdk.send_event(request)
        read = sdk.decision(request["event_id"])
    assert isinstance(first, EventResult)
    assert isinstance(again, EventResult)
    assert first.decision.verdict == "block"
    assert "adult-contact-request-to-unconnected-child" in [r["rule"] for r in first.decision.rules]
    assert (first.replayed, again.replayed, read.replayed) == (False, True, True)
    assert again.decision == first.decision == read.decision


def test_visibility_and_suggestions(live_server: RunningServer) -> None:
    adult, child, profiles = adult_and_child()
    with client(live_server, Role.PLATFORM) as sdk:
        sdk.send_events(profiles)
        shown = post(child)
        sdk.send_event(shown)
        seen = sdk.visibility(adult, [shown["event_id"], "post-never-sent"])
        suggestions = sdk.filter_suggestions(adult, [child])
    assert [i.event_id for i in seen.items] == [shown["event_id"], "post-never-sent"]
    assert seen.items[1].reason == "not on record"
    assert suggestions.allowed == []
    assert suggestions.removed[0].rule == "adult-contact-request-to-unconnected-child"


def test_case_is_claimed_and_decided(live_server: RunningServer) -> None:
    adult, child, profiles = adult_and_child()
    report = spam_report(child, adult)
    with client(live_server, Role.PLATFORM) as platform:
        platform.send_events([*profiles, report])
    with client(live_server, Role.ADMIN) as admin:

        def opened() -> Any:
            found = [c for c in admin.cases(limit=1000) if report["event_id"] in c.event_ids]
            return found[0] if found else None

        case = eventually(opened)
        assert admin.claim_case(case.case_id).status == "in_review"
        decided = admin.decide_case(case.case_id, "dismiss", "false_positive", "not spam")
        with pytest.raises(Conflict):
            admin.release_case(case.case_id)
    assert decided.status == "dismissed"


def test_banks_and_hashes(live_server: RunningServer) -> None:
    name = fresh("sdk-bank")
    with client(live_server, Role.ADMIN) as admin:
        made = admin.create_bank(name, description="sdk test", pdq_threshold=20)
        version = admin.import_hashes(
            name, f"{SHA}\n", format="text", hash_type="sha256", source="sdk test"
        )
        changed = admin.update_bank(name, enabled=False)
        back = admin.rollback_bank(name, 1)
        detail = admin.bank(name)
        listed = [b.name for b in admin.banks()]
        deleted = admin.delete_bank(name)
        with pytest.raises(NotFound) as missing:
            admin.bank(name)
    assert (made.pdq_threshold, version.added, changed.enabled) == (20, 1, False)
    assert back.version == 2
    assert [v.version for v in detail.versions] == [1, 2]
    assert name in listed
    assert deleted == {"deleted": name, "hashes": 1}
    assert missing.value.status == 404
    assert missing.value.slug == "not-found"


def test_hash_file_and_lookup(live_server: RunningServer) -> None:
    import io

    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 40, 40)).save(image, format="PNG")
    with client(live_server, Role.PLATFORM) as sdk:
        hashes = sdk.hash_file(image.getvalue(), "red.png")
        found = sdk.lookup_hash("sha256", hashes["sha256"])
    assert set(hashes) >= {"pdq", "md5", "sha256"}
    assert found == {"matches": []}


def test_complaints(live_server: RunningServer) -> None:
    account = fresh("u-complainant")
    with client(live_server, Role.PLATFORM) as platform:
        filed = platform.file_complaint(
            kind="complaint", account_id=account, reason="too_slow", text="nobody answered"
        )
        wording = platform.complaint_wording("13_15")
    with client(live_server, Role.ADMIN) as admin:
        decided = admin.decide_complaint(
            filed.complaint_id, "upheld", "we were too slow and have acted now"
        )
        listed = [c.complaint_id for c in admin.complaints(status="upheld")]
        read = admin.complaint(filed.complaint_id)
    assert filed.status == "open"
    assert decided.status == read.status == "upheld"
    assert filed.complaint_id in listed
    assert "get_help" in wording


def test_errors_are_typed_from_problems(live_server: RunningServer) -> None:
    adult, child, _ = adult_and_child()
    sent = contact_request(adult, child)
    with client(live_server, Role.PLATFORM) as sdk:
        sdk.send_event(sent)
        with pytest.raises(Conflict) as reused:
            sdk.send_event({**sent, "target_id": "u-someone-else"})
        with pytest.raises(InvalidRequest) as invalid:
            sdk.send_events([sent, {**sent, "event_id": fresh("cr"), "txt": "typo"}])
        with pytest.raises(NotFound):
            sdk.decision("never-sent")
    with client(live_server, Role.REGULATOR) as regulator, pytest.raises(Forbidden) as refused:
        regulator.send_event(sent)
    with Client(live_server.base_url, "sgk_nobody_wrong") as nobody, pytest.raises(Unauthenticated):
        nobody.cases()
    assert reused.value.slug == "event-id-reused"
    assert reused.value.errors[0]["index"] == 0
    assert invalid.value.status == 422
    assert invalid.value.errors[0]["index"] == 1
    assert refused.value.problem["role"] == "regulator"


@pytest.mark.anyio
async def test_async_client(live_server: RunningServer) -> None:
    adult, child, profiles = adult_and_child()
    async with AsyncClient(live_server.base_url, live_server.keys[Role.PLATFORM]) as sdk:
        await sdk.send_events(profiles)
        request = contact_request(adult, child)
        result = await sdk.send_event(request)
        read = await sdk.decision(request["event_id"])
        seen = await sdk.visibility(child, ["post-never-sent"])
        with pytest.raises(NotFound):
            await sdk.decision("never-sent")
    assert isinstance(result, EventResult)
    assert result.decision.verdict == "block"
    assert read.decision == result.decision
    assert seen.items[0].visible
