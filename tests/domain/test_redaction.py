"""A content-free decision keeps no quoted words, links or hashes, and everything else."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from safeguarding.detectors.text.self_harm import SelfHarmDetector, explain
from safeguarding.detectors.text.self_harm_model import Cue, Prediction
from safeguarding.detectors.urls.detector import UrlListDetector
from safeguarding.domain.decisions import Decision, Verdict
from safeguarding.domain.redaction import WITHHELD, content_free
from safeguarding.domain.signals import Evidence, Signal, SubjectKind

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=10)
HOST = st.from_regex(r"[a-z]{3,10}\.(com|org|net)", fullmatch=True)


def decision_of(*signals: Signal) -> Decision:
    return Decision(
        event_id="e-1",
        verdict=Verdict.BLOCK,
        actions=(),
        signals=signals,
        rules=(),
        shadow=(),
        policy_version=1,
        decided_at=datetime(2026, 3, 1, tzinfo=UTC),
    )


def self_harm_signal(words: list[str]) -> Signal:
    cues = tuple(Cue(0, len(w), w) for w in words)
    prediction = Prediction("intent_or_plan", True, 0.93, cues=cues)
    return Signal(
        detector=SelfHarmDetector.get_name(),
        kind="intent_or_plan",
        score=0.93,
        subject=SubjectKind.CONTENT,
        subject_id="e-1",
        explanation=explain(prediction),
        evidence=Evidence(event_ids=("e-1",), details={"label_scores": {"intent_or_plan": 0.9}}),
    )


def url_signal(url: str, digest: str) -> Signal:
    return Signal(
        detector=UrlListDetector.get_name(),
        kind="url_match",
        score=1.0,
        subject=SubjectKind.CONTENT,
        subject_id="e-1",
        explanation=f"a link in the text is on URL list 'demo' (exact): {url}, shared by p",
        evidence=Evidence(
            event_ids=("e-1",),
            matched_hash=digest,
            bank="demo",
            details={"url": url, "field": "text", "entry_id": "x-1"},
        ),
    )


@given(words=st.lists(WORD, min_size=1, max_size=3), host=HOST, path=WORD)
def test_no_quoted_word_link_or_hash_is_left(words: list[str], host: str, path: str) -> None:
    url = f"{host}/{path}.html"
    digest = hashlib.sha256(url.encode()).hexdigest()
    free = content_free(decision_of(self_harm_signal(words), url_signal(url, digest)))
    shown = free.model_dump_json()
    assert not [w for w in words if f"'{w}'" in shown]
    assert url not in shown
    assert digest not in shown
    harm, link = free.signals
    assert harm.explanation == "reads as intent or plan (0.93)"
    assert link.explanation.endswith(f": {WITHHELD}, shared by p")
    # What is not content stays: who decided, the scores, the bank, the cited events.
    assert link.evidence.bank == "demo"
    assert link.evidence.event_ids == ("e-1",)
    assert link.evidence.details == {"field": "text", "entry_id": "x-1"}
    assert harm.evidence.details == {"label_scores": {"intent_or_plan": 0.9}}
    assert (free.verdict, free.event_id) == (Verdict.BLOCK, "e-1")
