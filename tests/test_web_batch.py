"""The web page's batch upload and its headroom-calendar display (TestClient, no browser)."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator

import openpyxl
import pytest
from fastapi.testclient import TestClient

from deminimis import check
from deminimis.models import HeadroomStep
from deminimis.web.store import CheckEntry

from .conftest import FIXTURES
from .test_web import field_errors, make_client, words


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:
    with make_client(tmp_path) as running:  # the app's shutdown removes the runs' temporary files
        yield running


def wait_done(client: TestClient, location: str) -> str:
    key = location.split("/batch/")[1].split("?")[0]
    for _ in range(200):
        if client.get(f"/batch/{key}/status").json()["status"] != "running":
            break
        time.sleep(0.05)
    return client.get(location).text


def test_a_batch_upload_counts_routes_lists_row_errors_and_gives_the_workbook(client) -> None:
    files = {
        "applications": ("applications.csv", (FIXTURES / "applications.csv").read_bytes(), "text/csv"),
        "awards": ("awards.csv", (FIXTURES / "awards.csv").read_bytes(), "text/csv"),
        "links": ("links.csv", (FIXTURES / "links.csv").read_bytes(), "text/csv"),
    }
    response = client.post("/batch", files=files, data={"lang": "en"}, follow_redirects=False)
    assert response.status_code == 303
    html = wait_done(client, response.headers["location"])
    text = words(html)
    assert "Done: 8 applications." in text
    counts = dict(re.findall(r'data-route="(\w+)">(\d+)<', html))
    assert sum(map(int, counts.values())) == 8 and counts["error"] == "1"
    row_a8 = r"<td>applications.csv</td><td class=\"num\">9</td><td>orgnr</td>"
    assert re.search(row_a8, html)
    link = re.search(r'href="(/batch/[\w-]+/decisions.xlsx)"', html).group(1)
    workbook = client.get(link)
    assert workbook.status_code == 200 and "attachment" in workbook.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames == ["decisions", "errors", "counted", "json"]
    assert book["decisions"].max_row == 9


def test_an_unreadable_applications_file_is_named_next_to_its_field(client) -> None:
    files = {"applications": ("list.xlsx", b"not a spreadsheet", "application/octet-stream")}
    response = client.post("/batch", files=files, data={"lang": "en"})
    assert response.status_code == 422 and "list.xlsx" in field_errors(response.text)["applications"]
    missing = client.post("/batch", data={"lang": "en"})
    assert missing.status_code == 422 and "Fill in" in field_errors(missing.text)["applications"]


def test_a_links_file_without_its_columns_is_said_in_the_pages_language(client) -> None:
    files = {
        "applications": ("applications.csv", (FIXTURES / "applications.csv").read_bytes(), "text/csv"),
        "links": ("links.csv", b"orgnr,amount\n912346803,1\n", "text/csv"),
    }
    nb = field_errors(client.post("/batch", files=files, data={"lang": "nb"}).text)["links"]
    assert "mangler kolonnen «konsern» for koblinger mellom foretak" in nb
    assert "missing" not in nb and "undertaking_id" not in nb
    en = field_errors(client.post("/batch", files=files, data={"lang": "en"}).text)["links"]
    assert "missing column(s) undertaking_id for links" in en


def test_a_broken_prior_aid_file_in_a_batch_names_file_row_and_field(client) -> None:
    files = {
        "applications": ("applications.csv", (FIXTURES / "applications.csv").read_bytes(), "text/csv"),
        "awards": ("prior.csv", b"orgnr,granted_on,amount,basis\n912346803,2019-06-12,x,gber\n", "text/csv"),
    }
    response = client.post("/batch", files=files, data={"lang": "en"})
    assert response.status_code == 422
    assert "prior.csv, row 2, field amount" in field_errors(response.text)["awards"]


def test_an_unknown_batch_is_a_message(client) -> None:
    assert client.get("/batch/nope").status_code == 404
    assert client.get("/batch/nope/decisions.xlsx").status_code == 404


# ----------------------------------------------------------------------------- headroom calendar


def _with_calendar(client: TestClient) -> str:
    """A hand-made decision that does not fit, with two calendar steps, stored as a result."""
    d = check(orgnr="912346803", amount="1500000", currency="NOK", grant_date="2021-05-17",
              awards=str(FIXTURES / "awards.csv"))  # fmt: skip
    steps = [
        HeadroomStep(date=day, headroom_eur=room, freed_eur=freed, max_grant=most)
        for day, room, freed, most in (
            ("2022-01-01", "119780.00", "35780.00", "1205765.37"),
            ("2023-01-01", "200000.00", "80000.00", "2013300.00"),
        )
    ]
    d = d.model_copy(update={"headroom_calendar": steps})
    return client.app.state.web_store.add_check(CheckEntry(form={}, rows=[], decision=d))


def test_the_headroom_calendar_is_shown_with_dates_room_and_the_largest_grant(client) -> None:
    key = _with_calendar(client)
    nb = words(client.get(f"/result/{key}").text)
    assert "Når blir det plass?" in nb
    assert "01.01.2022 119\u00a0780,00 inntil NOK 1\u00a0205\u00a0765,37 35\u00a0780,00" in nb
    assert "bare med støtten som er kjent i dag" in nb
    en = words(client.get(f"/result/{key}?lang=en").text)
    assert "2023-01-01 200,000.00 up to NOK 2,013,300.00 80,000.00" in en
    assert "counts only the aid known today" in en and "same regulation" in en
    assert "Only a grant that fits as de minimis aid can be reserved." in en


def test_no_calendar_section_when_the_decision_has_none(client) -> None:
    files = {"declaration": ("awards.csv", (FIXTURES / "awards.csv").read_bytes(), "text/csv")}
    data = {"orgnr": "912346803", "amount": "150000", "currency": "NOK", "grant_date": "2021-05-17"}
    html = client.post("/check", data=data, files=files).text
    assert 'data-route="de_minimis"' in html and 'id="calendar"' not in html


def test_a_batch_upload_with_an_events_file_counts_the_predecessors_aid(client) -> None:
    apps = "orgnr,amount,currency,grant_date\n920000002,100000,EUR,2025-06-01\n"
    awards = "orgnr,granted_on,amount,currency,basis\n920000010,2023-05-01,250000,EUR,de_minimis\n"
    events = "hendelse,forgjenger,etterfølger,virkningsdato\noppkjøp,920000010,920000002,2024-12-01\n"
    files = {
        "applications": ("a.csv", apps.encode(), "text/csv"),
        "awards": ("aw.csv", awards.encode(), "text/csv"),
        "events": ("hendelser.csv", events.encode(), "text/csv"),
    }
    response = client.post("/batch", files=files, data={"lang": "en"}, follow_redirects=False)
    assert response.status_code == 303
    html = wait_done(client, response.headers["location"])
    counts = dict(re.findall(r'data-route="(\w+)">(\d+)<', html))
    assert counts == {"gber": "1"}  # 250,000 of the acquired firm + 100,000 > 300,000
    assert 'name="events"' in client.get("/batch").text


def test_the_web_batch_workbook_carries_the_officers_own_columns_in_their_place(client) -> None:
    """The same own columns as `deminimis batch --headers nb` (one case, every front door)."""
    csv = (
        "Saksbehandler,application_id,orgnr,amount,currency,grant_date,Kommentar\n"
        "Kari,S1,974760673,150000,EUR,2021-05-17,=Ring søker\n"
        "Ola,S2,974760673,1000,EUR,2021-06-01,ok\n"
    )
    files = {"applications": ("liste.csv", csv.encode(), "text/csv")}
    response = client.post("/batch", files=files, data={"lang": "nb"}, follow_redirects=False)
    html = wait_done(client, response.headers["location"])
    link = re.search(r'href="(/batch/[\w-]+/decisions.xlsx)"', html).group(1)
    book = openpyxl.load_workbook(io.BytesIO(client.get(link).content))
    sheet = book[book.sheetnames[0]]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Saksbehandler", "søknadsnummer", "organisasjonsnummer"]
    assert header.index("Kommentar") == header.index("tildelingsdato") + 1  # after grant_date's column
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [(r["Saksbehandler"], r["Kommentar"]) for r in rows] == [("Kari", "=Ring søker"), ("Ola", "ok")]
    assert sheet.cell(2, header.index("Kommentar") + 1).data_type == "s"  # text, not a formula
