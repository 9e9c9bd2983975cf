"""Built-in detectors meet the detector contract, and are found by entry point like any plugin."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from safeguarding.detectors import registry
from safeguarding.detectors.media.bank_index import BankIndex, IndexHolder
from safeguarding.detectors.media.bank_match import HashBankDetector
from safeguarding.detectors.sha256_list import Sha256ListDetector, read_hash_list
from safeguarding.detectors.user_report import UserReportDetector
from safeguarding.domain.banks import Bank, BankEntry, HashType
from safeguarding.domain.detectors import DetectorResources
from safeguarding.domain.errors import InvalidInput
from safeguarding.domain.events import Event
from safeguarding.testing import DetectorContract, FixedClock
from tests.factories import BASE, benign_png, event, media, report

KNOWN = benign_png("contract-known")


class TestSha256List(DetectorContract):
    def make_detector(self) -> Sha256ListDetector:
        return Sha256ListDetector(frozenset({hashlib.sha256(KNOWN).hexdigest()}), bank="test-bank")

    def positive_event(self) -> Event:
        return event(media(data=KNOWN))

    def test_platform_computed_hash_matches_too(self) -> None:
        digest = hashlib.sha256(KNOWN).hexdigest()
        ev = event({**media(), "content_base64": None, "hashes": {"sha256": digest.upper()}})
        (signal,) = self.observe(ev)
        assert (signal.evidence.bank, signal.evidence.matched_hash) == ("test-bank", digest)

    def test_other_bytes_do_not_match(self) -> None:
        assert self.observe(event(media(data=benign_png("something else")))) == []


class TestHashBank(DetectorContract):
    """Built as the engine builds it: through configure, with the banks' snapshot lent."""

    def resources(self) -> DetectorResources:
        digest = hashlib.sha256(KNOWN).hexdigest()
        entry = BankEntry(1, "contract-bank", HashType.SHA256, digest, 1)
        index = BankIndex.build(1, [Bank(name="contract-bank", created_at=BASE)], [entry])
        return DetectorResources(clock=FixedClock(), banks=IndexHolder(index))

    def make_detector(self) -> HashBankDetector:
        return HashBankDetector.configure({}, self.resources())

    def positive_event(self) -> Event:
        return event(media(data=KNOWN))


class TestUserReport(DetectorContract):
    def make_detector(self) -> UserReportDetector:
        return UserReportDetector()

    def positive_event(self) -> Event:
        return event(report("kid", "adult", "self_harm"))


def test_hash_list_file_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text(f"# comment\n{'a' * 64}\n\nnot-a-hash\n")
    with pytest.raises(ValueError, match=r"list.txt:4: not a SHA-256"):
        read_hash_list(path)


def test_builtins_are_registered_by_entry_point() -> None:
    found = registry.discover()
    assert found["sha256_list"] is Sha256ListDetector
    assert found["user_report"] is UserReportDetector


def test_unknown_enabled_detector_is_named_with_a_hint() -> None:
    with pytest.raises(InvalidInput, match=r"sha256_lst \(did you mean sha256_list\?\)"):
        registry.build(registry.discover(), ["sha256_lst"], {})


THIRD_PARTY = """
from safeguarding import Detector, Signal, SubjectKind, Evidence

class ShoutingDetector(Detector):
    def observe(self, event, context):
        text = getattr(event, "text", "")
        if text and text.isupper():
            return [Signal(detector=self.get_name(), kind="shouting", score=0.5,
                           subject=SubjectKind.CONTENT, subject_id=event.event_id,
                           explanation="the whole message is in capitals",
                           evidence=Evidence(event_ids=(event.event_id,)))]
        return []
"""


def test_a_pip_installed_third_party_detector_is_found_and_used(tmp_path: Path) -> None:
    """Install a plugin package with pip into a directory, then ingest through the CLI with it."""
    project = tmp_path / "plugin"
    (project / "shouting_detector").mkdir(parents=True)
    (project / "shouting_detector" / "__init__.py").write_text(THIRD_PARTY)
    (project / "pyproject.toml").write_text(
        textwrap.dedent("""
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "shouting-detector"
        version = "1.0"
        [project.entry-points."safeguarding.detectors"]
        shouting = "shouting_detector:ShoutingDetector"
    """)
    )
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(project),
        ],
        check=True,
        capture_output=True,
    )
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "rules:\n  - name: hold-shouting\n    when: {signal: {detector: shouting}}\n"
        "    then: [hold_for_review]\n"
    )
    script = "from safeguarding.detectors import registry; print(sorted(registry.discover()))"
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True
    )
    assert "shouting" in out.stdout
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "safeguarding.adapters.cli.main",
            "policy",
            "check",
            "--strict",
            str(policy),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
