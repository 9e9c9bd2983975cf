"""Every detector's explanation says what its evidence shows, at the edges: no stages, one stage
or many; a child known or not; no cues, one or many; a count of one; an exact or a near match.

The last test sends the README's own benign example through the server.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeguarding.detectors.contact_pattern import ContactPatternDetector
from safeguarding.detectors.media.bank_index import BankMatch
from safeguarding.detectors.media.bank_match import explain as explain_bank_match
from safeguarding.detectors.sha256_list import Sha256ListDetector
from safeguarding.detectors.text.grooming import explain as explain_grooming
from safeguarding.detectors.text.grooming_model import Assessment, ConversationState, Person, Step
from safeguarding.detectors.text.self_harm import explain as explain_self_harm
from safeguarding.detectors.text.self_harm_model import Cue, Prediction
from safeguarding.detectors.user_report import explain as explain_report
from safeguarding.domain.accounts import Account, AgeBand, DeclaredAge
from safeguarding.domain.banks import HashType
from safeguarding.domain.detectors import Detector, DetectorContext
from safeguarding.domain.events import EVENT_ADAPTER, Event, ReportReason
from safeguarding.domain.signals import Signal, counted
from safeguarding.services.evaluate import Evaluator
from tests.conftest import auth
from tests.factories import benign_png, media, message

T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
STAGES = (
    "rapport",
    "age_question",
    "personal_probe",
    "supervision_probe",
    "isolation",
    "secrecy",
    "gifts",
    "photo_request",
    "platform_move",
    "meeting",
    "pressure",
)
STAGE_REASONS = ("stages_distinct", "stages_with_child", "asked_child_age")


# -- grooming ---------------------------------------------------------------------------------
def grooming_line(stages: int, other_age: int | None, reasons: tuple[str, ...]) -> str:
    state = ConversationState(
        people={"adult": Person(declared_age=40), "other": Person(declared_age=other_age)},
        timeline=[Step(s, "adult", i, f"m{i}") for i, s in enumerate(STAGES[:stages])],
    )
    found = Assessment(0.5, "flag", "adult", "other", reasons, {}, 0.0)
    return explain_grooming(found, "flag", state)


@given(
    stages=st.integers(0, len(STAGES)),
    other_age=st.none() | st.integers(5, 70),
    reasons=st.lists(st.sampled_from(STAGE_REASONS), unique=True).map(tuple),
)
def test_grooming_counts_the_stages_it_lists_and_names_a_child_only_when_known(
    stages: int, other_age: int | None, reasons: tuple[str, ...]
) -> None:
    line = grooming_line(stages, other_age, reasons)
    listed = line.split("; stages: ")[1].split(", ") if "; stages: " in line else []
    assert len(listed) == stages
    assert "several" not in line
    said = re.findall(r"(no|one|\d+) grooming stages?", line)
    assert said in ([], [counted(stages, "x").split()[0]])
    child_known = other_age is not None and other_age < 18
    assert ("child" in line) <= child_known, line
    if said and other_age is None:
        assert "whose age is unknown" in line


@pytest.mark.parametrize(
    ("stages", "other_age", "wanted", "absent"),
    [
        (0, 12, "grooming risk 0.50 (flag): asked the child's age", "stage"),
        (1, None, "one grooming stage with someone whose age is unknown", "child"),
        (1, 12, "one grooming stage with a child", "stages"),
        (3, 12, "3 grooming stages with a child", "several"),
        (2, 30, "2 grooming stages,", "child"),
    ],
)
def test_grooming_edges(stages: int, other_age: int | None, wanted: str, absent: str) -> None:
    line = grooming_line(stages, other_age, STAGE_REASONS)
    assert wanted in line
    assert absent not in line.split("; stages:")[0]


def test_grooming_with_no_reasons_and_no_stages_is_just_the_risk() -> None:
    assert grooming_line(0, None, ()) == "grooming risk 0.50 (flag)"


# -- self-harm --------------------------------------------------------------------------------
@pytest.mark.parametrize("cues", [0, 1, 3])
def test_self_harm_quotes_as_many_cues_as_it_has(cues: int) -> None:
    found = tuple(Cue(i, i + 4, f"cue{i}") for i in range(cues))
    line = explain_self_harm(Prediction("ideation", True, 0.875, {}, found))
    assert line.startswith("reads as ideation (0.88)")
    assert line.count("'") == 2 * cues
    assert ("cues:" in line) == bool(cues)


# -- contact patterns -------------------------------------------------------------------------
def account(account_id: str, age: int | None) -> Account:
    return Account(
        account_id=account_id,
        first_seen_at=T0,
        declared_ages=(DeclaredAge(age=age, declared_at=T0),),
    )


@pytest.mark.parametrize(
    ("children", "wanted"), [(1, "one child "), (2, "2 children"), (7, "7 children")]
)
def test_contact_pattern_counts_children_in_words_that_agree(children: int, wanted: str) -> None:
    detector = ContactPatternDetector(many_children=1)
    event = EVENT_ADAPTER.validate_python(message("adult", "kid", "hi"))
    context = DetectorContext(
        now=T0,
        actor=account("adult", 40),
        targets=(account("kid", 12),),
        children_contacted=children,
    )
    (signal,) = detector.observe(event, context)
    assert wanted in signal.explanation
    assert f"tried to reach {wanted}" in signal.explanation
    assert "(the threshold is 1)" in signal.explanation


def test_friend_of_friend_names_the_route_it_saw() -> None:
    event = EVENT_ADAPTER.validate_python(
        {
            "type": "contact_request",
            "event_id": "cr-1",
            "occurred_at": T0.isoformat(),
            "actor_id": "adult",
            "target_id": "kid",
            "via": "friend_of_friend",
        }
    )
    context = DetectorContext(now=T0, actor=account("adult", 40), targets=(account("kid", 12),))
    (signal,) = ContactPatternDetector().observe(event, context)
    assert (
        signal.explanation
        == "an adult asked to connect with a child found through a friend of a friend"
    )


# -- hash matches -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("match", "wanted"),
    [
        (
            BankMatch("ncmec", 1, HashType.SHA256, "a" * 64),
            "SHA256 of the upload is in bank 'ncmec' (exact)",
        ),
        (
            BankMatch("ncmec", 1, HashType.MD5, "a" * 32),
            "MD5 of the upload is in bank 'ncmec' (exact)",
        ),
        (
            BankMatch("ncmec", 1, HashType.PDQ, "a" * 64, 0),
            "PDQ within distance 0 of a hash in bank 'ncmec'",
        ),
        (
            BankMatch("ncmec", 1, HashType.PDQ, "a" * 64, 31),
            "PDQ within distance 31 of a hash in bank 'ncmec'",
        ),
        (
            BankMatch("ncmec", 1, HashType.VPDQ, "a" * 64, 0, 1.0, 0.5),
            "vPDQ: 100% of the video's frames match a video in bank 'ncmec' (50% of its frames)",
        ),
    ],
)
def test_bank_matches_say_which_hash_and_how_close(match: BankMatch, wanted: str) -> None:
    assert explain_bank_match(match) == wanted


def test_the_sha256_list_says_exact_and_names_its_list() -> None:
    image = benign_png("explained")
    event = EVENT_ADAPTER.validate_python(media(data=image))
    digest = event.sha256()
    assert digest is not None
    detector = Sha256ListDetector(frozenset({digest}), bank="demo list")
    (signal,) = detector.observe(event, DetectorContext(now=T0, actor=account("adult", 40)))
    assert signal.explanation == "SHA-256 of the upload is on the list 'demo list' (exact match)"


# -- user reports -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reason", "band", "wanted"),
    [
        (ReportReason.GROOMING, AgeBand.UNDER_13, "reported for grooming by a child"),
        (ReportReason.SELF_HARM, AgeBand.ADULT, "reported for self harm by an adult"),
        (
            ReportReason.ABUSE_IMAGERY,
            AgeBand.UNKNOWN,
            "reported for abuse imagery by a user whose age is unknown",
        ),
        (ReportReason.OTHER, AgeBand.AGE_16_17, "reported for another reason by a child"),
    ],
)
def test_reports_describe_the_reporter_only_as_far_as_known(
    reason: ReportReason, band: AgeBand, wanted: str
) -> None:
    assert explain_report(reason, band) == wanted


# -- a detector that fails --------------------------------------------------------------------
class BrokenDetector(Detector):
    """Always fails, to check what the decision says about it."""

    def observe(self, event: Event, context: DetectorContext) -> list[Signal]:
        raise KeyError("boom")


def test_a_failing_detector_says_it_failed_and_was_left_out() -> None:
    event = EVENT_ADAPTER.validate_python(message("adult", "kid", "hi"))
    (signal,) = Evaluator([BrokenDetector()]).signals(
        event, DetectorContext(now=T0, actor=account("a", 40))
    )
    assert signal.explanation == "detector failed (KeyError); decided without it"


# -- through the server: the README's benign example -------------------------------------------
@pytest.mark.anyio
async def test_the_readme_example_is_explained_truthfully(client: httpx.AsyncClient, keys) -> None:
    example = message("coach", "player", "see you at practice", conversation="c-readme")
    answer = await client.post("/v1/events", json=example, headers=auth(keys["platform"]))
    assert answer.status_code == 200
    signals = answer.json()["decision"]["signals"]
    assert "grooming" in {s["detector"] for s in signals}  # a watch signal: one meeting cue
    for signal in signals:
        line = signal["explanation"]
        assert "several" not in line
        assert "child" not in line  # no age is known for either account
        if signal["detector"] == "grooming":
            stages = line.split("; stages: ")[1].split(", ")
            assert (
                f"{counted(len(stages), 'grooming stage')} with someone whose age is unknown"
                in line
            )
