"""`safeguarding sharing` and the demo's partner list, through Typer's CliRunner, on both backends.

The exported file is fed back into a second service's `sharing import`, as a partner would;
a bad file exits 2 naming its line and stores nothing; `safeguarding demo` holds one partner
list whose match is reviewed, not blocked. Every hash here is made up.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from safeguarding.bootstrap import build
from safeguarding.domain.access import Principal, Role
from safeguarding.domain.banks import Trust
from safeguarding.domain.cases import CaseDecision, Outcome
from safeguarding.settings import load_settings
from tests import factories as f
from tests.cli.cli_env import cli_environment, run

PDQ = "3c" * 32
PARTNER = f"signal_type,signal_str,harm\npdq,{PDQ},abuse_imagery\nvideo_md5,{'d' * 32},terrorism\n"


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    return cli_environment(
        monkeypatch, tmp_path, database_url=database_url, width=160, sharing_salt="cli-salt"
    )


def partner_banks() -> dict[str, tuple[str | None, Trust | None, int]]:
    container = build(load_settings())
    try:
        return {
            bank.name: (bank.partner, bank.trust, sum(counts.values()))
            for bank, counts in container.banks.list()
            if bank.partner
        }
    finally:
        container.close()


def test_import_then_withdraw_a_partner_list(workdir: Path) -> None:
    shared = workdir / "partner.csv"
    shared.write_text(PARTNER)
    made = run("sharing", "import", "acme", str(shared), "--source", "acme drop 1").stdout
    assert "acme.abuse_imagery: version 1, added 1, removed 0, total 1" in made
    assert "acme: trust match_only" in made
    assert partner_banks() == {
        "acme.abuse_imagery": ("acme", Trust.MATCH_ONLY, 1),
        "acme.terrorism": ("acme", Trust.MATCH_ONLY, 1),
    }
    removal = workdir / "removal.txt"
    removal.write_text(f"pdq {PDQ}\n")
    args = ("--format", "text", "--harm", "abuse_imagery", "--mode", "withdraw")
    gone = run("sharing", "import", "acme", str(removal), "--source", "withdrawn", *args).stdout
    assert "acme.abuse_imagery: version 2, added 0, removed 1, total 0" in gone
    assert partner_banks()["acme.abuse_imagery"] == ("acme", Trust.MATCH_ONLY, 0)


def test_a_bad_file_exits_2_naming_its_line_and_stores_nothing(workdir: Path) -> None:
    bad = workdir / "bad.csv"
    bad.write_text(PARTNER + "pdq,not-a-hash,abuse_imagery\n")
    refused = run("sharing", "import", "acme", str(bad), "--source", "x", code=2)
    assert f"{bad}:4:" in refused.stderr
    assert "nothing was imported" in refused.stderr
    run("sharing", "import", "Not A Name", str(workdir / "bad.csv"), "--source", "x", code=2)
    run("sharing", "export", "--since", "yesterday", code=2)
    assert partner_banks() == {}


def test_an_export_feeds_another_services_import(workdir: Path) -> None:
    """The service's own bank, a match a moderator confirms, then the export a peer imports."""
    run("banks", "create", "ours")
    listed = workdir / "ours.txt"
    listed.write_text(f"{PDQ}\n")
    run(
        "banks", "import", "ours", str(listed), "--format", "text", "--type", "pdq", "--source", "t"
    )
    container = build(load_settings())
    try:
        # The bank came from another process: load it now, not in the background at first look.
        container.banks.rebuild()
        upload = {**f.media("adult1"), "content_base64": None, "hashes": {"pdq": PDQ}}
        container.ingest.ingest([f.event(upload)], source="test")
        container.outbox.run_once(100)
        (case,) = container.review.queue()
        admin = Principal(key_id="mod", name="mod", role=Role.ADMIN)
        container.review.claim(case.case_id, admin)
        decision = CaseDecision(
            case_id=case.case_id,
            outcome=Outcome.CONFIRM,
            reason_code="known_abuse_image",
            by="mod",
            at=container.clock.now(),
        )
        container.review.decide(decision, admin)
    finally:
        container.close()
    out = workdir / "export.csv"
    told = run("sharing", "export", "-o", str(out))
    assert "Exported 2 signals (abuse_imagery 2)" in told.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {r["signal_type"] for r in rows} == {"pdq", "account_hmac_sha256"}
    assert "adult1" not in out.read_text()
    taken = run("sharing", "import", "peer", str(out), "--source", "peer export").stdout
    assert "account signals held: 1" in taken  # the salts agree: the peer can match it
    assert partner_banks()["peer.abuse_imagery"] == ("peer", Trust.MATCH_ONLY, 1)


def test_the_demo_holds_one_partner_list_whose_match_is_reviewed(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the demo always makes its own SQLite database")
    run("demo", "--no-serve", "--data-dir", "demo")
    monkeypatch.setenv(
        "SAFEGUARDING_DATABASE_URL", f"sqlite:///{workdir / 'demo' / 'safeguarding.db'}"
    )
    monkeypatch.setenv("SAFEGUARDING_DATA_DIR", str(workdir / "demo"))
    container = build(load_settings())
    try:
        (bank,) = [b for b, _ in container.banks.list() if b.partner]
        assert (bank.name, bank.trust) == ("demo-partner.abuse_imagery", Trust.MATCH_ONLY)
        with container.store.read() as uow:
            (_, decision) = uow.events.decisions(["demo-upload-partner-listed"])[
                "demo-upload-partner-listed"
            ]
            assert decision.verdict == "allow"
            assert "partner_match" in {s.kind for s in decision.signals}
            assert [c.queue for c in uow.cases.of_event("demo-upload-partner-listed")] == [
                "abuse_imagery"
            ]
    finally:
        container.close()
