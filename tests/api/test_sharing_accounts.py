"""A partner's account signals over HTTP: stored on import, matched on any event of the
account, reviewed and never blocked, withdrawn as hashes are.

The partner's file carries only the HMAC-SHA256 of an account id under the shared salt,
computed here the way a partner would; no signal or case ever names the raw id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.domain.sharing import account_signal
from safeguarding.settings import Settings
from tests.api.test_sharing import SALT, stored
from tests.api.test_url_lists import decide
from tests.conftest import auth, make_settings
from tests.factories import message

pytestmark = pytest.mark.anyio
SHARED = "adult-x"  # the account the partner shares
HEADER = "signal_type,signal_str,collab,category,tags\n"


def account_csv(account: str = SHARED, harm: str = "abuse_imagery", category: str = "") -> str:
    row = f"account_hmac_sha256,{account_signal(SALT, account)},lantern-demo,"
    return HEADER + row + f"{category or 'POSITIVE_CLASS'},{harm}\n"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path, sharing_salt=SALT, sharing_name="test-service")


async def import_accounts(
    client: httpx.AsyncClient,
    keys: dict[Role, str],
    content: str,
    role: Role = Role.ADMIN,
    **extra: Any,
) -> httpx.Response:
    body = {"partner": "lantern-demo", "content": content, "source": "accounts drop", **extra}
    return await client.post("/v1/sharing/import", json=body, headers=auth(keys[role]))


def account_matches(decision: dict) -> list[dict]:
    return [s for s in decision["signals"] if s["kind"] == "partner_account_match"]


async def sent_by(client: httpx.AsyncClient, keys: dict[Role, str], account: str) -> dict:
    return await decide(client, keys, message(account, "adult-b", "are you coming on friday"))


async def test_an_event_of_a_shared_account_is_matched_and_reviewed_never_blocked(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    made = await import_accounts(client, keys, account_csv(), trust="match_and_act")
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["imported"], body["skipped"], body["accounts"]) == ({"abuse_imagery": 1}, {}, 1)
    decision = await sent_by(client, keys, SHARED)
    assert decision["verdict"] == "allow"  # about a person, not content: never blocked
    (signal,) = account_matches(decision)
    assert signal["detector"] == "partner_account"
    assert signal["evidence"]["details"] == {
        "partner": "lantern-demo",
        "harm": "abuse_imagery",
        "trust": "match_and_act",
    }
    assert SHARED not in json.dumps(signal)  # never the raw id
    assert {"preserve_evidence", "open_case"} <= {a["name"] for a in decision["actions"]}
    assert "block" not in {a["name"] for a in decision["actions"]}
    container.outbox.run_once(1000)
    cases = (await client.get("/v1/cases", headers=auth(keys[Role.MODERATOR]))).json()
    assert [c["queue"] for c in cases] == ["abuse_imagery"]
    assert account_matches(await sent_by(client, keys, "adult-y")) == []


async def test_a_shared_grooming_account_is_reviewed_in_the_other_queue(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    made = await import_accounts(client, keys, account_csv(harm="grooming"))
    assert made.status_code == 201, made.text
    (signal,) = account_matches(await sent_by(client, keys, SHARED))
    assert (signal["evidence"]["harm"], signal["evidence"]["details"]["harm"]) == (
        "other",
        "grooming",
    )
    container.outbox.run_once(1000)
    cases = (await client.get("/v1/cases", headers=auth(keys[Role.MODERATOR]))).json()
    assert [c["queue"] for c in cases] == ["other"]


@pytest.mark.parametrize(
    ("content", "extra"),
    [
        (account_csv(category="NEGATIVE_CLASS"), {}),
        (account_csv(), {"mode": "withdraw"}),
        (HEADER, {"mode": "replace"}),
    ],
    ids=["negative-class-row", "withdraw-file", "replace-with-empty"],
)
async def test_a_partners_withdrawal_of_an_account_stops_its_matches(
    client: httpx.AsyncClient, keys: dict[Role, str], content: str, extra: dict[str, str]
) -> None:
    await import_accounts(client, keys, account_csv())
    assert account_matches(await sent_by(client, keys, SHARED))
    withdrawn = await import_accounts(client, keys, content, **extra)
    assert withdrawn.status_code == 201, withdrawn.text
    assert withdrawn.json()["accounts"] == 0
    assert account_matches(await sent_by(client, keys, SHARED)) == []


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (
            account_csv()
            + f"account_hmac_sha256,{'z' * 64},lantern-demo,POSITIVE_CLASS,grooming\n",
            "line 3",
        ),
        (HEADER + "account_hmac_sha256,abc123,lantern-demo,POSITIVE_CLASS,grooming\n", "64 hex"),
        (HEADER + f"account_hmac_sha256,{'a' * 64},lantern-demo,POSITIVE_CLASS,fraud\n", "harm"),
    ],
)
async def test_a_bad_account_row_is_refused_and_stores_nothing(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container, content: str, named: str
) -> None:
    await import_accounts(client, keys, account_csv(account="adult-z"))
    before = stored(container)
    refused = await import_accounts(client, keys, content, mode="replace")
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert named in json.dumps(refused.json())
    assert stored(container) == before
    assert account_matches(await sent_by(client, keys, SHARED)) == []


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.PLATFORM, Role.REGULATOR, Role.ADVOCATE])
async def test_only_an_admin_imports_account_signals(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container, role: Role
) -> None:
    before = stored(container)
    refused = await import_accounts(client, keys, account_csv(), role)
    assert refused.status_code == 403, refused.text
    assert stored(container) == before
    assert account_matches(await sent_by(client, keys, SHARED)) == []


class TestWithoutASalt:
    @pytest.fixture
    def settings(self, database_url: str, tmp_path: Path) -> Settings:
        return make_settings(database_url, tmp_path, sharing_name="test-service")

    async def test_account_signals_are_skipped_and_counted(
        self, client: httpx.AsyncClient, keys: dict[Role, str], container: Container
    ) -> None:
        made = await import_accounts(client, keys, account_csv())
        assert made.status_code == 201, made.text
        body = made.json()
        assert (body["skipped"], body["accounts"]) == ({"account_hmac_sha256": 1}, 0)
        assert stored(container)[2] == []
        assert account_matches(await sent_by(client, keys, SHARED)) == []
