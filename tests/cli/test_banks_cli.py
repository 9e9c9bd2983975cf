"""`safeguarding banks`, run in-process through Typer's CliRunner on a fresh SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result

from tests.cli import cli_env
from tests.cli.cli_env import cli_environment

PDQ_A = "a" * 64
PDQ_B = "5" * 64


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Only our SAFEGUARDING_ variables, pointing at a SQLite file in tmp_path; a wide console."""
    return cli_environment(monkeypatch, tmp_path, width=160)


def run(*args: str, code: int = 0) -> Result:
    return cli_env.run("banks", *args, code=code)


def test_create_import_list_and_roll_back(workdir: Path) -> None:
    assert "Created block bank known" in run("create", "known", "--pdq-threshold", "20").stdout
    first = workdir / "first.txt"
    first.write_text(f"# synthetic\n{PDQ_A}\n")
    second = workdir / "second.txt"
    second.write_text(f"{PDQ_A}\n{PDQ_B}\n")
    imported = run(
        "import", "known", str(first), "--format", "text", "--type", "pdq", "--source", "test"
    )
    assert "known: version 1, added 1, removed 0, total 1" in imported.stdout
    assert "importing" in imported.stderr  # the progress bar
    run("import", "known", str(second), "--format", "text", "--type", "pdq", "--source", "test")
    listed = run("list").stdout
    assert "known" in listed
    assert "block" in listed
    back = run("rollback", "known", "1")
    assert "known: version 3, added 0, removed 1, total 1" in back.stdout
    shown = run("show", "known").stdout
    assert "rollback to version 1 (rollback)" in shown
    assert "Disabled bank known." in run("disable", "known").stdout
    assert "Deleted bank known (" in run("delete", "known", "--yes").stdout


def test_a_bad_line_names_file_and_line_and_imports_nothing(workdir: Path) -> None:
    run("create", "careful")
    bad = workdir / "bad.csv"
    bad.write_text(f"hash,type\n{PDQ_A},pdq\nnot-a-hash,pdq\n")
    refused = run("import", "careful", str(bad), "--format", "csv", "--source", "test", code=2)
    assert f"error: {bad}:3: " in refused.stderr
    assert "version 0" in run("show", "careful").stdout


def test_an_unknown_bank_is_one_line(workdir: Path) -> None:
    refused = run("rollback", "nowhere", "1", code=2)
    assert "error: no bank named 'nowhere'" in refused.stderr


def test_a_threatexchange_export_imports_skipping_and_counting_what_no_bank_holds(
    workdir: Path,
) -> None:
    pytest.importorskip("threatexchange")
    pytest.importorskip("vpdq")
    from tests.api.test_threatexchange_exports import pytx_dataset

    export = workdir / "collab.csv"
    export.write_text(pytx_dataset(csv=True))  # threatexchange dataset -P --csv
    run("create", "te")
    args = ("import", "te", str(export), "--format", "csv", "--source", "pytx")
    refused = run(*args, code=2)
    assert "collab.csv:6: unknown hash type 'url'" in refused.stderr
    done = run(*args, "--skip-unsupported")
    assert "added 4, removed 0, total 4, skipped 2 (trend_query 1, url 1)" in done.stdout


def test_a_url_list_imports_with_its_type_and_a_bad_line_is_named(workdir: Path) -> None:
    run("create", "hotline-urls")
    urls = workdir / "urls.txt"
    urls.write_text("# synthetic\nhxxp://example[.]com/a\nexample.org/g prefix\n")
    args = ("import", "hotline-urls", str(urls), "--format", "text", "--type", "url")
    assert "added 2, removed 0, total 2" in run(*args, "--source", "test").stdout
    urls.write_text("example.net/ok\nexample.net/x prefix query=keep\n")
    refused = run(*args, "--source", "test", code=2)
    assert f"error: {urls}:2: a prefix entry matches by path" in refused.stderr


def test_a_banks_harm_is_set_at_creation_changed_and_shown(workdir: Path) -> None:
    made = run("create", "ncii", "--harm", "intimate_image_abuse").stdout
    assert "Created block bank ncii (intimate_image_abuse)." in made
    assert "intimate_image_abuse" in run("show", "ncii").stdout
    assert "Bank ncii now holds terrorism." in run("harm", "ncii", "terrorism").stdout
    assert "terrorism" in run("list").stdout
    refused = run("harm", "ncii", "revenge", code=2)
    assert "revenge" in refused.output
    assert "terrorism" in run("show", "ncii").stdout  # unchanged
