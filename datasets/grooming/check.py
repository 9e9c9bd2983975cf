#!/usr/bin/env python3
"""Validate the grooming-risk development data set (stdlib only).

Usage:  python datasets/grooming/check.py [DATASET_DIR]

Checks, for both splits (train, test):
  * every line of every file parses as a JSON object with the expected keys/types
  * conversation ids are unique within and across both splits
  * labels and conversations match one-to-one within each split
  * label is "grooming" or "benign"; category is snake_case
  * onset_index is an int in range for grooming and null for benign
  * 8-40 messages per conversation
  * timestamps are ISO-8601 UTC ("...Z") and strictly increasing
  * every sender is a declared participant; declared ages/account ages are int or null
  * the forbidden words never appear anywhere in any file (case-insensitive substring)
  * the "seed_case" conversation exists, is in the test split and is labelled grooming
Then prints counts per split / label / category. Exit status 1 on any error.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

SPLITS = ("train", "test")
LABELS = {"grooming", "benign"}
# Substring match, so plural/derived forms are caught as well. A few leetspeak
# spellings are included so obfuscated forms cannot slip in either.
FORBIDDEN = ("nude", "naked", "porn", "sex", "n00d", "nud3", "s3x", "pr0n", "p0rn", "nak3d")
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CAT_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
ID_RE = re.compile(r"^[A-Za-z0-9_\-]+$")
MIN_MSGS, MAX_MSGS = 8, 40


def main(root: Path) -> int:
    errors: list[str] = []

    def err(msg: str) -> None:
        errors.append(msg)

    seen_ids: dict[str, str] = {}
    counts: dict[str, Counter] = {}
    n_msgs: dict[str, int] = {}
    split_of: dict[str, str] = {}
    label_of: dict[str, str] = {}

    for split in SPLITS:
        cpath = root / f"{split}.conversations.jsonl"
        lpath = root / f"{split}.labels.jsonl"
        missing = [p for p in (cpath, lpath) if not p.is_file()]
        for p in missing:
            err(f"missing file {p}")
        if missing:
            continue

        # forbidden words: scan raw text of both files
        for p in (cpath, lpath):
            for ln, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                low = line.lower()
                # also scan the JSON-decoded form (catches \\u escapes)
                try:
                    low += " " + json.dumps(json.loads(line), ensure_ascii=False).lower()
                except Exception:
                    pass
                for w in FORBIDDEN:
                    if w in low:
                        err(f"{p.name}:{ln}: forbidden word {w!r}")

        convs: dict[str, dict] = {}
        for ln, line in enumerate(cpath.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{cpath.name}:{ln}"
            if not line.strip():
                err(f"{where}: blank line")
                continue
            try:
                c = json.loads(line)
            except json.JSONDecodeError as e:
                err(f"{where}: bad JSON ({e})")
                continue
            if not isinstance(c, dict) or set(c) != {"conversation_id", "participants", "messages"}:
                err(f"{where}: expected keys conversation_id, participants, messages")
                continue
            cid = c["conversation_id"]
            if not isinstance(cid, str) or not ID_RE.match(cid):
                err(f"{where}: bad conversation_id {cid!r}")
                continue
            if cid in seen_ids:
                err(f"{where}: duplicate conversation_id {cid!r} (also in {seen_ids[cid]})")
                continue
            seen_ids[cid] = where
            convs[cid] = c
            split_of[cid] = split

            parts = c["participants"]
            if not isinstance(parts, dict) or len(parts) < 2:
                err(f"{where}: participants must be an object with >= 2 entries")
                parts = {}
            for key, info in parts.items():
                if not isinstance(info, dict) or set(info) != {"declared_age", "account_age_days"}:
                    err(f"{where}: participant {key!r} needs declared_age and account_age_days")
                    continue
                for fld in ("declared_age", "account_age_days"):
                    v = info[fld]
                    if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
                        err(f"{where}: participant {key!r} {fld} must be a non-negative int or null")

            msgs = c["messages"]
            if not isinstance(msgs, list):
                err(f"{where}: messages must be a list")
                continue
            n_msgs[cid] = len(msgs)
            if not MIN_MSGS <= len(msgs) <= MAX_MSGS:
                err(f"{where}: {len(msgs)} messages (want {MIN_MSGS}-{MAX_MSGS})")
            prev = None
            senders = set()
            for i, m in enumerate(msgs):
                if not isinstance(m, dict) or set(m) != {"sender", "text", "ts"}:
                    err(f"{where}: message {i} needs exactly sender, text, ts")
                    continue
                if m["sender"] not in parts:
                    err(f"{where}: message {i} sender {m['sender']!r} is not a participant")
                senders.add(m["sender"])
                if not isinstance(m["text"], str) or not m["text"].strip():
                    err(f"{where}: message {i} has empty text")
                ts = m["ts"]
                if not isinstance(ts, str) or not TS_RE.match(ts):
                    err(f"{where}: message {i} bad ts {ts!r}")
                    continue
                t = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ")
                if prev is not None and t <= prev:
                    err(f"{where}: message {i} ts {ts} not after previous")
                prev = t
            if len(senders) < 2:
                err(f"{where}: fewer than two distinct senders")

        labels: dict[str, dict] = {}
        for ln, line in enumerate(lpath.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{lpath.name}:{ln}"
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                err(f"{where}: bad JSON ({e})")
                continue
            if not isinstance(d, dict) or set(d) != {"conversation_id", "label", "onset_index", "category"}:
                err(f"{where}: expected keys conversation_id, label, onset_index, category")
                continue
            cid = d["conversation_id"]
            if cid in labels:
                err(f"{where}: duplicate label for {cid!r}")
                continue
            labels[cid] = d
            if cid not in convs:
                err(f"{where}: label for unknown conversation {cid!r} (not in {cpath.name})")
                continue
            lab, onset, cat = d["label"], d["onset_index"], d["category"]
            if lab not in LABELS:
                err(f"{where}: bad label {lab!r}")
            if not isinstance(cat, str) or not CAT_RE.match(cat):
                err(f"{where}: category {cat!r} is not snake_case")
            if lab == "benign" and onset is not None:
                err(f"{where}: benign conversation must have onset_index null")
            if lab == "grooming":
                if not isinstance(onset, int) or isinstance(onset, bool):
                    err(f"{where}: grooming conversation needs an int onset_index")
                elif not 0 <= onset < n_msgs.get(cid, 0):
                    err(f"{where}: onset_index {onset} out of range (0..{n_msgs.get(cid, 0) - 1})")
            label_of[cid] = lab
            counts.setdefault(split, Counter())[(lab, cat)] += 1
        for cid in convs:
            if cid not in labels:
                err(f"{cpath.name}: conversation {cid!r} has no label")

    if "seed_case" not in split_of:
        err("seed_case conversation missing")
    elif split_of["seed_case"] != "test" or label_of.get("seed_case") != "grooming":
        err("seed_case must be in the test split and labelled grooming")

    # report
    for split in SPLITS:
        c = counts.get(split, Counter())
        by_label = Counter()
        for (lab, _), n in c.items():
            by_label[lab] += n
        print(f"== {split}: {sum(c.values())} conversations "
              + ", ".join(f"{lab} {by_label[lab]}" for lab in sorted(by_label)))
        for (lab, cat), n in sorted(c.items()):
            print(f"   {lab:9} {cat:26} {n:4}")
    total = Counter()
    for c in counts.values():
        for (lab, _), n in c.items():
            total[lab] += n
    print("== total:", sum(total.values()), dict(sorted(total.items())))

    if errors:
        print(f"\n{len(errors)} error(s):", file=sys.stderr)
        for e in errors[:200]:
            print("  " + e, file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    sys.exit(main(root))
