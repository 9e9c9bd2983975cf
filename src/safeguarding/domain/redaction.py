"""A decision as someone sees it who may not read the content behind it.

A signal's explanation and evidence may quote the content that drove it: the cue words of a
self-harm message, a listed link, the hash of an image (a hash confirms a guess at the
content). The platform that sent the event, an admin and a moderator of the event's queue
read them; the regulator without an information request naming the event, a moderator of
another queue, and the anonymised samples see the same decision without them.
"""

from __future__ import annotations

import re

from safeguarding.domain.decisions import Decision
from safeguarding.domain.signals import Signal

WITHHELD = "[withheld]"
# What detectors quote: the self-harm detector's cue words close its explanation...
_QUOTED_CUES = re.compile(r"; cues: .*$")
# ...and the URL detector names the link (or a shortener's host) in its details and its line.
CONTENT_DETAILS = ("url", "host")


def content_free_signal(signal: Signal) -> Signal:
    """The signal without quoted words, links or content hashes; everything else as it is."""
    details = signal.evidence.details
    explanation = _QUOTED_CUES.sub("", signal.explanation)
    for key in CONTENT_DETAILS:
        if isinstance(quoted := details.get(key), str) and quoted:
            explanation = explanation.replace(quoted, WITHHELD)
    kept = {k: v for k, v in details.items() if k not in CONTENT_DETAILS}
    evidence = signal.evidence.model_copy(update={"matched_hash": None, "details": kept})
    return signal.model_copy(update={"explanation": explanation, "evidence": evidence})


def content_free(decision: Decision) -> Decision:
    """The decision with every signal content-free (``content_free_signal``)."""
    signals = tuple(content_free_signal(s) for s in decision.signals)
    return decision.model_copy(update={"signals": signals})
