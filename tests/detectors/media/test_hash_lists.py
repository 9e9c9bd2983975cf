"""Reading hash lists: plain text, CSV and HMA / ThreatExchange exports, with the bad line named."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeguarding.detectors.media.hash_lists import HashListError, ListFormat, read_hash_list
from safeguarding.domain.banks import HashType

PDQ = "f" * 60 + "0a1B"
MD5 = hashlib.md5(b"benign").hexdigest()


def test_plain_text_skips_comments_and_blank_lines() -> None:
    text = f"# synthetic list\n\n{PDQ}  # a comment\n{'0' * 64}\n"
    assert read_hash_list(text, ListFormat.TEXT, HashType.PDQ) == [
        (3, HashType.PDQ, PDQ.lower()),
        (4, HashType.PDQ, "0" * 64),
    ]


def test_plain_text_needs_its_type() -> None:
    with pytest.raises(HashListError, match="needs its hash type"):
        read_hash_list(PDQ, ListFormat.TEXT)


def test_csv_reads_the_type_column_by_name() -> None:
    text = f"note,signal_type,signal_value\nx,pdq,{PDQ}\ny,video_md5,{MD5}\n"
    assert [(n, t) for n, t, _ in read_hash_list(text, ListFormat.CSV)] == [
        (2, HashType.PDQ),
        (3, HashType.MD5),
    ]


@pytest.mark.parametrize(
    "text",
    [
        json.dumps([{"signal_type": "pdq", "signal_value": PDQ}]),
        json.dumps({"data": [{"type": "HASH_PDQ", "raw_indicator": PDQ}]}),
        json.dumps({"signal_type": "pdq", "signal": PDQ}) + "\n",
    ],
)
def test_hma_and_threatexchange_exports(text: str) -> None:
    assert read_hash_list(text, ListFormat.HMA) == [(1, HashType.PDQ, PDQ.lower())]


@pytest.mark.parametrize(
    ("fmt", "text", "line", "words"),
    [
        (ListFormat.TEXT, f"{PDQ}\nnot-a-hash\n", 2, "64 hex digits"),
        (ListFormat.CSV, f"type,hash\npdq,{PDQ}\nsha1,{MD5}\n", 3, "unknown hash type"),
        (ListFormat.CSV, "kind,digest\n", 1, "names no hash column"),
        (ListFormat.HMA, '{"signal_type": "pdq", "signal": "00"}\n{oops\n', 1, "64 hex digits"),
        (ListFormat.HMA, f'{{"signal_type": "pdq", "signal": "{PDQ}"}}\n{{oops\n', 2, "not JSON"),
    ],
)
def test_the_first_bad_line_is_named(fmt: ListFormat, text: str, line: int, words: str) -> None:
    with pytest.raises(HashListError) as raised:
        read_hash_list(text, fmt, HashType.PDQ if fmt is ListFormat.TEXT else None)
    assert raised.value.line == line
    assert words in raised.value.message


SHA = hashlib.sha256(b"benign").hexdigest()
FRAMES = [PDQ.lower(), "0" * 64]
VPDQ_PYTX = json.dumps([f"{FRAMES[0]},100,0.0", f"{FRAMES[1]},90,1.0"])  # pytx's vPDQ form


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        # threatexchange dataset -P -S: the type, a space, the signal.
        (
            ListFormat.TEXT,
            f"pdq {PDQ}\nvideo_sha256 {SHA}\nvpdq {VPDQ_PYTX}\n",
        ),
        # threatexchange dataset -P --csv
        (
            ListFormat.CSV,
            "signal_type,signal_str,collab,category,tags\n"
            f"pdq,{PDQ},SAMPLE,INVESTIGATION_SEED,\nvideo_sha256,{SHA},SAMPLE,,a b\n"
            f'vpdq,"{",".join(FRAMES)}",SAMPLE,,\n',
        ),
        # HMA's signal objects, as POST /c/bank/<name>/signal and /h/hash write them
        (
            ListFormat.HMA,
            json.dumps([{"pdq": PDQ, "video_sha256": SHA}, {"vpdq": ",".join(FRAMES)}]),
        ),
    ],
)
def test_threatexchange_and_hma_signal_forms(fmt: ListFormat, text: str) -> None:
    assert [(kind, value) for _, kind, value in read_hash_list(text, fmt)] == [
        (HashType.PDQ, PDQ.lower()),
        (HashType.SHA256, SHA),
        (HashType.VPDQ, ",".join(FRAMES)),
    ]


def test_types_no_bank_holds_are_counted_when_asked_and_refused_otherwise() -> None:
    text = f'pdq {PDQ}\nurl https://example.org/\ntrend_query {{"and": ["x"]}}\nurl x\n'
    with pytest.raises(HashListError) as raised:
        read_hash_list(text, ListFormat.TEXT)
    assert raised.value.line == 2
    skipped: Counter[str] = Counter()
    assert len(read_hash_list(text, ListFormat.TEXT, None, skipped)) == 1
    assert skipped == {"url": 2, "trend_query": 1}


def test_a_bad_hash_of_a_held_type_is_refused_even_when_skipping() -> None:
    with pytest.raises(HashListError, match="64 hex digits"):
        read_hash_list("pdq 00\n", ListFormat.TEXT, None, Counter())


@given(
    frames=st.lists(
        st.tuples(
            st.text("0123456789abcdefABCDEF", min_size=64, max_size=64),
            st.integers(0, 100),
            st.floats(0, 1e6, allow_nan=False),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_a_vpdq_reads_the_same_joined_or_in_pytx_form(frames: list[tuple[str, int, float]]) -> None:
    """pytx writes each frame as "hex,quality,timestamp" (timestamp to three digits); the bank
    keeps the hashes, so both forms of the same frames are the same vPDQ."""
    joined = ",".join(pdq for pdq, _, _ in frames)
    pytx = json.dumps([f"{pdq},{quality},{at:.3}" for pdq, quality, at in frames])
    assert HashType.VPDQ.normalise(pytx) == HashType.VPDQ.normalise(joined) == joined.lower()
