"""Reading hash lists: plain text, CSV and HMA / ThreatExchange exports, with the bad line named."""

from __future__ import annotations

import hashlib
import json

import pytest

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
