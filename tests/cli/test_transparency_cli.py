"""`safeguarding report transparency` and `report decisions`, through Typer's CliRunner.

Bad input exits 2 with a message naming the problem, before anything is opened or written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result

from safeguarding.bootstrap import Container, build
from safeguarding.domain.transparency import TransparencyReport
from safeguarding.settings import load_settings
from tests.cli import cli_env
from tests.cli.cli_env import cli_environment
from tests.services.transparency.world import (
    MovableClock,
    first_message,
    grooming_report,
    ingest_at,
    profile,
)

FEBRUARY = ("--from", "2021-02-01", "--to", "2021-02-28")
DAY = datetime(2021, 2, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Only our SAFEGUARDING_ variables, a wide terminal, and the working directory in tmp."""
    return cli_environment(monkeypatch, tmp_path, width=160, organisation="Example Chat Ltd")


@pytest.fixture
def stored(workdir: Path) -> Iterator[Container]:
    """Two grooming reports and a blocked contact in February 2021, one report a year before."""
    clock = MovableClock(DAY)
    container = build(load_settings(), clock=clock)
    year_before = DAY - timedelta(days=366)
    ingest_at(container, clock, year_before, grooming_report("c0", "a0", year_before, "r-0"))
    ingest_at(
        container,
        clock,
        DAY,
        grooming_report("c1", "a1", DAY - timedelta(minutes=30), "r-1"),
        grooming_report("c2", "a2", DAY - timedelta(minutes=10), "r-2"),
        profile("adult", 40, DAY - timedelta(hours=1)),
        profile("child", 11, DAY - timedelta(hours=1)),
        first_message("adult", "child", DAY - timedelta(minutes=20), "m-1"),
    )
    yield container
    container.close()


def run(*args: str, code: int = 0) -> Result:
    return cli_env.run("report", *args, code=code)


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("--from", "2021-02-30", "--to", "2021-03-31"), "from: '2021-02-30' is not a date"),
        (("--from", "2021-02-01", "--to", "tomorrow"), "to: 'tomorrow' is not a date"),
        (("--from", "2021-03-01", "--to", "2021-02-01"), "to (2021-02-01) is before from"),
    ],
)
@pytest.mark.parametrize("command", ["transparency", "decisions"])
def test_bad_dates_exit_2_naming_the_problem_and_write_nothing(
    workdir: Path, command: str, args: tuple[str, ...], problem: str
) -> None:
    kept = workdir / "kept.csv"
    kept.write_text("earlier export\n")
    result = run(command, *args, "--output", str(kept), code=2)
    assert problem in words(result.stderr)
    assert kept.read_text() == "earlier export\n"
    assert sorted(p.name for p in workdir.iterdir()) == ["kept.csv"]  # not even a database


def test_an_unknown_format_exits_2_naming_it(workdir: Path) -> None:
    result = run("transparency", *FEBRUARY, "--format", "xml", code=2)
    assert "'xml' is not one of" in words(result.stderr)


def test_the_text_report_words_each_figure(stored: Container) -> None:
    result = run("transparency", *FEBRUARY)
    text = words(result.stdout)
    assert "Transparency report: Example Chat Ltd" in text
    assert "Period: 1 February 2021 to 28 February 2021 (28 days)" in text
    assert "2, equivalent to 0.1 a day, up 100% on last year" in text  # the grooming reports
    assert "Children's accounts protected by the child-safe defaults" in text


@pytest.mark.parametrize("fmt", ["csv", "dsa-csv", "json", "html", "pdf"])
def test_each_format_is_written_to_the_file(stored: Container, workdir: Path, fmt: str) -> None:
    out = workdir / f"report.{fmt}"
    result = run("transparency", *FEBRUARY, "--format", fmt, "--output", str(out))
    assert f"written to {out}" in words(result.stderr)
    data = out.read_bytes()
    if fmt == "json":
        report = TransparencyReport.model_validate_json(data)
        assert report.figure("actioned.harm.grooming").value == 2
    elif fmt == "pdf":
        assert data.startswith(b"%PDF-")
    elif fmt == "html":
        assert b"<svg" in data
    else:
        assert len(list(csv.reader(io.StringIO(data.decode())))) > 10
    assert not list(workdir.glob(".*.partial"))


def test_json_goes_to_standard_output_without_a_file(stored: Container) -> None:
    result = run("transparency", *FEBRUARY, "--format", "json")
    report = TransparencyReport.model_validate_json(result.stdout)
    assert report.figure("actioned").value == 3


def test_the_decisions_export_has_every_decision_and_no_content(
    stored: Container, workdir: Path
) -> None:
    out = workdir / "decisions.csv"
    result = run("decisions", *FEBRUARY, "--output", str(out))
    assert "5 decisions from 1 February 2021 to 28 February 2021 written to" in words(result.stderr)
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["event_id"] for r in rows] == ["r-1", "r-2", "p-adult", "p-child", "m-1"]
    contact = rows[-1]
    assert (contact["verdict"], contact["harm"]) == ("block", "other")
    assert contact["rules"] == "adult-contact-with-unconnected-child"
    assert "hi" not in {value for row in rows for value in row.values()}  # never the text
