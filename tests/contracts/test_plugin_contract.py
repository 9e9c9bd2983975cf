"""The plugin contract a third party builds on (issue #19): typed resources through
``configure(options, resources)``, the old ``configure(options)`` still working, and the
hash-bank detector refusing to start without the banks' index instead of matching nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import pytest

from safeguarding.detectors import registry
from safeguarding.detectors.media.bank_index import IndexHolder
from safeguarding.detectors.media.bank_match import HashBankDetector
from safeguarding.domain.detectors import Detector, DetectorContext, DetectorResources
from safeguarding.domain.errors import InvalidInput
from safeguarding.domain.events import Event
from safeguarding.domain.signals import Signal
from safeguarding.testing import FixedClock


class _Quiet(Detector):
    def observe(self, event: Event, context: DetectorContext) -> list[Signal]:
        return []


class OldStyleDetector(_Quiet):
    """A third party's detector written before resources existed."""

    @classmethod
    def configure(cls, options: Mapping[str, Any]) -> Self:  # type: ignore[override]
        made = cls()
        made.options = dict(options)
        return made


class NewStyleDetector(_Quiet):
    """A detector that takes the engine's resources."""

    @classmethod
    def configure(
        cls, options: Mapping[str, Any], resources: DetectorResources | None = None
    ) -> Self:
        made = cls()
        made.resources = resources
        return made


AVAILABLE: dict[str, type[Detector]] = {
    "old_style": OldStyleDetector,
    "new_style": NewStyleDetector,
    "hash_bank": HashBankDetector,
}


def test_old_and_new_configure_signatures_are_both_built() -> None:
    resources = DetectorResources(clock=FixedClock(), banks=IndexHolder())
    options = {"old_style": {"level": 2}}
    old, new = registry.build(AVAILABLE, ["old_style", "new_style"], options, resources)
    assert isinstance(old, OldStyleDetector)
    assert old.options == {"level": 2}
    assert isinstance(new, NewStyleDetector)
    assert new.resources is resources
    assert not registry.takes_resources(OldStyleDetector)
    assert registry.takes_resources(NewStyleDetector)


def test_the_hash_bank_detector_is_handed_the_banks_snapshot() -> None:
    holder = IndexHolder()
    resources = DetectorResources(clock=FixedClock(), banks=holder)
    (built,) = registry.build(AVAILABLE, ["hash_bank"], {}, resources)
    assert isinstance(built, HashBankDetector)
    assert built.banks is holder


@pytest.mark.parametrize(
    "resources", [None, DetectorResources(clock=FixedClock())], ids=["none", "no-banks"]
)
def test_the_hash_bank_detector_without_an_index_stops_start_up(
    resources: DetectorResources | None,
) -> None:
    with pytest.raises(InvalidInput, match=r"detector hash_bank needs the hash banks' index"):
        registry.build(AVAILABLE, ["hash_bank"], {}, resources)
