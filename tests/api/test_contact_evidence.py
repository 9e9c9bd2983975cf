"""The child-safe invariant's evidence and follow-through, through the API on SQLite and
PostgreSQL: a child's age stated in a message protects the account that said it; after a
grooming flag nothing more the adult sends that child is delivered until a moderator decides
the case; a child is told once a day, not on every refused retry; and one adult's refused
attempts on a child across conversations land on one case.
"""

from __future__ import annotations

from typing import Any

import pytest

from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.domain.cases import CaseStatus
from tests.api.platform_api import DAY, Api
from tests.factories import contact_request, message, profile


@pytest.fixture
def moderator(container: Container) -> Api:
    key = container.keys.create("mod", Role.MODERATOR.value)[0]
    return Api(create_app(container, run_outbox_worker=False), key)


def rules_of(decision: dict[str, Any]) -> list[str]:
    return [r["rule"] for r in decision["rules"]]


# -- 1. ages stated in text -------------------------------------------------------------------
def test_an_unknown_age_account_that_says_it_is_12_is_protected_from_an_unconnected_adult(
    api: Api,
) -> None:
    api.send([profile("t-adult", 38)])
    before = message("t-adult", "t-kid", "hi", conversation="t-0", minutes=-5)
    assert api.send([before])[0]["verdict"] == "allow"  # an unknown age protects no one
    says = message("t-kid", "t-peer", "im 12 btw", conversation="t-1", minutes=0)
    api.send([says])
    later = message("t-adult", "t-kid", "hey again", conversation="t-2", minutes=DAY * 3)
    (decision,) = api.send([later])
    assert decision["verdict"] == "block"
    assert "adult-contact-with-unconnected-child" in rules_of(decision)
    (stated,) = [s for s in decision["signals"] if s["kind"] == "child_age_stated"]
    assert says["event_id"] in stated["explanation"]
    assert stated["evidence"]["event_ids"] == [says["event_id"]]
    assert api.visible("t-kid", [later["event_id"]]) == {later["event_id"]: False}


def test_a_declared_adult_who_says_they_are_a_child_is_protected_as_one(api: Api) -> None:
    api.send([profile("u-adult", 44), profile("u-kid", 21)])
    api.send([message("u-kid", "u-peer", "i'm in year 8", conversation="u-1")])
    hello = message("u-adult", "u-kid", "hi", conversation="u-2", minutes=5)
    assert api.send([hello])[0]["verdict"] == "block"


def test_an_adult_who_says_they_are_a_child_keeps_an_adults_restrictions(api: Api) -> None:
    api.send([profile("v-adult", 44), profile("v-kid", 12)])
    api.send([message("v-adult", "v-peer", "im 13, my 14th birthday is soon", conversation="v-1")])
    hello = message("v-adult", "v-kid", "hi", conversation="v-2", minutes=5)
    (decision,) = api.send([hello])
    assert decision["verdict"] == "block"
    assert "adult-contact-with-unconnected-child" in rules_of(decision)


# -- 2. after a flag, until a moderator decides ------------------------------------------------
def flagged(api: Api, adult: str, kid: str) -> dict[str, Any]:
    """A connected adult and child; the adult's second message takes the risk to the flag."""
    api.send([profile(adult, 35), profile(kid, 13)])
    api.send([{**contact_request(kid, adult), "type": "contact_accepted"}])
    opener = message(adult, kid, "hey ur friend said u like drawing", conversation=f"{kid}-g")
    flag = message(
        adult,
        kid,
        "how old r u btw? dont tell ur mum we talk ok",
        conversation=f"{kid}-g",
        minutes=1,
    )
    decisions = api.send([opener, flag])
    assert [d["verdict"] for d in decisions] == ["allow", "hold"]
    assert "grooming_risk" in [s["kind"] for s in decisions[1]["signals"]]
    return flag


def case_about(container: Container, adult: str, conversation: str) -> str:
    container.outbox.run_once(1000)
    with container.store.read() as uow:
        cases = uow.cases.listed([CaseStatus.OPEN], 100, None)
    (case,) = [
        c for c in cases if (c.subject_account_id, c.conversation_id) == (adult, conversation)
    ]
    return case.case_id


def test_after_a_flag_the_adults_messages_to_that_child_wait_for_the_moderator(
    api: Api, moderator: Api, container: Container
) -> None:
    flagged(api, "h-adult", "h-kid")
    same = message(
        "h-adult", "h-kid", "nice, what did you draw today", conversation="h-kid-g", minutes=2
    )
    elsewhere = message("h-adult", "h-kid", "hi", conversation="h-new", minutes=DAY)
    decisions = api.send([same, elsewhere])
    assert [d["verdict"] for d in decisions] == ["hold", "hold"]
    assert all("grooming-case-undecided" in rules_of(d) for d in decisions)
    seen = api.visible("h-kid", [same["event_id"], elsewhere["event_id"]])
    assert set(seen.values()) == {False}
    moderator.claim_and_decide(
        case_about(container, "h-adult", "h-kid-g"), "dismiss", "false_positive"
    )
    after = message("h-adult", "h-kid", "see you at practice", conversation="h-new", minutes=DAY)
    (decision,) = api.send([after])
    assert decision["verdict"] == "allow"
    assert api.visible("h-kid", [same["event_id"]]) == {same["event_id"]: True}


def test_a_confirmed_flag_restricts_the_adult(
    api: Api, moderator: Api, container: Container
) -> None:
    flagged(api, "k-adult", "k-kid")
    moderator.claim_and_decide(
        case_about(container, "k-adult", "k-kid-g"), "confirm", "grooming_confirmed"
    )
    (decision,) = api.send([message("k-adult", "k-kid", "hi", conversation="k-new", minutes=9)])
    assert decision["verdict"] == "block"
    assert "restricted-account-contacting-child" in rules_of(decision)


# -- 3. noise from refused retries -------------------------------------------------------------
def test_a_child_is_told_once_a_day_about_an_adults_refused_retries(api: Api) -> None:
    api.send([profile("n-adult", 40), profile("n-kid", 11)])
    tries = [
        message("n-adult", "n-kid", "hi", conversation=f"n-{i}", minutes=minutes)
        for i, minutes in enumerate((0, 5, 60, DAY + 1))
    ]
    told = [[n["account_ids"] for n in d["support"]] for d in api.send(tries)]
    assert told == [[["n-kid"]], [], [], [["n-kid"]]]


def test_refused_attempts_across_conversations_land_on_one_case(
    api: Api, container: Container
) -> None:
    api.send([profile("m-adult", 40), profile("m-kid", 11)])
    tries = [
        message("m-adult", "m-kid", "hi", conversation=f"m-{i}", minutes=i * 60) for i in range(6)
    ]
    decisions = api.send(tries)
    persistent = [d for d in decisions if "persistent-contact-attempts" in rules_of(d)]
    assert len(persistent) >= 2
    container.outbox.run_once(1000)
    with container.store.read() as uow:
        cases = uow.cases.listed([CaseStatus.OPEN], 100, None)
    (case,) = [c for c in cases if c.subject_account_id == "m-adult"]
    assert case.conversation_id is None
    assert {d["event_id"] for d in persistent} <= set(case.event_ids)
