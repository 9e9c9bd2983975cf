"""The files signals are shared in, as python-threatexchange writes and reads them.

- ``csv``: the columns ``threatexchange dataset -P --csv`` prints (``signal_type``,
  ``signal_str``, ``collab``, ``category``, ``tags``), the harm as the one tag, then three
  columns of ours: ``harm``, ``confirmed_at`` and ``decision_id``. A reader of pytx's CSV
  reads it as it is; the bank import (``banks import --format csv``) too.
- ``text``: ``<signal_type> <signal_str>`` a line, what pytx's ``LocalFileSignalExchangeAPI``
  fetches (and ``dataset -P -S`` prints). It carries no harm, date or decision: a partner
  who takes it says the harm for the whole file.

A partner's file is read in either form. Each row names its harm (the ``harm`` column,
else a ``harm:`` or bare harm tag, else the harm given for the file), and a row whose
``category`` is ``NEGATIVE_CLASS`` withdraws the signal. The first bad row stops the whole
file (``HashListError`` naming its line), so nothing of it is stored.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from safeguarding.detectors.media.hash_lists import LIST_TYPE_NAMES, HashListError, csv_rows
from safeguarding.domain.banks import HashType
from safeguarding.domain.sharing import (
    ACCOUNT_SIGNAL,
    ACCOUNT_SIGNAL_FORM,
    PARTNER_HARMS,
    POSITIVE,
    WITHDRAWN,
    SharedSignal,
)

COLUMNS = ("signal_type", "signal_str", "collab", "category", "tags")
OURS = ("harm", "confirmed_at", "decision_id")
CATEGORIES = (POSITIVE, WITHDRAWN, "INVESTIGATION_SEED")


class ShareFormat(StrEnum):
    """The forms of a shared-signals file."""

    CSV = "csv"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class PartnerSignal:
    """One row of a partner's file, checked: what a bank stores, its harm, and whether the
    partner withdraws it."""

    line: int
    hash_type: HashType
    value: str
    harm: str
    withdrawn: bool = False


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One account signal of a partner's file: the salted hash, its harm, whether withdrawn."""

    line: int
    value: str
    harm: str
    withdrawn: bool = False


def write_export(signals: Iterable[SharedSignal], fmt: ShareFormat, collab: str) -> str:
    """The signals in the form asked for."""
    out = io.StringIO()
    if fmt is ShareFormat.TEXT:
        out.writelines(f"{s.signal_type} {s.signal_str}\n" for s in signals)
        return out.getvalue()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*COLUMNS, *OURS))
    for s in signals:
        stamp = s.confirmed_at.isoformat()
        row = (s.signal_type, s.signal_str, collab, POSITIVE, s.harm, s.harm, stamp, s.decision_id)
        writer.writerow(row)
    return out.getvalue()


def read_partner_file(
    text: str,
    fmt: ShareFormat,
    harm: str | None,
    skipped: Counter[str],
    accounts: list[AccountRow] | None = None,
) -> list[PartnerSignal]:
    """Every signal of a partner's file; account signals go to ``accounts`` (checked, and
    counted in ``skipped`` when it is None), and types nothing holds (a trend query) are
    counted in ``skipped`` by type name and left out."""
    rows = _csv_rows(text) if fmt is ShareFormat.CSV else _text_rows(text)
    found = []
    for line, row in rows:
        name = row.get("signal_type", "").strip().lower()
        kind = LIST_TYPE_NAMES.get(name)
        if name == ACCOUNT_SIGNAL:
            account = _account(line, row, harm)
            if accounts is None:
                skipped[name] += 1
            else:
                accounts.append(account)
            continue
        if kind is None:
            skipped[name or "(none)"] += 1
            continue
        try:
            value = kind.normalise(row.get("signal_str", ""))
        except ValueError as exc:
            raise HashListError(line, str(exc)) from None
        found.append(
            PartnerSignal(line, kind, value, _harm(line, row, harm), _withdrawn(line, row))
        )
    return found


def _account(line: int, row: dict[str, str], harm: str | None) -> AccountRow:
    value = row.get("signal_str", "").strip().lower()
    if not ACCOUNT_SIGNAL_FORM.match(value):
        raise HashListError(line, f"an {ACCOUNT_SIGNAL} is 64 hex digits (an HMAC-SHA256)")
    return AccountRow(line, value, _harm(line, row, harm), _withdrawn(line, row))


def _harm(line: int, row: dict[str, str], given: str | None) -> str:
    tags = [t.removeprefix("harm:") for t in row.get("tags", "").split()]
    named = row.get("harm", "").strip() or next((t for t in tags if t in PARTNER_HARMS), given)
    if named is None:
        raise HashListError(line, "the row names no harm (a harm column or tag), nor does the file")
    if named not in PARTNER_HARMS:
        raise HashListError(line, f"unknown harm {named!r}; known: {', '.join(PARTNER_HARMS)}")
    return named


def _withdrawn(line: int, row: dict[str, str]) -> bool:
    category = row.get("category", "").strip().upper() or POSITIVE
    if category not in CATEGORIES:
        raise HashListError(line, f"unknown category {category!r}; known: {', '.join(CATEGORIES)}")
    return category == WITHDRAWN


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    rows = csv_rows(text)
    header = [h.strip().lower() for h in next(rows, (0, []))[1]]
    missing = [c for c in ("signal_type", "signal_str") if c not in header]
    if missing:
        raise HashListError(1, f"the header names no {' or '.join(missing)} column")
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise HashListError(number, f"expected {len(header)} columns, found {len(row)}")
        yield number, dict(zip(header, row, strict=True))


def _text_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition(" ")
        if not value.strip():
            raise HashListError(number, "a line is '<signal_type> <signal_str>'")
        yield number, {"signal_type": name, "signal_str": value.strip()}
