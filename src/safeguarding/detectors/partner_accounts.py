"""The partner-account detector: an event whose actor a partner shared as an account signal.

A partner shares accounts as the HMAC-SHA256 of the account id under the salt the services
agree on (``sharing_salt``), never the id. This detector hashes the actor of every event
(for a message, its sender) the same way and looks the hash up in the account signals of the
banks' current snapshot (``resources.banks``: the engine rebuilds it when an import changes
them, so matching reads no store). Each stored signal found is one ``partner_account_match``
signal naming the partner, the harm it shared the account as and its trust: never the raw
id. It is about a person, not content, so the default policy never blocks on it: it
preserves the event and opens a case in the harm's queue (docs/policy.md, docs/sharing.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from safeguarding.detectors.media.bank_match import BankReadingDetector
from safeguarding.domain.detectors import BankSnapshots, DetectorContext, DetectorResources
from safeguarding.domain.errors import InvalidInput
from safeguarding.domain.events import Event
from safeguarding.domain.sharing import (
    ACCOUNT_SIGNAL,
    PartnerAccount,
    account_signal,
    bank_harm_of,
)
from safeguarding.domain.signals import Evidence, Signal, SubjectKind

PARTNER_ACCOUNT_MATCH = "partner_account_match"


class PartnerAccountDetector(BankReadingDetector):
    """Flags an event whose actor hashes to a partner's stored account signal."""

    def __init__(self, banks: BankSnapshots, salt: str | None = None) -> None:
        super().__init__(banks)
        self.salt = salt

    @classmethod
    def configure(
        cls, options: Mapping[str, Any], resources: DetectorResources | None = None
    ) -> Self:
        """Takes the shared ``salt`` (none: nothing is stored to match, so nothing matches)."""
        cls.refuse_unknown_options(options, "salt")
        if resources is None or resources.banks is None:
            raise InvalidInput(
                f"detector {cls.get_name()} needs the banks' snapshot (resources.banks)"
            )
        salt = options.get("salt")
        return cls(resources.banks, str(salt) if salt else None)

    def observe(self, event: Event, context: DetectorContext) -> list[Signal]:
        shared: Mapping[str, tuple[PartnerAccount, ...]] = getattr(
            self.banks.current, "accounts", {}
        )
        if not self.salt or not shared:  # no HMAC per event while nothing is shared
            return []
        found = shared.get(account_signal(self.salt, event.actor_id), ())
        return [_signal(event.event_id, account) for account in found]


def _signal(event_id: str, account: PartnerAccount) -> Signal:
    harm = bank_harm_of(account.harm)  # grooming: the other queue
    return Signal(
        detector=PartnerAccountDetector.get_name(),
        kind=PARTNER_ACCOUNT_MATCH,
        score=1.0,
        subject=SubjectKind.CONTENT,
        subject_id=event_id,
        explanation=(
            f"the sender is an account {account.partner} shared as "
            f"{account.harm.replace('_', '-')} ({account.trust.value})"
        ),
        evidence=Evidence(
            event_ids=(event_id,),
            hash_type=ACCOUNT_SIGNAL,
            harm=harm,
            details={
                "partner": account.partner,
                "harm": account.harm,
                "trust": account.trust.value,
            },
        ),
    )
