"""The URL-list detector: a link to listed abuse material, in any text an event carries.

It reads every free-text field of every event type (``TEXT_FIELDS``: message and post text,
a report's comment, and any such field an event type gains later), finds the URLs there,
obfuscated or not, and asks the URL banks of the shared ``BankIndex``. Each entry matched is
one ``url_match`` signal, score 1.0, naming the entry, the bank and the URL's normal form,
with the span where it was found: never the text around it. A link through a shortener is
matched as written and, whether it matches or not, flagged by a ``shortened_url`` signal
(score 0.2) naming only the shortener's host, since where it leads is hidden. The default
policy blocks a match, preserves it and opens a case of the list's harm (``abuse_imagery``
unless the bank says otherwise; the signal's evidence names bank and harm).
"""

from __future__ import annotations

import typing
from typing import ClassVar

from pydantic import BaseModel

from safeguarding.detectors.media.bank_index import BankIndex
from safeguarding.detectors.media.bank_match import (
    PARTNER_MATCH,
    BankReadingDetector,
    partner_bank,
    partner_details,
    shared_by,
)
from safeguarding.detectors.urls.index import FoundUrl, UrlMatch, Way
from safeguarding.domain.banks import Bank, BankHarm
from safeguarding.domain.detectors import (
    DetectorContext,
)
from safeguarding.domain.events import Event, EventType
from safeguarding.domain.signals import Evidence, Signal, Span, SubjectKind
from safeguarding.domain.url_lists import UrlListed

MAX_SIGNALS = 20  # per event: enough to act on; a text of a thousand links is not a thousand
_NOT_TEXT = frozenset({"content_base64"})  # a string, but of bytes


def _free_text(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of an event model that hold free text: ``str`` without a fixed pattern."""
    return tuple(
        name
        for name, info in model.model_fields.items()
        if info.annotation in (str, str | None)
        and name not in _NOT_TEXT
        and not any(getattr(m, "pattern", None) for m in info.metadata)
    )


def _text_fields() -> dict[EventType, tuple[str, ...]]:
    models = typing.get_args(typing.get_args(Event)[0])
    found = {}
    for model in models:
        (kind,) = typing.get_args(model.model_fields["type"].annotation)
        if fields := _free_text(model):
            found[EventType(kind)] = fields
    return found


TEXT_FIELDS = _text_fields()


class UrlListDetector(BankReadingDetector):
    """Flags a link to an entry of an enabled URL bank (and no allowlist)."""

    event_types: ClassVar[frozenset[EventType]] = frozenset(TEXT_FIELDS)

    def observe(self, event: Event, context: DetectorContext) -> list[Signal]:
        index = self.banks.current
        if not isinstance(index, BankIndex):  # the engine's snapshot is always one
            raise TypeError(f"detector {self.get_name()} needs a BankIndex, got {type(index)}")
        urls = index.urls
        found: list[Signal] = []
        for field in TEXT_FIELDS.get(EventType(event.type), ()):
            text = getattr(event, field)
            if text:
                matches, seen = urls.match_text(text)
                found += [
                    _matched(
                        event.event_id,
                        field,
                        m,
                        partner_bank(index, m.bank),
                        index.banks[m.bank].harm,
                    )
                    for m in matches
                ]
                found += [_shortened(event.event_id, field, u) for u in seen if u.shortener]
        found.sort(key=lambda s: s.kind == "shortened_url")  # matches first, should the cap bite
        return found[:MAX_SIGNALS]


_WAYS = {
    Way.EXACT_WITH_QUERY: "exact, with its query",
    Way.EXACT: "exact",
    Way.PREFIX: "by path prefix",
}


def _matched(
    event_id: str, field: str, match: UrlMatch, partner: Bank | None, harm: BankHarm
) -> Signal:
    listed = "" if match.listed is UrlListed.URL else f", listed by its {match.listed.upper()}"
    of_harm = "" if harm is BankHarm.ABUSE_IMAGERY else f", a list of {harm.replace('_', '-')}"
    explanation = (
        f"a link in the {field} is on URL list '{match.bank}' "
        f"({_WAYS[match.way]}{listed}{of_harm}): {match.url.form}"
    )
    details = {
        "entry_id": match.entry_id,
        "url": match.url.form,
        "field": field,
        "match": "prefix" if match.way is Way.PREFIX else "exact",
        "listed_as": match.listed.value,
        "shortener": match.url.shortener,
        **partner_details(partner),
    }
    kind = "url_match" if partner is None or partner.acts else PARTNER_MATCH
    explanation += shared_by(partner)
    return _signal(event_id, kind, 1.0, explanation, match.url, details, bank=(match.bank, harm))


def _shortened(event_id: str, field: str, url: FoundUrl) -> Signal:
    host = url.bare.split("/", 1)[0]
    explanation = f"a shortened link ({host}) in the {field}: where it leads is not checked"
    return _signal(event_id, "shortened_url", 0.2, explanation, url, {"host": host, "field": field})


def _signal(
    event_id: str,
    kind: str,
    score: float,
    explanation: str,
    url: FoundUrl,
    details: dict[str, object],
    bank: tuple[str, BankHarm] | None = None,
) -> Signal:
    """A signal on the event, pointing at where the link was (never at the text around it)."""
    return Signal(
        detector=UrlListDetector.get_name(),
        kind=kind,
        score=score,
        subject=SubjectKind.CONTENT,
        subject_id=event_id,
        explanation=explanation,
        evidence=Evidence(
            event_ids=(event_id,),
            spans=(Span(event_id=event_id, start=url.start, end=url.end),),
            hash_type="url" if bank else None,
            bank=bank[0] if bank else None,
            harm=bank[1] if bank else None,
            details=details,
        ),
    )
