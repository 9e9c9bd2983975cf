"""Warning-sign cues in one chat message, for the grooming-risk model.

A message is read by ``normalise`` (teen register, leetspeak, abbreviations),
then by a few chat spellings that matter here and not to other detectors
("wats ur numba", "lemme", "cud"), then matched against the cue groups in
``models/grooming/lexicon.json``: the recognised stages of grooming (rapport
and flattery, age questions, probing for personal details and supervision,
isolation, secrecy, gifts, photo or video requests, moving to another app,
arranging to meet, pressure) and context (a child's or an adult's life,
family, a surprise, a club or a workplace, talk about staying safe).

Stated ages are read here too ("im 13", "year 8", "13" in reply to "how old
are you"), because an age in the text can contradict the age on a profile.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from safeguarding.detectors.text.normalise import RECENT_READINGS, Lexicon, normalise
from safeguarding.detectors.text.once import OncePerProcess

LEXICON_PATH = Path(__file__).parent / "models" / "grooming" / "lexicon.json"

# Chat spellings of words the grooming cues need, after normalise() has run.
ALIASES: dict[str, tuple[str, ...]] = {
    "numba": ("number",),
    "numbr": ("number",),
    "no.": ("number",),
    "wat": ("what",),
    "wot": ("what",),
    "wats": ("what", "is"),
    "wuts": ("what", "is"),
    "kno": ("know",),
    "knw": ("know",),
    "whr": ("where",),
    "wer": ("where",),
    "gimme": ("give", "me"),
    "lemme": ("let", "me"),
    "ill": ("i", "will"),
    "mom": ("mum",),
    "mommy": ("mum",),
    "mummy": ("mum",),
    "mam": ("mum",),
    "pik": ("pic",),
    "piccy": ("pic",),
    "pix": ("pics",),
    "vid": ("video",),
    "vc": ("video", "call"),
    "ft": ("facetime",),
    "addy": ("address",),
    "cud": ("could",),
    "wud": ("would",),
    "shud": ("should",),
    "txt": ("text",),
    "snd": ("send",),
    "msg": ("message",),
    "hw": ("how",),
    "da": ("the",),
    "yrs": ("years",),
    "yr": ("year",),
    "y8": ("year", "8"),
    "y9": ("year", "9"),
    "y7": ("year", "7"),
    "secrit": ("secret",),
    "sekret": ("secret",),
    "parentz": ("parents",),
    "rents": ("parents",),
    "snapchat": ("snap",),
    "sc": ("snap",),
    "whatsap": ("whatsapp",),
    "watsapp": ("whatsapp",),
    "watsap": ("whatsapp",),
    "tele": ("telegram",),
    "vbuck": ("vbucks",),
    "irl": ("in", "person"),
}
_AFFIRM = frozenset({"yes", "yep", "yeah", "ya", "yh", "ye", "yup", "mhm", "correct", "yea"})
_NOT_AGE_AFTER = frozenset({"min", "mins", "minutes", "hours", "hrs", "am", "pm", "%", "quid", "k"})
# Words that may sit between "i am" and an age: "im actually 24", "im only 12".
_FILLERS = frozenset({"actually", "really", "only", "just", "literally", "honestly", "like", "now"})
_QUOTED = re.compile(r"[\"\u201c\u201d][^\"\u201c\u201d]{4,}[\"\u201c\u201d]")
_REPORTED = re.compile(
    r"\b(he|she|they|someone|somebody|this (guy|man|person|account)|a (guy|man|stranger)|"
    r"some (guy|man|one)|the man|the guy)\s+(said|says|asked|asks|told|keeps asking|"
    r"kept asking|wanted|wants|messaged|sent)\b"
)
_AGE_QUESTION_NUMBER = re.compile(r"^\d{1,2}$")


@dataclass(frozen=True, slots=True)
class MessageCues:
    """What one message shows: cue-group counts, where they are, and any age it states."""

    words: tuple[str, ...]
    counts: tuple[int, ...]
    spans: tuple[tuple[int, int, int], ...]  # (group, first word, last word)
    stated_age: int | None
    asks_age: bool
    asked_number: int | None  # "are you 12?" asks about this age

    def has(self, group: int) -> bool:
        return self.counts[group] > 0


class CueReader:
    """Turns message text into ``MessageCues`` with the shipped lexicon."""

    def __init__(self, lexicon: Lexicon, stages: tuple[str, ...]) -> None:
        self.lexicon = lexicon
        self.stages = stages
        self.group = {name: at for at, name in enumerate(lexicon.names)}
        self.stage_ids = tuple(self.group[s] for s in stages)

    @classmethod
    def load(cls, path: Path = LEXICON_PATH) -> CueReader:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(Lexicon(data["groups"]), tuple(data["stages"]))

    def read(self, text: str, reply_to_age_question: int | None = None) -> MessageCues:
        """Cues of one message; ``reply_to_age_question`` is the age the other person asked
        about ("are you 12?"), -1 for an open age question, None when none was asked."""
        words = words_of(text)
        matches = self.lexicon.matches(words)
        counts = [0] * len(self.lexicon.names)
        for group, _, _ in matches:
            counts[group] += 1
        reported = reports_speech(text)
        if reported:
            self._as_reported(counts)
        asks_age = counts[self.group["age_question"]] > 0
        return MessageCues(
            words=words,
            counts=tuple(counts),
            spans=tuple(matches),
            stated_age=None if reported else stated_age(words, reply_to_age_question),
            asks_age=asks_age,
            asked_number=_asked_number(words) if asks_age else None,
        )

    def _as_reported(self, counts: list[int]) -> None:
        """Warning signs someone reports ("he asked how old i was and said dont tell") are
        not the writer's own: they count as talk about safety, not as stages (and an age
        in them is not the writer's)."""
        reported = sum(counts[g] for g in self.stage_ids)
        for group in self.stage_ids:
            counts[group] = 0
        counts[self.group["safety_talk"]] += reported


def reports_speech(text: str) -> bool:
    """Whether the message quotes or reports what a third person said or asked."""
    return bool(_QUOTED.search(text) or _REPORTED.search(text.lower()))


@lru_cache(maxsize=RECENT_READINGS)
def words_of(text: str) -> tuple[str, ...]:
    """normalise() words with the chat spellings above spelt out."""
    out: list[str] = []
    for word in normalise(text).words:
        out.extend(ALIASES.get(word, (word,)))
    return tuple(out)


def stated_age(words: tuple[str, ...], reply_to_age_question: int | None = None) -> int | None:
    """An age the writer gives for themself, or None.

    Read: "i am 13", "i am only 12", "13 years old", "turning 14", "year 8" or
    "grade 7" (school years, read as the age most pupils in them are), and a
    bare number or a "yes" in reply to "how old are you" / "are you 12?".
    """
    for at, word in enumerate(words):
        if not word.isdigit():
            continue
        number, before, after = int(word), words[max(0, at - 4) : at], words[at + 1 : at + 3]
        if after[:1] and after[0] in _NOT_AGE_AFTER:
            continue
        if before[-1:] in (("year",), ("grade",)) and 1 <= number <= 13:
            if _about_self(before[:-1], at - 1, reply_to_age_question):
                return number + 5
            continue
        if _says_own_age(before, after) and 5 <= number <= 99:
            return number
    return _age_in_reply(words, reply_to_age_question)


def _about_self(before: tuple[str, ...], at: int, reply_to_age_question: int | None) -> bool:
    """Whether "year N" is the writer's own school year: "i am in year 8", or "year 8" opening
    a reply to an age question (not "you in year 9?")."""
    if "you" in before:
        return False
    lead = " ".join(before)
    return lead.endswith(("i am in", "i am", "in")) or (
        at == 0 and reply_to_age_question is not None
    )


def _says_own_age(before: tuple[str, ...], after: tuple[str, ...]) -> bool:
    lead = " ".join(w for w in before if w not in _FILLERS)
    return (
        lead.endswith(("i am", "turning", "i will be", "aged"))
        or after == ("years", "old")
        or after[:1] == ("yo",)
    )


def _age_in_reply(words: tuple[str, ...], asked: int | None) -> int | None:
    if asked is None or not words:
        return None
    if _AGE_QUESTION_NUMBER.match(words[0]) and 5 <= int(words[0]) <= 99:
        return int(words[0])
    if asked > 0 and words[0] in _AFFIRM:
        return asked
    return None


def _asked_number(words: tuple[str, ...]) -> int:
    """The age an age question guesses ("are you 12?", "how old, 13?"), or -1 for none."""
    for word in words:
        if word.isdigit() and 5 <= int(word) <= 99:
            return int(word)
    return -1


_shared_reader: OncePerProcess[CueReader] = OncePerProcess(CueReader.load)


def shared_reader() -> CueReader:
    """The shipped lexicon, read once per process."""
    return _shared_reader.get()


def forget_shared_reader() -> None:
    """Read the lexicon afresh at next use (after its file changed)."""
    _shared_reader.forget()


_ORDINAL = re.compile(r"^(\d{1,2})(st|nd|rd|th)$")


def own_stated_age(text: str) -> int | None:
    """The age a message's writer gives for themself, for the account's age evidence: what
    ``stated_age`` reads, and "my 14th birthday" (read as 13, the younger reading); None for
    a message that reports someone else's words. Outside any conversation, so a bare number
    is not read as a reply to an age question."""
    if reports_speech(text):
        return None
    words = words_of(text)
    found = stated_age(words)
    return found if found is not None else _birthday_age(words)


def _birthday_age(words: tuple[str, ...]) -> int | None:
    for at in range(1, len(words) - 1):
        ordinal = _ORDINAL.match(words[at])
        if ordinal and words[at - 1] == "my" and words[at + 1] == "birthday":
            number = int(ordinal.group(1))
            return number - 1 if 6 <= number <= 99 else None
    return None
