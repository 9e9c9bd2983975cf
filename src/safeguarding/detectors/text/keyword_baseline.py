"""A keyword filter for self-harm and suicide text: the baseline the classifier is judged against.

It flags a message when its lowercased text contains one of a short list of
words and phrases, the way many platforms' first filters work. It reads no
context: it flags "this homework is killing me"-style jokes that use a listed
word and misses veiled text ("i've written letters to everyone") and coded
spellings not on the list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from safeguarding.detectors.text.self_harm_model import Cue, Prediction

# Listed phrase -> the label a keyword filter would file it under.
KEYWORDS = {
    "kill yourself": "encouragement",
    "kys": "encouragement",
    "go die": "encouragement",
    "self harm": "self_harm_disclosure",
    "self-harm": "self_harm_disclosure",
    "selfharm": "self_harm_disclosure",
    "hurt myself": "self_harm_disclosure",
    "hurting myself": "self_harm_disclosure",
    "suicide": "ideation",
    "suicidal": "ideation",
    "kill myself": "ideation",
    "kms": "ideation",
    "unalive": "ideation",
    "want to die": "ideation",
    "wanna die": "ideation",
    "end my life": "ideation",
    "end it all": "ideation",
    "better off dead": "ideation",
    "not want to live": "ideation",
}
_PATTERN = re.compile(r"\b(" + "|".join(re.escape(k) for k in KEYWORDS) + r")")


class KeywordBaseline:
    """Flags any text containing a listed keyword; the label is the first keyword's."""

    def classify_one(self, text: str) -> Prediction:
        match = _PATTERN.search(text.lower())
        if match is None:
            return Prediction("benign", False, 0.0)
        label = KEYWORDS[match.group(1)]
        cue = Cue(match.start(), match.end(), match.group(1))
        return Prediction(label, True, 1.0, {label: 1.0}, (cue,))

    def classify(self, texts: Iterable[str]) -> list[Prediction]:
        return [self.classify_one(text) for text in texts]
