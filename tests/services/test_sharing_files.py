"""The shared-signals CSV this service writes reads back, row for row, as a partner's file."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from safeguarding.domain.banks import HashType
from safeguarding.domain.sharing import ACCOUNT_SIGNAL, SHARED_HARMS, SharedSignal
from safeguarding.services.sharing_files import ShareFormat, read_partner_file, write_export

HEX64 = st.text("0123456789abcdef", min_size=64, max_size=64)
HEX32 = st.text("0123456789abcdef", min_size=32, max_size=32)
HASHES = st.one_of(
    st.tuples(st.just("pdq"), HEX64),
    st.tuples(st.sampled_from(["sha256", "video_sha256"]), HEX64),
    st.tuples(st.sampled_from(["md5", "video_md5"]), HEX32),
    st.tuples(st.just(ACCOUNT_SIGNAL), HEX64),
)
AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@given(st.lists(st.tuples(HASHES, st.sampled_from(SHARED_HARMS)), max_size=30))
def test_an_export_reads_back_as_the_same_signals_with_their_harms(
    rows: list[tuple[tuple[str, str], str]],
) -> None:
    signals = [SharedSignal(kind, value, harm, AT, "case/1") for (kind, value), harm in rows]
    skipped: Counter[str] = Counter()
    text = write_export(signals, ShareFormat.CSV, 'a, service with "quotes"')
    read = read_partner_file(text, ShareFormat.CSV, None, skipped)
    kept = [s for s in signals if s.signal_type != ACCOUNT_SIGNAL]
    assert [(r.value, r.harm, r.withdrawn) for r in read] == [
        (s.signal_str, s.harm, False) for s in kept
    ]
    assert {r.hash_type for r in read} <= {HashType.PDQ, HashType.SHA256, HashType.MD5}
    assert skipped.total() == len(signals) - len(kept)
