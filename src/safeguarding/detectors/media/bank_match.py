"""The hash-bank detector: an upload that matches a bank entry is known harmful imagery.

It reads a ``media`` event's hashes (computed by the engine from the bytes, or sent by the
platform) and asks the banks' current snapshot (``resources.banks``, a ``BankIndex`` the
engine brings up to date between batches, so matching reads no store): exact SHA-256 and
MD5, PDQ within each bank's distance, vPDQ by the share of matching frames. Each match is
one ``hash_match`` signal with score 1.0, naming the bank, the matched hash and the
distance, and the bank's harm (abuse imagery unless the bank says intimate-image abuse,
terrorism or other), so a moderator can check it without opening the image. The default
policy blocks the upload and preserves it, and by the harm opens its case (and, for abuse
imagery alone, drafts an authority report).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from safeguarding.domain.banks import Bank, BankHarm, BankMatch, HashType, UploadHashes
from safeguarding.domain.detectors import (
    BankSnapshots,
    Detector,
    DetectorContext,
    DetectorResources,
)
from safeguarding.domain.errors import InvalidInput
from safeguarding.domain.events import Event, EventType, MediaEvent
from safeguarding.domain.signals import Evidence, Signal, SubjectKind


class BankReadingDetector(Detector):
    """A detector that reads the banks' current snapshot (the hash banks, the URL lists)."""

    def __init__(self, banks: BankSnapshots) -> None:
        self.banks = banks

    @classmethod
    def configure(
        cls, options: Mapping[str, Any], resources: DetectorResources | None = None
    ) -> Self:
        """Needs the banks' snapshot: without it everything would quietly match nothing."""
        cls.refuse_unknown_options(options)
        if resources is None or resources.banks is None:
            raise InvalidInput(
                f"detector {cls.get_name()} needs the hash banks' index (resources.banks) "
                "and was configured without it; it would match nothing"
            )
        return cls(resources.banks)


class HashBankDetector(BankReadingDetector):
    """Flags an upload whose hashes match an enabled bank (and no allowlist)."""

    event_types: ClassVar[frozenset[EventType]] = frozenset({EventType.MEDIA})

    def observe(self, event: Event, context: DetectorContext) -> list[Signal]:
        if not isinstance(event, MediaEvent):
            return []
        index = self.banks.current
        found = index.match(upload_hashes(event))
        return [_signal(event.event_id, m, partner_bank(index, m.bank)) for m in found]


PARTNER_MATCH = "partner_match"  # a match on a partner's list trusted for matching only


def partner_bank(index: object, name: str) -> Bank | None:
    """The bank ``name`` when a partner shared it, read from a snapshot that keeps its banks
    (the engine's ``BankIndex`` does; a test's stand-in may not, and then none is)."""
    banks = getattr(index, "banks", None)
    bank = banks.get(name) if isinstance(banks, dict) else None
    return bank if isinstance(bank, Bank) and bank.partner else None


def partner_details(bank: Bank | None) -> dict[str, object]:
    """What a signal says of the partner whose list matched (nothing for our own banks)."""
    if bank is None or bank.trust is None:
        return {}
    return {"partner": bank.partner, "trust": bank.trust.value}


def upload_hashes(event: MediaEvent) -> UploadHashes:
    given = event.hashes
    return UploadHashes(
        sha256=event.sha256(),
        md5=given.md5 if given else None,
        pdq=given.pdq if given else None,
        vpdq=tuple(given.vpdq) if given and given.vpdq else (),
    )


def _signal(event_id: str, match: BankMatch, partner: Bank | None = None) -> Signal:
    details: dict[str, object] = {"entry_id": match.entry_id, **partner_details(partner)}
    if match.query_share is not None:
        details |= {
            "upload_frames_matched": round(match.query_share, 3),
            "bank_frames_matched": round(match.compared_share or 0.0, 3),
        }
    return Signal(
        detector=HashBankDetector.get_name(),
        kind="hash_match" if partner is None or partner.acts else PARTNER_MATCH,
        score=1.0,
        subject=SubjectKind.CONTENT,
        subject_id=event_id,
        explanation=explain(match) + shared_by(partner),
        evidence=Evidence(
            event_ids=(event_id,),
            matched_hash=match.matched_hash if match.hash_type is not HashType.VPDQ else None,
            hash_type=match.hash_type.value,
            bank=match.bank,
            harm=match.harm,
            distance=match.distance,
            details=details,
        ),
    )


def shared_by(bank: Bank | None) -> str:
    """``, shared by <partner> (match_only)`` for a partner's bank."""
    if bank is None or bank.trust is None:
        return ""
    return f", shared by {bank.partner} ({bank.trust.value})"


def explain(match: BankMatch) -> str:
    """One line a moderator can check: which hash, which bank, how close."""
    if match.hash_type is HashType.VPDQ:
        return (
            f"vPDQ: {match.query_share:.0%} of the video's frames match a video in bank "
            f"'{match.bank}' ({match.compared_share:.0%} of its frames){_harm_note(match)}"
        )
    if match.hash_type is HashType.PDQ:
        return (
            f"PDQ within distance {match.distance} of a hash in bank '{match.bank}'"
            f"{_harm_note(match)}"
        )
    return (
        f"{match.hash_type.value.upper()} of the upload is in bank '{match.bank}' (exact)"
        f"{_harm_note(match)}"
    )


def _harm_note(match: BankMatch) -> str:
    """The bank's harm, when it is not the abuse imagery a bank holds unless told otherwise."""
    if match.harm is BankHarm.ABUSE_IMAGERY:
        return ""
    return f", a bank of {match.harm.value.replace('_', '-')}"
