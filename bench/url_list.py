"""Benchmark URL-list scanning: texts per second per core against a million-entry list.

Run: ``python bench/url_list.py`` (``--entries 1000000 --texts 200000``). It builds a synthetic
URL list (example.com / example.org / example.net hosts only) of exact entries, path-prefix
entries, entries kept with their query, and entries listed by SHA-256 and by MD5 of the normal
form, as ``UrlIndex`` (what the ``url_list`` detector asks), then scans everyday chat texts of
5 to 300 characters of which --url-share carry a link: half of those a listed one, written
plainly or obfuscated (``hxxp``, ``[.]``, ``(.)``, `` dot ``, spaces around dots, upper case,
``www.``, needless percent-escapes), the other half an unlisted one. One core: the process is
pinned to one CPU, and the scan is timed in CPU seconds of the process, so time spent waiting
for the CPU on a shared machine does not count. It prints the build time and memory, then
texts/s (the fastest of --passes passes) beside the aim (>= 50,000 texts/s per core), and
checks every planted listed link was found; then the same with a link in every text, the
worst case.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime

from safeguarding.detectors.urls.index import UrlIndex
from safeguarding.domain.banks import Bank, BankEntry, HashType
from safeguarding.domain.url_lists import UrlEntry, UrlListed, url_digest

AIM = 50_000
HOSTS = ("example.com", "example.org", "example.net")
WORDS = [
    "hey",
    "ok",
    "lol",
    "see",
    "you",
    "later",
    "did",
    "you",
    "finish",
    "the",
    "homework",
    "what",
    "time",
    "is",
    "practice",
    "tomorrow",
    "my",
    "mum",
    "says",
    "I",
    "can",
    "come",
    "round",
    "after",
    "tea",
    "that",
    "film",
    "was",
    "so",
    "good",
    "send",
    "me",
    "the",
    "notes",
    "are",
    "you",
    "on",
    "the",
    "bus",
    "yet",
    "I",
    "will",
    "be",
    "there",
    "in",
    "ten",
    "minutes",
    "haha",
    "no",
    "way",
    "that",
    "is",
    "funny",
]


def listed_form(at: int) -> str:
    return f"{HOSTS[at % 3]}/c/{at:07d}/item{at % 97}.html"


def make_entry(at: int) -> str:
    """Entry ``at`` of the synthetic list, as a bank stores it."""
    form = listed_form(at)
    kind = at % 20
    if kind < 12:
        return UrlEntry(UrlListed.URL, form).canonical()
    if kind < 14:
        return UrlEntry(UrlListed.URL, form.rsplit("/", 1)[0], prefix=True).canonical()
    if kind < 15:
        return UrlEntry(UrlListed.URL, f"{form}?id={at}", keep_query=True).canonical()
    if kind < 18:
        return UrlEntry(UrlListed.SHA256, url_digest(form, UrlListed.SHA256).hex()).canonical()
    return UrlEntry(UrlListed.MD5, url_digest(form, UrlListed.MD5).hex()).canonical()


def obfuscated(form: str, rng: random.Random) -> str:
    host, _, path = form.partition("/")
    dot = rng.choice([".", "[.]", "(.)", " dot ", " . ", "[dot]"])
    host = rng.choice(["", "www."]) + host
    host = dot.join(host.split("."))
    if rng.random() < 0.5:
        host = host.upper()
    scheme = rng.choice(["", "http://", "https://", "hxxp://", "hxxps://"])
    path = path.replace("item", rng.choice(["item", "%69tem"]))
    return f"{scheme}{host}/{path}{rng.choice(['', '/'])}"


def chat(rng: random.Random) -> str:
    length = rng.choice([rng.randint(5, 40), rng.randint(5, 40), rng.randint(40, 120)])
    if rng.random() < 0.15:
        length = rng.randint(120, 300)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append(rng.choice(WORDS))
    return " ".join(words)[:length]


def make_texts(count: int, entries: int, url_share: float, seed: int) -> tuple[list[str], int]:
    """The texts, and how many carry a listed link."""
    rng = random.Random(seed)
    texts, planted = [], 0
    for _ in range(count):
        text = chat(rng)
        if rng.random() < url_share:
            at = rng.randrange(entries)
            if rng.random() < 0.5 and at % 20 not in (14,):  # 14: listed with its query only
                link, planted = obfuscated(listed_form(at), rng), planted + 1
            else:
                link = f"https://{HOSTS[at % 3]}/other/{at}"
            cut = rng.randint(0, len(text))
            text = f"{text[:cut]} {link} {text[cut:]}"
        texts.append(text)
    return texts, planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--texts", type=int, default=200_000)
    parser.add_argument("--url-share", type=float, default=0.2)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    bank = Bank(name="synthetic", created_at=datetime.now(UTC))
    rows = [BankEntry(i, "synthetic", HashType.URL, make_entry(i), 1) for i in range(args.entries)]
    started, cpu = time.perf_counter(), time.process_time()
    index = UrlIndex.build({bank.name: bank}, rows)
    built, built_cpu = time.perf_counter() - started, time.process_time() - cpu
    block = index.block
    memory = block.keys.nbytes + block.ids.nbytes + block.codes.nbytes + block.listed.nbytes
    print(
        f"list: {len(index):,} entries, built in {built:.1f} s ({built_cpu:.1f} CPU s), "
        f"{memory / len(index):.0f} B/entry"
    )
    for share, count in ((args.url_share, args.texts), (1.0, args.texts // 4)):
        texts, planted = make_texts(count, args.entries, share, args.seed)
        rate, found = scan(index, texts, args.passes)
        verdict = "met" if rate >= AIM else "NOT met"
        missed = "" if found == planted else " MISSED"
        print(
            f"{share:>4.0%} with a link ({len(texts):,} texts): {rate:,.0f} texts/s on one core "
            f"(aim >= {AIM:,}: {verdict}); matched {found:,} of {planted:,} listed{missed}"
        )


def scan(index: UrlIndex, texts: list[str], passes: int) -> tuple[float, int]:
    """The fastest pass's texts per CPU second, and how many texts matched."""
    best, found = float("inf"), 0
    for _ in range(passes):
        started = time.process_time()  # CPU seconds: a shared machine's waits do not count
        found = sum(1 for text in texts if index.match_text(text)[0])
        best = min(best, time.process_time() - started)
    return len(texts) / best, found


if __name__ == "__main__":
    main()
