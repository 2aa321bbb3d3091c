"""Rows of an uploaded applications file that are not applications (a title above the header, a
blank row, a totals row) reach every batch surface's output: nothing is lost silently."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl

from deminimis import check_batch

from .conftest import FIXTURES
from .test_http_api import make_client as api_client
from .test_web import make_client
from .test_web_batch import wait_done

IGNORED = [
    {"row": 1, "message": "above the header row", "message_nb": "over overskriftsraden"},
    {"row": 4, "message": "blank row", "message_nb": "tom rad"},
    {"row": 12, "message": "totals row ('Sum')", "message_nb": "summerad («Sum»)"},
]


def _with_title_blank_and_totals() -> bytes:
    lines = (FIXTURES / "applications.csv").read_text(encoding="utf-8").splitlines()
    blank = "," * (len(lines[0].split(",")) - 1)
    rows = ["Søknader om tilskudd 2026", lines[0], lines[1], blank, *lines[2:], "Sum" + blank]
    return ("\n".join(rows) + "\n").encode()


def _shown(errors: list[dict]) -> list[dict]:
    return [{k: e[k] for k in ("row", "message", "message_nb")} for e in errors if e["field"] == "(row)"]


def test_the_python_batch_lists_the_ignored_rows_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "applications.csv"
    path.write_bytes(_with_title_blank_and_totals())
    result = check_batch(path)
    assert len(result.decisions) == 8
    assert _shown([e.model_dump() for e in result.ignored]) == IGNORED


def test_an_uploaded_batch_counts_its_ignored_rows_and_reports_them_on_request(tmp_path: Path) -> None:
    client = api_client(tmp_path)
    files = {"applications": ("søknader.csv", _with_title_blank_and_totals(), "text/csv")}
    plain = client.post("/v1/batch", files=files)
    assert plain.status_code == 200 and len(plain.json()) == 8
    assert plain.headers["Deminimis-Ignored-Rows"] == "3"
    report = client.post("/v1/batch?report=true", files=files)
    assert report.status_code == 200
    body = report.json()
    assert body["decisions"] == plain.json()
    assert _shown(body["ignored"]) == IGNORED
    assert {e["file"] for e in body["ignored"]} == {"søknader.csv"}
    assert body["input_errors"] == []


def test_a_json_batch_ignores_nothing_and_sends_no_count(tmp_path: Path) -> None:
    client = api_client(tmp_path)
    item = {"orgnr": "912346803", "amount": "1000", "currency": "NOK", "grant_date": "2025-01-15"}
    r = client.post("/v1/batch?report=true", json=[item, {**item, "orgnr": ""}])
    assert r.status_code == 200 and r.json()["ignored"] == [] and len(r.json()["decisions"]) == 2
    assert "Deminimis-Ignored-Rows" not in client.post("/v1/batch", json=[item]).headers


def test_the_web_batch_lists_the_ignored_rows_on_the_page_and_in_the_workbook(tmp_path: Path) -> None:
    files = {"applications": ("søknader.csv", _with_title_blank_and_totals(), "text/csv")}
    with make_client(tmp_path) as client:
        response = client.post("/batch", files=files, data={"lang": "nb"}, follow_redirects=False)
        assert response.status_code == 303
        html = wait_done(client, response.headers["location"])
        for text in ("over overskriftsraden", "tom rad", "summerad («Sum»)"):
            assert text in html
        key = response.headers["location"].split("/batch/")[1].split("?")[0]
        book = openpyxl.load_workbook(io.BytesIO(client.get(f"/batch/{key}/decisions.xlsx").content))
    sheet = book.worksheets[1]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert cells[cells.index("tom rad") - 3 :][:4] == ["søknader.csv", "4", "rad", "tom rad"]
