"""Signals shared between services: what one confirmed, in a form the other can match.

A shared signal is a hash (PDQ, MD5, SHA-256, vPDQ), a URL, or an account signal, with the
harm it was confirmed as, when, and the decision that confirmed it: never content. Names
of types are python-threatexchange's (``SignalType.get_name()``) where it has one, so its
tools read an export; an account signal is ``account_hmac_sha256``, the HMAC-SHA256 of the
platform's account id under a salt the sharing services agree on, so the raw id never
leaves the service and only a partner holding the salt can compare.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from safeguarding.domain.banks import BankHarm, HashType, Trust

ACCOUNT_SIGNAL = "account_hmac_sha256"
ACCOUNT_SIGNAL_FORM = re.compile(r"^[0-9a-f]{64}$")  # an HMAC-SHA256, lower-case hex
# The harms whose confirmed signals are shared: abuse by the subject of the case. A self-harm
# case is about a child's own wellbeing, and a user report names no harm: neither leaves.
SHARED_HARMS = ("abuse_imagery", "grooming", "intimate_image_abuse", "terrorism")
# What a partner may label its signals with (the banks' harms, and grooming for accounts).
PARTNER_HARMS = (*SHARED_HARMS, "other")
PARTNER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# python-threatexchange's names for the types this service exports, by media kind.
EXPORT_TYPE = {
    (HashType.PDQ, "image"): "pdq",
    (HashType.PDQ, "video"): "pdq",
    (HashType.VPDQ, "video"): "vpdq",
    (HashType.MD5, "image"): "md5",
    (HashType.MD5, "video"): "video_md5",
    (HashType.SHA256, "image"): "sha256",
    (HashType.SHA256, "video"): "video_sha256",
    (HashType.URL, ""): "url",
}
# pytx writes a category per signal; a partner's NEGATIVE_CLASS withdraws what it shared.
POSITIVE = "POSITIVE_CLASS"
WITHDRAWN = "NEGATIVE_CLASS"


@dataclass(frozen=True, slots=True)
class SharedSignal:
    """One signal as exported: pytx's type name and string, and what confirmed it."""

    signal_type: str
    signal_str: str
    harm: str
    confirmed_at: datetime
    decision_id: str


@dataclass(frozen=True, slots=True)
class PartnerAccount:
    """A partner's account signal as stored: whose it is, the harm, how far the partner is
    trusted, and the salted hash alone (the raw id never reaches this service)."""

    partner: str
    harm: str
    trust: Trust
    signal: str


def account_signal(salt: str, account_id: str) -> str:
    """The HMAC-SHA256 (hex) of an account id under the shared salt: never the id itself."""
    return hmac.new(salt.encode(), account_id.encode(), hashlib.sha256).hexdigest()


def partner_bank_name(partner: str, harm: str) -> str:
    """The bank holding one partner's signals of one harm (``lantern-demo.abuse_imagery``)."""
    return f"{partner}.{harm}"


def partner_problem(partner: str) -> str | None:
    """What is wrong with a partner's name, or None."""
    if PARTNER_NAME.match(partner):
        return None
    return "a partner name is 1-40 characters: lower-case letters, digits, '_', '-'"


def vpdq_signal_str(frames: tuple[str, ...]) -> str:
    """A video's frame hashes in pytx's vPDQ form: a JSON list of "hex,quality,timestamp"
    (quality and time are not kept, so each frame is written 100 and its position)."""
    return "[" + ", ".join(f'"{h},100,{i}.0"' for i, h in enumerate(frames)) + "]"


def bank_harm_of(harm: str) -> BankHarm:
    """The bank harm (queue, rules) a partner's label picks: grooming, no bank harm of its
    own, goes to ``other``."""
    return BankHarm(harm) if harm in BankHarm.__members__.values() else BankHarm.OTHER
