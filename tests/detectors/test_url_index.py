"""The URL index: what a text's links match, entry by entry, without a server."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from safeguarding.detectors.media.bank_index import BankIndex, IndexHolder
from safeguarding.detectors.urls.detector import TEXT_FIELDS, UrlListDetector
from safeguarding.detectors.urls.find import find_candidates
from safeguarding.detectors.urls.index import UrlIndex, Way
from safeguarding.domain.banks import Bank, BankEntry, BankKind, HashType
from safeguarding.domain.events import Event, EventType
from safeguarding.domain.url_normalise import normalise_url
from safeguarding.testing import DetectorContract
from tests.domain.test_url_normalise import urls
from tests.factories import event, message

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def index(*values: str, allow: tuple[str, ...] = ()) -> UrlIndex:
    banks = {
        "list": Bank(name="list", created_at=NOW),
        "fine": Bank(name="fine", kind=BankKind.ALLOW, created_at=NOW),
    }
    rows = [
        BankEntry(i, "list", HashType.URL, HashType.URL.normalise(v), 1)
        for i, v in enumerate(values)
    ]
    rows += [
        BankEntry(100 + i, "fine", HashType.URL, HashType.URL.normalise(v), 1)
        for i, v in enumerate(allow)
    ]
    return UrlIndex.build(banks, rows)


def test_a_key_ending_in_zero_bytes_still_matches() -> None:
    """numpy keeps fixed-width bytes without trailing NULs; a look-up must not trip on that."""
    form = next(
        f"example.com/n{i}"
        for i in range(100_000)
        if hashlib.sha256(f"example.com/n{i}".encode()).digest()[15] == 0
    )
    (match,) = index(form).match_text(f"see {form} now")[0]
    assert (match.entry_id, match.way) == (0, Way.EXACT)


def test_the_same_url_in_two_banks_or_twice_in_a_text_is_one_match_per_entry() -> None:
    found, urls = index("example.org/a", "example.org/a prefix").match_text(
        "example.org/a and again EXAMPLE.org/a/"
    )
    assert sorted(m.entry_id for m in found) == [0, 1]
    assert len(urls) == 1


def test_an_allowlisted_prefix_stops_a_listed_host() -> None:
    listed = index("example.net prefix", allow=("example.net/help prefix",))
    assert listed.match_text("example.net/help/page")[0] == []
    assert [m.entry_id for m in listed.match_text("example.net/other")[0]] == [0]


def test_candidates_keep_a_scheme_before_them_and_drop_sentence_punctuation() -> None:
    (found,) = find_candidates("look (hxxps[:]//example[.]com/a/b).")
    assert found.text == "hxxps[:]//example[.]com/a/b"
    assert find_candidates("write to someone@example.com") == []
    assert find_candidates("no links here at all") == []


@settings(max_examples=200)
@given(urls(), st.sampled_from(["see {} ok", "{}", "look:\n{}, now", "({}) and more"]))
def test_a_url_written_any_way_in_a_text_is_found_in_its_normal_form(
    pair: tuple[str, str], sentence: str
) -> None:
    plain, written = pair
    assume(written[-1] not in ".,;:!?'\")]}")  # a sentence's punctuation, not the link's
    assume("(" not in sentence or "(" not in written)  # "(a/b(c)": whose bracket is the last?
    found = index().match_text(sentence.format(written))[1]
    assert normalise_url(plain) in [u.form for u in found]


class TestUrlListDetector(DetectorContract):
    """The shared detector contract, with one listed URL."""

    def make_detector(self) -> UrlListDetector:
        banks = [Bank(name="list", created_at=NOW)]
        rows = [BankEntry(1, "list", HashType.URL, "example.com/listed", 1)]
        return UrlListDetector(IndexHolder(BankIndex.build(1, banks, rows)))

    def positive_event(self) -> Event:
        return event(message(text="look at example[.]com/listed now"))

    def test_every_text_field_of_every_event_type_is_read(self) -> None:
        assert TEXT_FIELDS == {
            EventType.MESSAGE: ("text",),
            EventType.POST: ("text",),
            EventType.USER_REPORT: ("comment",),
            EventType.LIVESTREAM_COMMENT: ("text",),
        }
