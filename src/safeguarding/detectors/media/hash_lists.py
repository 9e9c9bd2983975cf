"""Reading hash lists in the formats banks are imported from.

- ``text``: one hash per line, ``#`` comments and blank lines skipped. The type is given
  (SHA-256 and PDQ are both 64 hex digits, so it cannot be guessed), or each line starts
  with it, as ``threatexchange dataset -P -S`` prints them (``pdq <hash>``).
- ``csv``: a header naming the hash column (``hash``, ``value``, ``signal``,
  ``signal_value``, ``signal_str`` or ``hash_value``) and, unless the type is given, the type
  column (``type``, ``hash_type`` or ``signal_type``); so ``threatexchange dataset -P --csv``
  (``signal_type,signal_str,collab,category,tags``) reads as it is.
- ``hma``: JSON or JSON Lines as Hasher-Matcher-Actioner and ThreatExchange export them:
  objects with ``signal_type`` and ``signal_value`` (or ``signal``), ThreatExchange
  descriptors with ``type`` (``HASH_PDQ``, ``HASH_MD5``, ``HASH_SHA256``,
  ``HASH_VIDEO_MD5``) and ``raw_indicator``, or HMA's signal objects keyed by type
  (``{"pdq": "...", "video_md5": "..."}``); a top-level list or ``{"data": [...]}``.

Every reader yields ``(line, HashType, value)`` with the value in canonical form, and
raises ``HashListError`` naming the line of the first bad entry, so nothing is imported
from a file with a mistake in it. An entry of a type no bank holds (a URL, a trend query)
is such a mistake too, unless the caller passes a ``skipped`` counter: then it is counted
there by its type name and left out.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from safeguarding.domain.banks import HashType

HASH_COLUMNS = ("hash", "value", "signal", "signal_value", "signal_str", "hash_value")
TYPE_COLUMNS = ("type", "hash_type", "signal_type")
# Type names other tools use, to ours.
TYPE_NAMES = {
    "sha256": HashType.SHA256,
    "hash_sha256": HashType.SHA256,
    "md5": HashType.MD5,
    "hash_md5": HashType.MD5,
    "video_md5": HashType.MD5,
    "photo_md5": HashType.MD5,
    "hash_video_md5": HashType.MD5,
    "video_sha256": HashType.SHA256,
    "hash_video_sha256": HashType.SHA256,
    "pdq": HashType.PDQ,
    "hash_pdq": HashType.PDQ,
    "vpdq": HashType.VPDQ,
    "hash_vpdq": HashType.VPDQ,
}
# A URL list is imported as one (its type given for the whole list, docs/urls.md); a ``url``
# line in a mixed export (a ThreatExchange dataset) stays a type no bank holds.
LIST_TYPE_NAMES = {**TYPE_NAMES, **dict.fromkeys(("url", "url_sha256", "url_md5"), HashType.URL)}
Entry = tuple[int, HashType, str]


class ListFormat(StrEnum):
    """The formats ``read_hash_list`` understands."""

    TEXT = "text"
    CSV = "csv"
    HMA = "hma"


class HashListError(ValueError):
    """A hash list that cannot be read, with the line of the first problem."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.message = message


def hash_type_named(name: str, names: dict[str, HashType] = LIST_TYPE_NAMES) -> HashType:
    """The type a list (or, with ``TYPE_NAMES``, one line of a mixed list) names."""
    found = names.get(name.strip().lower())
    if found is None:
        raise ValueError(f"unknown hash type {name!r}; known: {', '.join(sorted(names))}")
    return found


def read_hash_list(
    text: str,
    fmt: ListFormat,
    hash_type: HashType | None = None,
    skipped: Counter[str] | None = None,
) -> list[Entry]:
    """Every entry of a list, or HashListError for the first bad one.

    With ``skipped``, entries of types no bank holds are counted there instead of refused.
    """
    readers = {ListFormat.TEXT: _text, ListFormat.CSV: _csv, ListFormat.HMA: _hma}
    found: list[Entry] = []
    for line, name, value in readers[fmt](text, hash_type):
        kind = _named(line, name, skipped)
        if kind is not None:
            found.append(_entry(line, kind, value))
    return found


def _entry(line: int, kind: HashType, value: str) -> Entry:
    try:
        return line, kind, kind.normalise(value)
    except ValueError as exc:
        raise HashListError(line, str(exc)) from None


# What a reader yields: the line, the type as written (or a HashType given), the value.
Raw = tuple[int, "HashType | str", str]


def _text(text: str, hash_type: HashType | None) -> Iterator[Raw]:
    for number, raw in enumerate(text.splitlines(), start=1):
        value = raw.split("#", 1)[0].strip()
        if not value:
            continue
        named, _, rest = value.partition(" ")
        if rest.strip() and not named.startswith("[") and hash_type is not HashType.URL:
            yield number, named, rest.strip()  # ``pdq <hash>``, as pytx prints signals
        elif hash_type is None:
            raise HashListError(
                number,
                "a plain-text line needs its hash type: give the list's, or start the line with it",
            )
        else:
            yield number, hash_type, value


def csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each row of a CSV text with the line it ends on; one the csv module cannot read (a
    field past its size limit, an unclosed quote at the end) is a HashListError naming it."""
    rows = csv.reader(io.StringIO(text))
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            raise HashListError(rows.line_num, f"not CSV ({exc})") from None
        yield rows.line_num, row


def _csv(text: str, hash_type: HashType | None) -> Iterator[Raw]:
    rows = csv_rows(text)
    header = [h.strip().lower() for h in next(rows, (0, []))[1]]
    value_at = _column(header, HASH_COLUMNS, "hash")
    type_at = None if hash_type else _column(header, TYPE_COLUMNS, "type")
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(value_at, type_at or 0):
            raise HashListError(number, f"expected {len(header)} columns, found {len(row)}")
        yield number, hash_type or row[type_at or 0], row[value_at]


def _column(header: list[str], names: tuple[str, ...], what: str) -> int:
    for name in names:
        if name in header:
            return header.index(name)
    raise HashListError(1, f"the header names no {what} column (one of: {', '.join(names)})")


def _named(line: int, name: HashType | str, skipped: Counter[str] | None) -> HashType | None:
    """The type of an entry; None when it is not ours and ``skipped`` counts it."""
    if isinstance(name, HashType):
        return name
    try:
        return hash_type_named(name, TYPE_NAMES)
    except ValueError as exc:
        if skipped is None:
            raise HashListError(line, str(exc)) from None
    skipped[name.strip().lower() or "(none)"] += 1
    return None


VALUE_KEYS = ("signal_value", "signal", "raw_indicator")
TYPE_KEYS = ("signal_type", "type")


def _hma(text: str, hash_type: HashType | None) -> Iterator[Raw]:
    for line, item in _json_items(text):
        if not isinstance(item, dict):
            raise HashListError(line, "each item must be an object")
        if not any(key in item for key in (*VALUE_KEYS, *TYPE_KEYS)):
            yield from _signal_dict(line, item)  # HMA's {"pdq": "...", "video_md5": "..."}
            continue
        value = next((item[k] for k in VALUE_KEYS if k in item), None)
        name = next((item[k] for k in TYPE_KEYS if k in item), None)
        if not isinstance(value, str) or (hash_type is None and not isinstance(name, str)):
            raise HashListError(
                line, "needs signal_type and signal_value (or type and raw_indicator)"
            )
        yield line, hash_type or str(name), value


def _signal_dict(line: int, item: dict[str, Any]) -> Iterator[Raw]:
    if not item or not all(isinstance(v, str) for v in item.values()):
        raise HashListError(line, 'a signal object maps each type to its hash: {"pdq": "..."}')
    for name, value in item.items():
        yield line, name, value


def _json_items(text: str) -> Iterator[tuple[int, Any]]:
    """Items of a JSON document (list, or {"data": list}) or of JSON Lines, with line numbers."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        yield from ((1, item) for item in _loads(text, 1))
        return
    if stripped.startswith("{") and "\n{" not in stripped.rstrip():
        document = _loads(text, 1)
        if isinstance(document, dict) and isinstance(document.get("data"), list):
            yield from ((1, item) for item in document["data"])
            return
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            yield number, _loads(raw, number)


def _loads(text: str, line: int) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise HashListError(line + exc.lineno - 1, f"not JSON ({exc.msg})") from None
