"""Hash banks: lists of hashes of known abuse imagery, versioned import by import.

A bank holds hashes of one or more types (exact SHA-256 and MD5, perceptual
PDQ for images, vPDQ for videos), or entries of abuse-material URL lists (type
``url``: a URL or its hash, and how it matches; ``url_lists.py``). Every import
makes a new version recording its source, date, licence note and counts; a
rollback makes a new version whose content is an earlier one's, so history is
never rewritten. A bank of kind ``allow`` is an allowlist: entries known to be
false positives, which override every blocking bank.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

from safeguarding.domain.events import OpaqueId
from safeguarding.domain.url_lists import url_entry_value

# Upper case too: HMA names banks in CAPS_AND_UNDERSCORES (``BANK_A``), and its clients keep them.
BANK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEFAULT_PDQ_THRESHOLD = 31
DEFAULT_VPDQ_PERCENT = 80.0
_HEX_LENGTHS = {"sha256": 64, "md5": 32, "pdq": 64}


class HashType(StrEnum):
    """The kinds of entry a bank can hold: hashes of images and videos, and listed URLs."""

    SHA256 = "sha256"
    MD5 = "md5"
    PDQ = "pdq"
    VPDQ = "vpdq"  # a video: its frames' PDQ hashes, comma-separated
    URL = "url"  # a listed URL, or the hash of one, and how it matches (domain/url_lists.py)

    def normalise(self, value: str) -> str:
        """The canonical (lower-case) form of a hash value; ValueError names what is wrong.

        A vPDQ value is either the frame hashes joined by commas, or python-threatexchange's
        form: a JSON list of ``"hex,quality,timestamp"`` strings, one a frame.
        """
        if self is HashType.URL:
            return url_entry_value(value)
        cleaned = value.strip().lower()
        if self is HashType.VPDQ:
            frames = _vpdq_frames(cleaned)
            if not frames:
                raise ValueError("a vpdq hash needs at least one 64-hex frame hash")
            return ",".join(HashType.PDQ.normalise(f) for f in frames)
        length = _HEX_LENGTHS[self.value]
        if len(cleaned) != length or any(c not in "0123456789abcdef" for c in cleaned):
            raise ValueError(f"a {self.value} hash is {length} hex digits, got {value.strip()!r}")
        return cleaned


def _vpdq_frames(cleaned: str) -> list[str]:
    if not cleaned.startswith("["):
        return [f.strip() for f in cleaned.split(",") if f.strip()]
    try:
        features = json.loads(cleaned)
    except json.JSONDecodeError as exc:
        raise ValueError(f"a vpdq JSON list is not JSON ({exc.msg})") from None
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise ValueError('a vpdq JSON list holds strings "hex,quality,timestamp"')
    frames = []
    for feature in features:
        parts = feature.split(",")
        if len(parts) != 3:
            raise ValueError(f'a vpdq frame is "hex,quality,timestamp", got {feature!r}')
        frames.append(parts[0].strip())
    return frames


class BankKind(StrEnum):
    """A bank blocks what matches it; an allowlist stops matches to what it holds."""

    BLOCK = "block"
    ALLOW = "allow"


class Trust(StrEnum):
    """How far a partner's shared signals are trusted (docs/sharing.md).

    ``match_only``: a match is recorded as a signal and reviewed, and takes no blocking
    action; ``match_and_act``: a match acts as one on a bank of this service's own.
    """

    MATCH_ONLY = "match_only"
    MATCH_AND_ACT = "match_and_act"


class BankHarm(StrEnum):
    """The harm a bank's entries are known for: it picks the case queue, the default rules,
    whether an authority report is drafted, and the transparency figure a match counts under.
    """

    ABUSE_IMAGERY = "abuse_imagery"  # child sexual abuse material: cases, NCMEC/NCA reports
    INTIMATE_IMAGE_ABUSE = "intimate_image_abuse"  # adults' images shared without consent
    TERRORISM = "terrorism"
    OTHER = "other"


class Bank(BaseModel):
    """A named bank and its matching settings; ``partner`` names who shared what it holds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: BankKind = BankKind.BLOCK
    harm: BankHarm = BankHarm.ABUSE_IMAGERY
    description: str = Field(default="", max_length=2000)
    enabled: bool = True
    pdq_threshold: int = Field(default=DEFAULT_PDQ_THRESHOLD, ge=0, le=128)
    vpdq_match_percent: float = Field(default=DEFAULT_VPDQ_PERCENT, gt=0, le=100)
    created_at: datetime
    version: int = 0  # the version whose content is live; 0 before the first import
    partner: str | None = Field(default=None, max_length=64)  # None: this service's own
    trust: Trust | None = None  # a partner bank's; None for this service's own

    @property
    def acts(self) -> bool:
        """Whether a match takes the actions of a match on this service's own banks."""
        return self.trust is not Trust.MATCH_ONLY

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not BANK_NAME.match(value):
            raise ValueError("a bank name is 1-64 characters: letters, digits, '_', '.', '-'")
        return value


class BankVersion(BaseModel):
    """One import (or rollback): where it came from, when, under what licence, what changed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bank: str
    version: int = Field(ge=1)
    created_at: datetime
    created_by: OpaqueId
    source: str = Field(max_length=500)
    licence: str = Field(default="", max_length=2000)
    added: int = 0
    removed: int = 0
    total: int = 0
    rolled_back_to: int | None = None


class BankEntry(NamedTuple):
    """One live hash in a bank; ``entry_id`` is stable for as long as the hash stays.

    A tuple, not a model: an index rebuild reads millions of these, already valid (they were
    checked on import), and a tuple costs a fifth of the memory.
    """

    entry_id: int
    bank: str
    hash_type: HashType
    value: str
    version: int


@dataclass(frozen=True, slots=True)
class BankChange:
    """One row of the banks' change log, whose count is the revision every index follows.

    With ``bank`` and ``version`` it changed hashes alone: the rows that version added or
    removed; with ``bank`` and ``entry_id``, one entry switched on or off. Each process applies
    such a change to the index it holds. Without them it changed banks themselves (created,
    deleted, enabled, thresholds), and each process rebuilds its index.
    """

    change_id: int = 0
    bank: str | None = None
    version: int | None = None
    entry_id: int | None = None
    hashes: int = 0  # how many hashes it touched, to tell a small change from a large one

    @property
    def hashes_only(self) -> bool:
        return self.bank is not None and (self.version is not None or self.entry_id is not None)


class EntryState(NamedTuple):
    """A hash a change touched, as it stands now: ``live`` False once a version removed it;
    ``disable_until_ts`` as on ``bank_hashes`` (1 matches, 0 never, else from that time)."""

    entry: BankEntry
    live: bool
    disable_until_ts: int


class ImportMode(StrEnum):
    """``add`` keeps what the bank holds; ``replace`` makes the import its whole content."""

    ADD = "add"
    REPLACE = "replace"


@dataclass(frozen=True, slots=True)
class UploadHashes:
    """The hashes of one upload (any may be missing)."""

    sha256: str | None = None
    md5: str | None = None
    pdq: str | None = None
    vpdq: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BankMatch:
    """One bank entry an upload matches, and how closely."""

    bank: str
    entry_id: int
    hash_type: HashType
    matched_hash: str
    distance: int = 0
    query_share: float | None = None  # vPDQ: share of the upload's frames that matched
    compared_share: float | None = None  # vPDQ: share of the banked video's frames matched
    harm: BankHarm = BankHarm.ABUSE_IMAGERY  # the bank's
