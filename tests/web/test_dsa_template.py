"""The EU DSA template's parts (Implementing Regulation (EU) 2024/2835), downloaded as a ZIP of
CSV parts and as an XLSX workbook, and the qualitative part (Annex II) in the API's report.

The headings, applicability wording and row order below are the template's, written down from
harmonised-template reports published in it (checked 2026-12-07); a change in ours that
departs from them fails here. No item the engine records is left empty: the median time to
take action on notices is computed whenever a notice was decided.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import httpx
import pytest

from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from tests.conftest import auth
from tests.web.test_transparency_page import FEBRUARY, logged_in, stored  # noqa: F401

pytestmark = pytest.mark.anyio
PARTS = [
    "1_report_identification.csv", "4_notices.csv", "5_own_initiative_illegal.csv",
    "7_appeals_and_recidivism.csv", "11_qualitative.csv",
]  # fmt: skip
NOTICE_HEADER = (
    "Applicability,Service,Reporting period,Category of illegal content,"
    '"Description of the sub-category ""Other""",Number of notices received ,'
    "Number of notices received from Trusted flaggers,"
    "Number of specific items of information included in the total number of notices,"
    "Number of specific items of information included in the total number of notices by "
    "Trusted Flaggers (Trusted Flagger notices),Median time to take action,"
    "Median time to take action (Trusted Flagger notices),"
    "Number of actions taken on the basis of the law,"
    "Number of actions taken on the basis of the law (Trusted Flagger notices),"
    "Number of actions taken on the basis of the terms and conditions of the service,"
    "Number of actions taken on the basis of the terms and conditions of the service "
    "(Trusted Flagger notices)"
)
ANNEX_II = [
    "Summary of the content moderation engaged in at the providers\u2019 own initiative",
    "Meaningful and comprehensible information regarding content moderation engaged in at the "
    "providers' own initiative",
    "Qualitative description of the automated means",
    "Qualitative description of indicators of accuracy and possible rate of error of automated "
    "means",
    "Specification of the precise purposes to apply automated means",
    "Safeguards applied to the use of automated means",
    "High-level description of the content moderation governance structure",
    "Qualifications of the human resources dedicated to content moderation",
    "Training given to human resources dedicated to content moderation",
    "Support given to human resources dedicated to content moderation",
    "Methodology used to compute the number of human resources dedicated to content moderation",
    "Information about Article 9 and 10 orders from Member States\u2019 authorities",
    "Information about notices received through the notice and action mechanism",
    "Information about complaints received through the internal complaint handling systems "
    "(i.e. appeals)",
    "Information about complaints received through out-of-court dispute settlements",
    "Information about Article 23 suspensions imposed to protect against misuse",
    "Other information",
]


def read_parts(content: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
        }


MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def read_xlsx(content: bytes) -> dict[str, list[list[str]]]:
    """Each sheet's cells, by the workbook's own XML (sheet names from workbook.xml)."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        listed = ET.fromstring(book.read("xl/workbook.xml")).iter(f"{MAIN}sheet")
        names = [str(sheet.get("name")) for sheet in listed]
        return {
            name: [_row(row) for row in _rows(book.read(f"xl/worksheets/sheet{i}.xml"))]
            for i, name in enumerate(names, start=1)
        }


def _rows(sheet: bytes) -> list[ET.Element]:
    return list(ET.fromstring(sheet).iter(f"{MAIN}row"))


def _row(row: ET.Element) -> list[str]:
    cells: dict[int, str] = {}
    for cell in row.iter(f"{MAIN}c"):
        letters = re.match(r"[A-Z]+", cell.get("r", "A"))
        text = cell.findtext(f"{MAIN}v") or cell.findtext(f"{MAIN}is/{MAIN}t")
        cells[_column_index(letters.group(0) if letters else "A")] = text or ""
    return [cells.get(i, "") for i in range(max(cells, default=-1) + 1)]


def _column_index(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number - 1


async def download(container: Container, fmt: str) -> bytes:
    async with logged_in(container, Role.REGULATOR) as client:
        answer = await client.get(f"/ui/transparency/export?format={fmt}&{FEBRUARY}")
    assert answer.status_code == 200, answer.text
    return answer.content


async def test_the_parts_are_the_templates_cell_for_cell(stored: Container) -> None:  # noqa: F811
    parts = read_parts(await download(stored, "dsa-zip"))
    assert list(parts) == PARTS
    notices = parts["4_notices.csv"]
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(notices[0][:15])
    assert out.getvalue() == NOTICE_HEADER
    assert [r[3] for r in notices[1:4]] == [
        "TOTAL", "STATEMENT_CATEGORY_ANIMAL_WELFARE", "KEYWORD_ANIMAL_HARM",
    ]  # fmt: skip
    total = notices[1]
    assert total[0] == "Only for providers of hosting services, including online platforms"
    assert total[2] == "2021-02-01/2021-02-28"
    assert float(total[9]) >= 0, "the median time to take action is computed, in hours"
    for column in range(5, 15):  # each figure is given, or its contextual cell says why not
        assert total[column] or total[column + 10], notices[0][column]
    ident = {r[2]: r[3] for r in parts["1_report_identification.csv"][1:]}
    assert ident["Name of the service provider"] == "Example Chat Ltd"
    assert ident["Starting date of reporting period"] == "2021-02-01"
    qualitative = parts["11_qualitative.csv"]
    assert [r[3] for r in qualitative[1:]] == ANNEX_II
    assert all(r[4] for r in qualitative[1:]), "no qualitative item is left empty"


async def test_the_workbook_holds_the_same_parts(stored: Container) -> None:  # noqa: F811
    parts = read_parts(await download(stored, "dsa-zip"))
    sheets = read_xlsx(await download(stored, "dsa-xlsx"))
    assert list(sheets) == [Path(name).stem for name in PARTS]
    for name, rows in parts.items():
        sheet = sheets[Path(name).stem]
        assert len(sheet) == len(rows), name
        pairs = zip(sheet, rows, strict=True)
        padded = [cells + [""] * (len(row) - len(cells)) for cells, row in pairs]
        assert padded == rows, name


async def test_the_api_report_answers_every_annex_ii_indicator(stored: Container) -> None:  # noqa: F811
    key = stored.keys.create("api-admin", "admin")[0]

    transport = httpx.ASGITransport(app=create_app(stored, run_outbox_worker=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.get(f"/v1/transparency?{FEBRUARY}", headers=auth(key))
    items = answer.json()["qualitative"]
    assert [i["indicator"] for i in items] == ANNEX_II
    assert "Example Chat Ltd" in items[0]["value"]
    notices = next(i for i in items if "notice and action" in i["indicator"])
    assert "hours" in notices["value"]


async def test_no_applicable_item_of_the_single_csv_is_empty(stored: Container) -> None:  # noqa: F811
    rows = list(csv.DictReader(io.StringIO((await download(stored, "dsa-csv")).decode())))
    (median,) = [r for r in rows if r["item"] == "Median time to take action (hours)"]
    assert median["applies"] == "yes"
    assert float(median["value"]) >= 0
    assert [r["item"] for r in rows if r["applies"] == "yes" and not r["value"]] == []
