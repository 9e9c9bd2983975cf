"""A worker rebuilds its detectors when their files change, including a change made while the
detectors were first loading (the files are fingerprinted before they are read)."""

from __future__ import annotations

from pathlib import Path

from safeguarding.adapters.model_files import ModelFiles, fingerprint


def test_a_change_made_while_the_detectors_load_is_not_missed(tmp_path: Path) -> None:
    listed = tmp_path / "sha256.txt"
    listed.write_text("# none yet\n")
    before_loading = fingerprint([listed])
    listed.write_text("# none yet\n" + "ab" * 32 + "\n")  # the operator edits it meanwhile
    rebuilt: list[int] = []
    files = ModelFiles(lambda: [listed], lambda: rebuilt.append(1), 0, seen=before_loading)
    assert files.refresh()
    assert rebuilt == [1]
    assert not files.refresh()  # nothing changed since


def test_without_a_change_nothing_is_rebuilt(tmp_path: Path) -> None:
    listed = tmp_path / "sha256.txt"
    listed.write_text("# none\n")
    files = ModelFiles(lambda: [listed], lambda: None, 0, seen=fingerprint([listed]))
    assert not files.refresh()
