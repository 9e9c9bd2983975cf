"""The child protections attacked through the ingest API (SQLite and PostgreSQL).

Each test names the invariant it attacks (docs/events.md, docs/policy.md "The child-safe
invariant", docs/review.md). Hypothesis draws the orders, ages, batchings and uploads. Text
is everyday chat or non-explicit warning signs only; images are benign Pillow pictures.
Written by an independent reviewer; each test of a fault failed on the code before its fix.
"""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageEnhance

from safeguarding.bootstrap import Container
from safeguarding.detectors.media.hashing import hash_image_bytes
from safeguarding.domain.access import Role
from safeguarding.operations import retention_service
from safeguarding.settings import Settings
from tests.api.platform_api import Api, api_over
from tests.clocks import MovableClock
from tests.conftest import auth, build_container, make_settings
from tests.factories import BASE, benign_png

_runs = itertools.count()


def examples(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def stamp(minutes: float) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


class Ids:
    """Fresh account and event ids for one Hypothesis example (the fixture's store is shared)."""

    def __init__(self) -> None:
        self.prefix = f"pr{next(_runs)}-"
        self.n = itertools.count()

    def who(self, name: str) -> str:
        return self.prefix + name

    def base(self, kind: str, actor: str, minutes: float) -> dict[str, Any]:
        event_id = f"{self.prefix}{kind}-{next(self.n)}"
        return {
            "type": kind,
            "event_id": event_id,
            "occurred_at": stamp(minutes),
            "actor_id": actor,
        }

    def profile(self, actor: str, minutes: float, **fields: Any) -> dict[str, Any]:
        return {**self.base("profile_update", actor, minutes), **fields}

    def message(self, actor: str, to: str, text: str, minutes: float, conv: str) -> dict[str, Any]:
        return {
            **self.base("message", actor, minutes),
            "conversation_id": self.prefix + conv,
            "recipient_ids": [to],
            "text": text,
        }

    def accept(self, actor: str, target: str, minutes: float) -> dict[str, Any]:
        return {**self.base("contact_accepted", actor, minutes), "target_id": target}


def send_in(api: Api, events: list[dict[str, Any]], cuts: list[int]) -> list[dict[str, Any]]:
    """Send the events in requests of the drawn sizes (cycled), in order."""
    decisions, start, sizes = [], 0, cuts or [1]
    while start < len(events):
        size = sizes[start % len(sizes)]
        decisions += api.send(events[start : start + size])
        start += size
    return decisions


def refused(
    api: Api, child: str, event: dict[str, Any], decision: dict[str, Any], why: object = ""
) -> None:
    assert decision["verdict"] in ("hold", "block"), (why, decision["verdict"], decision["rules"])
    assert api.visible(child, [event["event_id"]]) == {event["event_id"]: False}


# -- 1. Only the child's own acceptance connects an adult and a child ------------------------
# Invariant (events.md contact_accepted, "What counts"): between a child and an adult (or an
# account of unknown age) only the child's own acceptance connects them; an adult's
# contact_accepted aimed at a child connects nothing, whatever order the facts arrive in
# (profile updates after messages, an age stated in text, occurred_at earlier than before).


@given(
    order=st.permutations(["adult_age", "child_age", "adult_accepts"]),
    child_age_by=st.sampled_from(["declared", "stated_in_text"]),
    adult_age_by=st.sampled_from(["declared", "verified"]),
    backdated=st.booleans(),
    cuts=st.lists(st.integers(1, 3), min_size=1, max_size=3),
)
@examples(24)
def test_only_a_childs_own_acceptance_connects_whatever_order_the_ages_arrive(
    api: Api,
    order: list[str],
    child_age_by: str,
    adult_age_by: str,
    backdated: bool,
    cuts: list[int],
) -> None:
    ids = Ids()
    adult, child, peer = ids.who("adult"), ids.who("child"), ids.who("peer")
    events: list[dict[str, Any]] = []
    for i, step in enumerate(order):
        # A late profile update may carry an occurred_at before the events already sent.
        minutes = (-500 + i) if (backdated and step != "adult_accepts") else i * 10
        if step == "adult_age":
            fields: dict[str, Any] = (
                {"declared_age": 40}
                if adult_age_by == "declared"
                else {"age_assurance": {"method": "verified", "age": 40}}
            )
            events.append(ids.profile(adult, minutes, **fields))
        elif step == "child_age":
            if child_age_by == "declared":
                events.append(ids.profile(child, minutes, declared_age=11))
            else:
                events.append(ids.message(child, peer, "im 12 btw, year 7", minutes, "homework"))
        else:
            events.append(ids.accept(adult, child, minutes))
    send_in(api, events, cuts)
    hello = ids.message(adult, child, "hey how was school today", 100, "dm")
    (decision,) = api.send([hello])
    refused(api, child, hello, decision, (order, child_age_by, adult_age_by, backdated, cuts))


@pytest.mark.parametrize("acceptor", ["adult", "child"])
@pytest.mark.parametrize("adult_age_first", [True, False])
@pytest.mark.parametrize("child_age_by", ["declared", "stated_in_text"])
def test_a_connection_made_before_either_age_was_known_does_not_stand_once_they_are(
    api: Api, acceptor: str, adult_age_first: bool, child_age_by: str
) -> None:
    """Accepted while neither age was known, the connection cannot say who accepted whom:
    once the ages say adult and child, it no longer stands, in whichever order they arrive
    (the child accepts again, if it was hers)."""
    ids = Ids()
    adult, child, peer = ids.who("adult"), ids.who("child"), ids.who("peer")
    accepted = ids.accept(adult, child, 0) if acceptor == "adult" else ids.accept(child, adult, 0)
    adult_age = ids.profile(adult, 10, declared_age=40)
    child_age = (
        ids.profile(child, 11, declared_age=11)
        if child_age_by == "declared"
        else ids.message(child, peer, "im 11 and in year 6", 11, "homework")
    )
    ages = [adult_age, child_age] if adult_age_first else [child_age, adult_age]
    api.send([accepted])
    for update in ages:
        api.send([update])
    hello = ids.message(adult, child, "hey how was school today", 100, "dm")
    (decision,) = api.send([hello])
    refused(api, child, hello, decision, (acceptor, adult_age_first, child_age_by))


@pytest.mark.parametrize(
    "says", ["im 13 btw", "i'm in year 8 lol", "its my 14th birthday next week"]
)
@pytest.mark.parametrize("read_as_adult_by", ["declared", "verified"])
def test_a_connection_made_while_the_account_said_it_was_a_child_is_dropped_when_read_adult(
    api: Api, says: str, read_as_adult_by: str
) -> None:
    """events.md: "When an account that passed as a child comes to be read as an adult (an age
    check, or a declaration), its connections with children are re-checked ... each child
    must accept it again." Here it passed as a child by an age it gave for itself in text
    (the engine read it as 13 to 15 and the child accepted it), then is read as 40."""
    ids = Ids()
    fake, child, other = ids.who("fake"), ids.who("child"), ids.who("other")
    api.send(
        [
            ids.profile(child, -300, declared_age=12),
            ids.message(fake, other, says, -290, "intro"),
            ids.accept(child, fake, -280),
        ]
    )
    before = ids.message(fake, child, "hey how was school today", -270, "dm")
    assert api.send([before])[0]["verdict"] == "allow"  # connected while it passed as a child
    adult = (
        {"declared_age": 40}
        if read_as_adult_by == "declared"
        else {"age_assurance": {"method": "verified", "age": 40}}
    )
    api.send([ids.profile(fake, -100, **adult)])
    after = ids.message(fake, child, "hey how was school today", 10, "dm")
    (decision,) = api.send([after])
    refused(api, child, after, decision, (says, read_as_adult_by))


# -- 2. An age cannot be talked down or up --------------------------------------------------
# Invariant (events.md profile_update, policy.md "The child-safe invariant" 3): without an
# estimated or verified age, every age an account claims is kept; as an actor it is the
# oldest it claimed, as a target the youngest. A self-declared check is "one more claim"; a
# check that gives no age is no evidence of an age. So neither kind of update lets an adult
# (declared 40) reach an unconnected child (declared 11), nor lifts the child's protection.

weak_update = st.one_of(
    st.builds(
        lambda age: {"age_assurance": {"method": "self_declared", "age": age}},
        st.integers(0, 130),
    ),
    st.builds(
        lambda method, top: {
            "age_assurance": {"method": method, **({"age_max": top} if top else {})}
        },
        st.sampled_from(["estimated", "verified"]),
        st.sampled_from([None, 25, 60]),
    ),
)


@pytest.mark.parametrize("who", ["adult", "child"])
@given(
    first_by_check=st.booleans(),
    updates=st.lists(weak_update, min_size=1, max_size=3),
)
@examples(30)
def test_no_self_declared_or_ageless_check_moves_an_adult_or_a_child(
    api: Api, who: str, first_by_check: bool, updates: list[dict[str, Any]]
) -> None:
    ids = Ids()
    adult, child = ids.who("adult"), ids.who("child")
    ages = {adult: 40, child: 11}

    def first(account: str) -> dict[str, Any]:
        if first_by_check:  # the first claim made as a self-declared check
            check = {"method": "self_declared", "age": ages[account]}
            return ids.profile(account, -300, age_assurance=check)
        return ids.profile(account, -300, declared_age=ages[account])

    api.send([first(adult), first(child)])
    before = ids.message(adult, child, "hey how was school today", -200, "dm")
    (decision,) = api.send([before])
    refused(api, child, before, decision)
    changing = ids.who(who)
    api.send([ids.profile(changing, -100 + i, **u) for i, u in enumerate(updates)])
    after = ids.message(adult, child, "hey how was school today", 10, "dm")
    (decision,) = api.send([after])
    refused(api, child, after, decision, (who, first_by_check, updates))


@given(
    low=st.integers(0, 17),
    high=st.integers(18, 99),
    method=st.sampled_from(["estimated", "verified"]),
    confidence=st.sampled_from([0.2, 0.6, 0.95]),
)
@examples(15)
def test_an_age_range_that_reaches_adulthood_keeps_an_adult_declared_40_restricted(
    api: Api, low: int, high: int, method: str, confidence: float
) -> None:
    """events.md: "For a range, the lower end counts (the safer reading)". For the account as
    an actor the lower end is the least safe reading: an adult who declared 40 and whose age
    estimate is 12 to 45 must not be read as a child free to message unconnected children."""
    ids = Ids()
    adult, child = ids.who("adult"), ids.who("child")
    check = {"method": method, "age_min": low, "age_max": high, "confidence": confidence}
    api.send(
        [
            ids.profile(adult, -300, declared_age=40),
            ids.profile(child, -300, declared_age=11),
            ids.profile(adult, -200, age_assurance=check),
        ]
    )
    hello = ids.message(adult, child, "hey how was school today", 10, "dm")
    (decision,) = api.send([hello])
    refused(api, child, hello, decision, check)


# -- 3. A known image stays blocked ---------------------------------------------------------
# Invariant (policy.md rule 1, banks.md): an upload whose PDQ is within the bank's distance of
# a banked image is never delivered: re-sent under another event_id, in another conversation,
# re-encoded, or with the image as a frame of an animated PNG or WebP (formats the engine
# accepts as images, which platforms show frame by frame).

KNOWN = benign_png("protect-review-known", 256)


def raw_post(api: Api, path: str, body: dict[str, Any], key: str) -> None:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            return await http.post(path, json=body, headers=auth(key))

    answer = asyncio.run(call())
    assert answer.status_code in (200, 201), answer.text


@pytest.fixture
def banked(api: Api, container: Container) -> Api:
    """A bank of abuse imagery (the default harm) holding the known picture's PDQ."""
    admin = container.keys.create("protect-review-admin", Role.ADMIN.value)[0]
    raw_post(api, "/v1/banks", {"name": "hotline-synthetic"}, admin)
    content = hash_image_bytes(KNOWN).pdq + "\n"
    body = {"format": "text", "hash_type": "pdq", "source": "synthetic", "content": content}
    raw_post(api, "/v1/banks/hotline-synthetic/import", body, admin)
    return api


def upload(ids: Ids, actor: str, to: str, data: bytes, conv: str) -> dict[str, Any]:
    return {
        **ids.base("media", actor, 5),
        "media_kind": "image",
        "conversation_id": ids.prefix + conv,
        "conversation_kind": "direct",
        "recipient_ids": [to],
        "content_base64": base64.b64encode(data).decode(),
    }


def encoded(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


@given(
    change=st.sampled_from(["same", "jpeg", "brighter", "smaller", "webp"]),
    conv=st.sampled_from(["dm-a", "dm-b", "group-c"]),
)
@examples(8)
def test_a_known_image_resent_anywhere_or_reencoded_stays_blocked(
    banked: Api, change: str, conv: str
) -> None:
    ids = Ids()
    image = Image.open(io.BytesIO(KNOWN)).convert("RGB")
    data = {
        "same": KNOWN,
        "jpeg": encoded(image, "JPEG", quality=85),
        "brighter": encoded(ImageEnhance.Brightness(image).enhance(1.1), "PNG"),
        "smaller": encoded(image.resize((180, 180)), "PNG"),
        "webp": encoded(image, "WEBP", quality=90),
    }[change]
    banked.send([ids.profile(ids.who("a"), -10, declared_age=30)])
    (decision,) = banked.send([upload(ids, ids.who("a"), ids.who("b"), data, conv)])
    assert decision["verdict"] == "block"
    assert "known-abuse-image" in [r["rule"] for r in decision["rules"]]


@given(
    fmt=st.sampled_from(["PNG", "WEBP"]),
    covers=st.integers(1, 3),
    colour=st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
)
@examples(10)
def test_a_known_image_as_a_later_frame_of_an_animated_image_is_still_blocked(
    banked: Api, fmt: str, covers: int, colour: tuple[int, int, int]
) -> None:
    ids = Ids()
    image = Image.open(io.BytesIO(KNOWN)).convert("RGB")
    red, green, blue = colour
    cover = Image.new("RGB", image.size, colour)
    # Each cover frame differs (Pillow merges identical neighbouring frames).
    frames = [
        Image.new("RGB", image.size, (red, green, (blue + 40 * k) % 256)) for k in range(1, covers)
    ] + [image]
    options: dict[str, Any] = {"save_all": True, "append_images": frames, "loop": 0}
    options["duration"] = [20] * covers + [5000]
    if fmt == "WEBP":
        options["lossless"] = True
    animated = encoded(cover, fmt, **options)
    shown = Image.open(io.BytesIO(animated))
    shown.seek(covers)  # what the platform shows for five seconds of every loop
    assert shown.convert("RGB").tobytes() == image.tobytes()
    banked.send([ids.profile(ids.who("a"), -10, declared_age=30)])
    (decision,) = banked.send([upload(ids, ids.who("a"), ids.who("b"), animated, "dm")])
    assert decision["verdict"] == "block", (fmt, covers, colour, decision["verdict"])
    assert "known-abuse-image" in [r["rule"] for r in decision["rules"]]


# -- 4. A held pair stays held until a moderator decides -------------------------------------
# Invariant (policy.md rule 3 and 15, review.md): once a child has reported an adult for
# grooming, nothing the adult sends her, by any event, in any conversation, is delivered until
# a moderator confirms or dismisses the report's case; claiming, releasing, reassigning,
# escalating, another report joining the case, the outbox and the retention job change nothing.


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(BASE)


@pytest.fixture
def clocked(
    pytestconfig: pytest.Config, database_url: str, tmp_path: Path, clock: MovableClock
) -> Iterator[tuple[Api, Container]]:
    config: Settings = make_settings(database_url, tmp_path)
    built = build_container(pytestconfig, config, clock=clock)
    try:
        for api in api_over(built):
            yield api, built
    finally:
        built.close()


def adult_try(ids: Ids, kind: str, adult: str, child: str, at: float, n: int) -> dict[str, Any]:
    if kind == "request":
        return {**ids.base("contact_request", adult, at), "target_id": child}
    if kind == "group_add":
        return {
            **ids.base("group_add", adult, at),
            "conversation_id": f"{ids.prefix}g{n}",
            "member_ids": [child, ids.who("other")],
        }
    if kind == "mention":
        return {
            **ids.base("post", adult, at),
            "text": "great match today",
            "mentioned_ids": [child],
        }
    if kind == "stream_comment":
        return {
            **ids.base("livestream_comment", adult, at),
            "stream_id": ids.prefix + "stream",
            "text": "nice goal",
        }
    if kind == "group_message":
        event = ids.message(adult, child, "see you at training", at, f"grp{n}")
        return {**event, "conversation_kind": "group", "recipient_ids": [child, ids.who("other")]}
    conv = "dm" if kind == "same" else f"dm{n}"
    return ids.message(adult, child, "see you at training", at, conv)


OPS = (
    "try_same",
    "try_new",
    "try_request",
    "try_group_add",
    "try_mention",
    "try_stream_comment",
    "try_group_message",
    "outbox",
    "claim",
    "release",
    "reassign",
    "escalate",
    "report_again",
    "retention",
)


@given(ops=st.lists(st.sampled_from(OPS), min_size=1, max_size=10))
@examples(20)
def test_a_reported_pair_stays_held_through_everything_but_a_decision(
    clocked: tuple[Api, Container], clock: MovableClock, ops: list[str]
) -> None:
    api, container = clocked
    ids = Ids()
    adult, child = ids.who("coach"), ids.who("pupil")
    keys = {n: auth(container.keys.create(ids.prefix + n, Role.MODERATOR.value)[0]) for n in "ab"}
    api.send(
        [
            ids.profile(adult, 0, declared_age=35),
            ids.profile(child, 0, declared_age=13),
            ids.accept(child, adult, 1),
            {
                **ids.base("livestream_start", child, 2),
                "stream_id": ids.prefix + "stream",
                "audience": "friends",
            },
        ]
    )
    first = ids.message(adult, child, "see you at training", 3, "dm")
    assert api.send([first])[0]["verdict"] == "allow"
    report = {
        **ids.base("user_report", child, 4),
        "reported_account_id": adult,
        "reported_event_id": first["event_id"],
        "reason": "grooming",
    }
    api.send([report])
    at, holder, pinned = 10.0, None, None
    for n, op in enumerate(ops):
        at += 30
        if op.startswith("try_"):
            sent = adult_try(ids, op.removeprefix("try_"), adult, child, at, n)
            (decision,) = api.send([sent])
            refused(api, child, sent, decision)
            continue
        if op == "outbox":
            container.outbox.run_once(1000)
        elif op == "report_again":
            again = {
                **ids.base("user_report", child, at),
                "reported_account_id": adult,
                "reason": "grooming",
            }
            api.send([again])
        elif op == "retention":
            clock.advance(days=40)
            at += 40 * 24 * 60
            retention_service(container).run("protect-review")
        else:
            container.outbox.run_once(1000)
            # The report's case (the first about the adult); later ones of new
            # conversations are left alone, as undecided as it is.
            mine = [c for c in api.get("/v1/cases", keys["a"]) if c["subject_account_id"] == adult]
            cid = pinned = pinned or (mine[0]["case_id"] if mine else None)
            if cid is None:
                continue
            if op == "claim" and holder is None:
                api.post(f"/v1/cases/{cid}/claim", {}, keys["a"])
                holder = "a"
            elif op == "release" and holder is not None:
                api.post(f"/v1/cases/{cid}/release", {}, keys[holder])
                holder = None
            elif op == "reassign" and holder is not None:
                api.post(f"/v1/cases/{cid}/release", {}, keys[holder])
                holder = "b" if holder == "a" else "a"
                api.post(f"/v1/cases/{cid}/claim", {}, keys[holder])
            elif op == "escalate" and holder is not None:
                body = {"outcome": "escalate", "reason_code": "needs_specialist"}
                api.post(f"/v1/cases/{cid}/decision", body, keys[holder])
                holder = None
    last = adult_try(ids, "new", adult, child, at + 30, 999)
    (decision,) = api.send([last])
    refused(api, child, last, decision)


# -- 5. One unconnected child among many recipients refuses the whole message ----------------
# Invariant (events.md "Children and unconnected adults"): a message with several recipients,
# one of them a child the adult is not connected to, is refused as a whole, whatever the
# others are (connected children, adults, unknown ages), and however the child is reached
# (recipient, mention, group add), in any conversation kind.


@given(
    others=st.lists(st.sampled_from(["friend", "adult", "unknown", "peer"]), max_size=12),
    position=st.integers(0, 12),
    how=st.sampled_from(["recipient", "mention", "group_add", "media"]),
    kind=st.sampled_from(["direct", "group", "comments", "livestream"]),
)
@examples(20)
def test_one_unconnected_child_among_many_recipients_refuses_the_whole_event(
    api: Api, others: list[str], position: int, how: str, kind: str
) -> None:
    ids = Ids()
    adult, child = ids.who("adult"), ids.who("child")
    ages = {"friend": 12, "adult": 30, "unknown": None, "peer": 12}
    names = [ids.who(f"{o}{i}") for i, o in enumerate(others)]
    setup = [ids.profile(adult, -300, declared_age=40), ids.profile(child, -300, declared_age=11)]
    for name, other in zip(names, others, strict=True):
        if ages[other] is not None:
            setup.append(ids.profile(name, -300, declared_age=ages[other]))
        if other == "friend":
            setup.append(ids.accept(name, adult, -290))
    api.send(setup)
    crowd = names[:]
    if how != "mention":
        crowd.insert(min(position, len(crowd)), child)
    if how == "group_add":
        event: dict[str, Any] = {
            **ids.base("group_add", adult, 10),
            "conversation_id": ids.prefix + "grp",
            "member_ids": crowd,
        }
    elif how == "media":
        event = {
            **ids.base("media", adult, 10),
            "media_kind": "image",
            "conversation_id": ids.prefix + "grp",
            "conversation_kind": "group" if kind != "direct" else "direct",
            "recipient_ids": crowd,
            "content_base64": base64.b64encode(benign_png("team-photo")).decode(),
        }
    else:
        event = {
            **ids.message(adult, crowd[0] if crowd else ids.who("x"), "well played all", 10, "grp"),
            "conversation_kind": kind,
            "recipient_ids": crowd or [ids.who("x")],
        }
        if how == "mention":
            event["mentioned_ids"] = [child]
    (decision,) = api.send([event])
    refused(api, child, event, decision, (others, position, how, kind))


# -- 6. An appeal does not deliver what the child-safe defaults refused ----------------------
# Invariant (policy.md "The child-safe invariant" 1 and 5, events.md): until the child
# accepts a connection nothing from an unconnected adult reaches her, and a held or blocked
# item is not visible to her (`POST /v1/visibility` false); a message held with an undecided
# grooming case stays back until a moderator decides that case. The adult's appeal against
# the refusal is the adult's own retry by another door: upholding it must not show the child
# the message while she has not accepted the adult, or while the case is undecided.


def call(api: Api, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            return await http.post(path, json=body, headers=headers)

    answer = asyncio.run(go())
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


@given(
    way=st.sampled_from(["message", "media", "mention", "group_add"]),
    decider=st.sampled_from(["moderator", "admin"]),
)
@examples(8)
def test_an_upheld_appeal_does_not_show_a_child_an_unconnected_adults_refused_message(
    api: Api, container: Container, way: str, decider: str
) -> None:
    ids = Ids()
    adult, child = ids.who("adult"), ids.who("child")
    api.send([ids.profile(adult, -300, declared_age=40), ids.profile(child, -300, declared_age=11)])
    sent = adult_try(ids, "new", adult, child, 10, 1)
    if way == "media":
        sent = upload(ids, adult, child, benign_png("holiday"), "dm")
    elif way == "mention":
        sent = adult_try(ids, "mention", adult, child, 10, 1)
    elif way == "group_add":
        sent = adult_try(ids, "group_add", adult, child, 10, 1)
    (decision,) = api.send([sent])
    refused(api, child, sent, decision, way)
    appeal = {
        "kind": "appeal",
        "account_id": adult,
        "reason": "not_harmful",
        "text": "it was only a friendly hello",
        "event_id": sent["event_id"],
    }
    filed = call(api, "/v1/complaints", appeal, api.headers)
    key = container.keys.create(ids.prefix + decider, decider)[0]
    upheld = {"status": "upheld", "reason": "the message itself was harmless"}
    call(api, f"/v1/complaints/{filed['complaint_id']}/decision", upheld, auth(key))
    # Still not connected: the child must still not be shown it.
    assert api.visible(child, [sent["event_id"]]) == {sent["event_id"]: False}, (way, decider)


def test_an_upheld_appeal_does_not_release_a_held_message_while_its_grooming_case_is_open(
    api: Api, container: Container
) -> None:
    ids = Ids()
    adult, child = ids.who("coach"), ids.who("pupil")
    api.send(
        [
            ids.profile(adult, 0, declared_age=35),
            ids.profile(child, 0, declared_age=13),
            ids.accept(child, adult, 1),
        ]
    )
    report = {
        **ids.base("user_report", child, 4),
        "reported_account_id": adult,
        "reason": "grooming",
    }
    api.send([report])
    held = ids.message(adult, child, "you there?", 20, "dm")
    (decision,) = api.send([held])
    assert decision["verdict"] == "hold"
    container.outbox.run_once(1000)
    key = auth(
        container.keys.create(ids.prefix + "g", Role.MODERATOR.value, queues=["grooming"])[0]
    )
    case = next(c for c in api.get("/v1/cases", key) if c["subject_account_id"] == adult)
    appeal = {
        "kind": "appeal",
        "account_id": adult,
        "reason": "context_missed",
        "text": "I am her coach",
        "event_id": held["event_id"],
    }
    filed = call(api, "/v1/complaints", appeal, api.headers)
    upheld = {"status": "upheld", "reason": "the message itself was harmless"}
    call(api, f"/v1/complaints/{filed['complaint_id']}/decision", upheld, key)
    still_open = [c for c in api.get("/v1/cases", key) if c["case_id"] == case["case_id"]]
    assert still_open, "the report's case is still undecided"
    assert api.visible(child, [held["event_id"]]) == {held["event_id"]: False}


@pytest.mark.parametrize("who", ["adult", "child"])
@pytest.mark.parametrize(
    "check",
    [{"method": "verified"}, {"method": "estimated", "age_max": 60}],
    ids=["verified-no-age", "estimated-only-a-maximum"],
)
def test_an_age_check_that_gives_no_age_keeps_the_declared_ages(
    api: Api, who: str, check: dict[str, Any]
) -> None:
    """An ageless check alone (report finding 3): a check without an age is no evidence."""
    ids = Ids()
    adult, child = ids.who("adult"), ids.who("child")
    api.send([ids.profile(adult, -300, declared_age=40), ids.profile(child, -300, declared_age=11)])
    api.send([ids.profile(ids.who(who), -100, age_assurance=check)])
    hello = ids.message(adult, child, "hey how was school today", 10, "dm")
    (decision,) = api.send([hello])
    refused(api, child, hello, decision, (who, check))
