"""`safeguarding hashes match`, run in-process through Typer's CliRunner on synthetic hash lists."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from safeguarding.adapters.cli.main import app

ZERO = "0" * 64
FOUR_BITS = "f" + "0" * 63  # 4 bits from ZERO
EIGHT_BITS = "ff" + "0" * 62  # 8 bits from ZERO, 4 from FOUR_BITS
FAR = "f" * 64  # 256 bits from ZERO


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["hashes", "match", *args], prog_name="safeguarding")
    return result.exit_code, result.stdout, result.stderr


def test_match_writes_each_query_with_its_matches_nearest_first(tmp_path: Path) -> None:
    bank = tmp_path / "bank.txt"
    bank.write_text(
        f"# a synthetic bank\n{EIGHT_BITS}\n\n{ZERO}  # the centre\n{FAR}\n{FOUR_BITS}\n"
    )
    queries = tmp_path / "queries.txt"
    queries.write_text(f"{ZERO.upper()}\n# next: nothing near\n{'0f' * 32}\n")
    out = tmp_path / "out.jsonl"
    code, stdout, _ = invoke(
        "--bank", str(bank), "--queries", str(queries), "--threshold", "4", "--output", str(out)
    )
    assert code == 0
    assert [json.loads(line) for line in out.read_text().splitlines()] == [
        {
            "query": ZERO,
            "line": 1,
            "matches": [
                {"hash": ZERO, "line": 4, "distance": 0},
                {"hash": FOUR_BITS, "line": 6, "distance": 4},
            ],
        },
        {"query": "0f" * 32, "line": 3, "matches": []},
    ]
    assert "bank: 4 hashes" in stdout
    assert "index built in" in stdout
    assert "queries: 2" in stdout
    assert "matched in" in stdout


def test_default_threshold_is_31(tmp_path: Path) -> None:
    bank = tmp_path / "bank.txt"
    bank.write_text(f"{ZERO}\n{EIGHT_BITS}\n{'ffffffff' + '0' * 56}\n")  # 0, 8 and 32 bits
    out = tmp_path / "out.jsonl"
    code, _, _ = invoke("--bank", str(bank), "--queries", str(bank), "--output", str(out))
    assert code == 0
    first = json.loads(out.read_text().splitlines()[0])
    assert [m["distance"] for m in first["matches"]] == [0, 8]


def test_a_malformed_line_stops_before_writing(tmp_path: Path) -> None:
    bank = tmp_path / "bank.txt"
    bank.write_text(f"{ZERO}\n# comment\n{ZERO[:-1]}\n")
    out = tmp_path / "out.jsonl"
    code, _, stderr = invoke("--bank", str(bank), "--queries", str(bank), "--output", str(out))
    assert code == 2
    assert f"{bank}:3: a PDQ hash is 64 hex digits, not 63 characters" in " ".join(stderr.split())
    assert not out.exists()
