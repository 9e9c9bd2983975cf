#!/usr/bin/env python3
"""Validate the self-harm development data set (stdlib only).

Checks, for the train and test splits:
  * every line of every file parses as a JSON object with the expected keys;
  * ids are well-formed strings and unique across both splits;
  * texts and labels files hold exactly the same ids (one-to-one);
  * every label is one of the allowed labels;
  * texts are non-empty strings and there are no exact duplicate texts
    (within or across splits; compared after strip + lowercase).
Prints counts per split and label. Exits non-zero on any problem.

Usage: python datasets/self_harm/check.py
"""
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
SPLITS = ("train", "test")
ACTION_LABELS = ("ideation", "intent_or_plan", "encouragement", "self_harm_disclosure")
NO_ACTION_LABELS = (
    "recovery_support",
    "news_or_education",
    "idiom_or_hyperbole",
    "other_negative",
    "benign",
)
LABELS = ACTION_LABELS + NO_ACTION_LABELS
ID_RE = re.compile(r"^sh\d{4,}$")


def read_jsonl(path, value_key, errors):
    """Return list of (id, value) from a JSONL file, recording problems in errors."""
    rows = []
    if not os.path.exists(path):
        errors.append(f"{path}: missing file")
        return rows
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            where = f"{os.path.basename(path)}:{n}"
            if not line.strip():
                errors.append(f"{where}: blank line")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"{where}: invalid JSON ({exc})")
                continue
            if not isinstance(obj, dict) or set(obj) != {"id", value_key}:
                errors.append(f"{where}: expected exactly keys 'id' and '{value_key}'")
                continue
            rid, val = obj["id"], obj[value_key]
            if not isinstance(rid, str) or not ID_RE.match(rid):
                errors.append(f"{where}: bad id {rid!r}")
                continue
            if not isinstance(val, str) or not val.strip():
                errors.append(f"{where}: empty or non-string {value_key}")
                continue
            rows.append((rid, val))
    return rows


def main():
    errors = []
    all_ids = {}
    seen_texts = {}
    counts = {}
    for split in SPLITS:
        texts = read_jsonl(os.path.join(HERE, f"{split}.texts.jsonl"), "text", errors)
        labels = read_jsonl(os.path.join(HERE, f"{split}.labels.jsonl"), "label", errors)

        text_by_id, label_by_id = {}, {}
        for rid, text in texts:
            if rid in text_by_id:
                errors.append(f"{split}.texts: duplicate id {rid}")
            text_by_id[rid] = text
        for rid, label in labels:
            if rid in label_by_id:
                errors.append(f"{split}.labels: duplicate id {rid}")
            label_by_id[rid] = label
            if label not in LABELS:
                errors.append(f"{split}.labels: {rid} has unknown label {label!r}")

        for rid in sorted(set(text_by_id) - set(label_by_id)):
            errors.append(f"{split}: id {rid} has a text but no label")
        for rid in sorted(set(label_by_id) - set(text_by_id)):
            errors.append(f"{split}: id {rid} has a label but no text")

        for rid in text_by_id:
            if rid in all_ids:
                errors.append(f"id {rid} appears in both {all_ids[rid]} and {split}")
            all_ids[rid] = split

        for rid, text in text_by_id.items():
            key = text.strip().lower()
            if key in seen_texts:
                errors.append(f"duplicate text: {rid} ({split}) == {seen_texts[key]}: {text!r}")
            else:
                seen_texts[key] = f"{rid} ({split})"

        counts[split] = Counter(label_by_id[r] for r in text_by_id if r in label_by_id)

    # Report counts.
    width = max(len(l) for l in LABELS)
    header = f"{'label':<{width}}  action " + " ".join(f"{s:>6}" for s in SPLITS) + "  total"
    print(header)
    print("-" * len(header))
    for label in LABELS:
        row = [counts[s][label] for s in SPLITS]
        action = "yes" if label in ACTION_LABELS else "no"
        print(f"{label:<{width}}  {action:<6} " + " ".join(f"{c:>6}" for c in row) + f"  {sum(row):>5}")
    tot = [sum(counts[s].values()) for s in SPLITS]
    print("-" * len(header))
    print(f"{'TOTAL':<{width}}  {'':<6} " + " ".join(f"{c:>6}" for c in tot) + f"  {sum(tot):>5}")

    if errors:
        print(f"\nFAILED: {len(errors)} problem(s)", file=sys.stderr)
        for e in errors[:50]:
            print("  " + e, file=sys.stderr)
        if len(errors) > 50:
            print(f"  ... and {len(errors) - 50} more", file=sys.stderr)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
