"""The officer's web page through FastAPI's TestClient (no browser, no network): the form,
errors next to their fields, prior aid by upload and paste, the ledger's Reserve, the
no-ledger mode, and the texts in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from deminimis.http import ApiSettings, create_app
from deminimis.ledger import get_reservation
from deminimis.web.i18n import all_texts

from .conftest import FIXTURES

FIXTURE_FORM = {"orgnr": "912346803", "amount": "150000", "currency": "NOK", "grant_date": "17.05.2021"}
AWARDS = FIXTURES / "awards.csv"


def make_client(tmp_path: Path, **settings) -> TestClient:
    options = {"db_url": str(tmp_path / "ledger.sqlite"), "init": True, "firms_file": FIXTURES / "firms.csv"}
    return TestClient(create_app(ApiSettings(**{**options, **settings})))


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return make_client(tmp_path)


def words(html: str) -> str:
    """The page's visible text, one space between words."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def field_errors(html: str) -> dict[str, str]:
    """Error lists by the field they belong to (``<ul id="<field>-error">``)."""
    found = re.findall(r'<ul class="field-errors" id="([\w]+)-error">(.*?)</ul>', html, re.S)
    return {name: words(body).strip() for name, body in found}


def check(client: TestClient, lang: str = "nb", files=None, **fields) -> tuple[int, str]:
    data = {**FIXTURE_FORM, "lang": lang, **fields}
    response = client.post("/check", data=data, files=files, follow_redirects=False)
    if response.status_code != 303:
        return response.status_code, response.text
    return 303, client.get(response.headers["location"]).text


# ----------------------------------------------------------------------------- texts and the bare page


def test_both_languages_have_the_same_texts() -> None:
    texts = all_texts()
    assert set(texts["nb"]) == set(texts["en"]), set(texts["nb"]) ^ set(texts["en"])


def test_the_page_is_bokmal_by_default_labels_every_field_and_loads_nothing_from_elsewhere(client) -> None:
    html = client.get("/").text
    assert '<html lang="nb">' in html and "Organisasjonsnummer" in html
    ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="(\w+)"', html))
    labelled = set(re.findall(r'<label for="(\w+)"', html))
    assert ids and ids <= labelled, ids - labelled
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    assert all(client.get(f"/static/{name}").status_code == 200 for name in ("style.css", "app.js"))
    english = client.get("/?lang=en").text
    assert '<html lang="en">' in english and "Organisation number" in english


# ----------------------------------------------------------------------------- a single check


def test_a_fixture_check_shows_route_figures_window_and_counted_awards(client) -> None:
    files = {"declaration": ("awards.csv", AWARDS.read_bytes(), "text/csv")}
    status, html = check(client, files=files)
    text = words(html)
    assert status == 303
    assert 'data-route="de_minimis"' in html and "Bagatellmessig støtte (de minimis)" in text
    assert "01.01.2019 til og med 17.05.2021" in text
    assert "EUR 115\u00a0780,00" in text and "EUR 14\u00a0900,91" in text and "EUR 69\u00a0319,09" in text
    assert "awards.csv, rad 2" in text and "9,782" in text  # counted award: file, row and its ECB rate
    assert "kompensasjonsordningen (den midlertidige rammen punkt 3.1)" in text
    assert "telles under kompensasjonsordningen" in text
    assert "KAFE BRYGGA AS" in text and "Bodø" in text  # firm facts from the firms file
    assert "For tildelingsdato 17.05.2021 gjelder" in text  # the reasons text
    assert 'id="reserve"' in html  # the ledger is on and the grant fits


def test_the_result_in_english_and_the_letter_download(client) -> None:
    response = client.post("/check", data={**FIXTURE_FORM, "lang": "en", "prior_rows": AWARDS.read_text()})
    text = words(response.text)
    assert "2019-01-01 to 2021-05-17 inclusive" in text and "EUR 115,780.00" in text
    key = re.search(r"/result/([\w-]+)/letter.txt", response.text).group(1)
    letter = client.get(f"/result/{key}/letter.txt?lang=nb")
    assert letter.status_code == 200 and "attachment" in letter.headers["content-disposition"]
    assert "912 346 803" in letter.text
    decision = client.get(f"/result/{key}/decision.json").json()
    assert decision["route"] == "de_minimis" and decision["new_aid_eur"] == "14900.91"


def test_pasted_rows_without_a_header_are_counted(client) -> None:
    status, html = check(client, prior_rows="912346803\t12.06.2019\t350 000\tNOK\tbagatellmessig støtte")
    assert status == 303 and "EUR 35\u00a0780,00" in words(html)


def test_linked_firms_make_one_undertaking(client) -> None:
    rows = "912346803;2019-06-12;350000;NOK;de_minimis\n912347915;2020-05-05;800000;NOK;de_minimis"
    _, alone = check(client, prior_rows=rows)
    _, linked = check(client, prior_rows=rows, linked="912347915")
    assert "EUR 35\u00a0780,00" in words(alone) and "EUR 115\u00a0780,00" not in words(alone)
    assert re.search(r"Sum medregnet</th><td class=\"num\">EUR 1\d\d\u00a0", linked)


def test_errors_are_shown_next_to_their_fields_never_as_a_stack_trace(client) -> None:
    status, html = check(
        client,
        lang="en",
        orgnr="912346804",
        amount="a lot",
        currency="XYZ",
        grant_date="30.02.2021",
        linked="12345",
        prior_rows="912346803;2019-13-01;100;NOK;de_minimis",
    )
    errors = field_errors(html)
    assert status == 422 and "Traceback" not in html
    assert "check digit (MOD11)" in errors["orgnr"]
    assert "as a number" in errors["amount"]
    assert "Unknown currency 'XYZ'" in errors["currency"]
    assert "does not exist" in errors["grant_date"]
    assert "must be 9 digits" in errors["linked"]
    assert "row 1, field granted_on" in errors["prior_rows"]
    assert 'value="a lot"' in html  # the form keeps what was typed
    assert 'aria-invalid="true"' in html


def test_what_was_typed_is_escaped(client) -> None:
    status, html = check(client, orgnr="<script>alert(1)</script>")
    assert status == 422 and "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_an_unreadable_declaration_is_named_next_to_the_upload_field(client) -> None:
    files = {"declaration": ("egenerklaering.xlsx", b"\x89PNG not a spreadsheet", "application/octet-stream")}
    status, html = check(client, files=files)
    assert status == 422 and "egenerklaering.xlsx" in field_errors(html)["declaration"]


def test_a_broken_declaration_row_names_file_row_and_field(client) -> None:
    data = (
        "orgnr;granted_on;amount;currency;basis\n"
        "912346803;2019-06-12;350000;NOK;de_minimis\n912346803;x;1;NOK;de_minimis\n"
    )
    status, html = check(client, files={"declaration": ("mine.csv", data.encode(), "text/csv")})
    assert status == 422 and "mine.csv, rad 3, kolonne «tildelingsdato»" in field_errors(html)["declaration"]


def test_a_declaration_without_its_columns_is_said_in_the_pages_language(client) -> None:
    files = {
        "declaration": ("mine.csv", b"orgnr;granted_on;basis\n912346803;2019-06-12;de_minimis\n", "text/csv")
    }
    status, html = check(client, files=files)
    said = field_errors(html)["declaration"]
    assert status == 422 and "mine.csv: mangler kolonnen «beløp» for tidligere støtte" in said
    assert "missing" not in said and "amount" not in said
    status, html = check(client, lang="en", files=files)
    assert (
        status == 422 and "mine.csv: missing column(s) amount for awards" in field_errors(html)["declaration"]
    )


def test_the_declaration_template_reads_back(client, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(FIXTURES / "templates" / "egenerklaering.xlsx")
    sheet = book.worksheets[0]
    header = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "Organisasjonsnummer")
    for col, value in enumerate(["912346803", "Bodø kommune", "bagatellmessig støtte", 350000, "NOK",
                                 "12.06.2019", "2019/123"], start=1):  # fmt: skip
        sheet.cell(header + 1, col, value)
    book.save(tmp_path / "decl.xlsx")
    files = {"declaration": ("decl.xlsx", (tmp_path / "decl.xlsx").read_bytes(), "application/octet-stream")}
    status, html = check(client, files=files)
    assert status == 303 and "EUR 35\u00a0780,00" in words(html) and "decl.xlsx" in words(html)


# ----------------------------------------------------------------------------- ledger and no ledger


def test_reserve_holds_the_grant_in_the_ledger_and_shows_its_id(client) -> None:
    response = client.post("/check", data={**FIXTURE_FORM, "lang": "en", "prior_rows": AWARDS.read_text()})
    key = re.search(r"/result/([\w-]+)/reserve", response.text).group(1)
    form = {"lang": "en", "actor": "kari", "reference": "2021/7"}
    reserved = client.post(f"/result/{key}/reserve", data=form)
    text = words(reserved.text)
    assert "Reserved: reservation no. 1" in text and 'id="reserve"' not in reserved.text
    record = get_reservation(client.app.state.ledger, 1)
    assert record.actor == "kari" and record.amount == "150000.00" and record.reference == "2021/7"


def test_reserve_needs_the_api_key_when_the_server_has_one(tmp_path: Path) -> None:
    client = make_client(tmp_path, api_key="s3cret")
    response = client.post("/check", data={**FIXTURE_FORM, "lang": "en", "prior_rows": AWARDS.read_text()})
    assert 'id="api_key"' in response.text
    key = re.search(r"/result/([\w-]+)/reserve", response.text).group(1)
    wrong = client.post(f"/result/{key}/reserve", data={"lang": "en", "api_key": "guess"})
    assert "wrong or missing API key" in words(wrong.text)
    right = client.post(f"/result/{key}/reserve", data={"lang": "en", "api_key": "s3cret"})
    assert "Reserved: reservation no. 1" in words(right.text)


def test_without_a_ledger_the_page_works_and_offers_no_reserve(tmp_path: Path) -> None:
    client = make_client(tmp_path, db_url=str(tmp_path / "none.sqlite"), init=False, ledger_optional=True)
    assert 'id="use_ledger"' not in client.get("/").text
    status, html = check(client, prior_rows=AWARDS.read_text())
    assert status == 303 and 'data-route="de_minimis"' in html
    assert 'id="reserve"' not in html and 'id="no-ledger"' in html
    assert client.get("/v1/health").json()["ledger"] == "off"
    plain = client.post("/v1/check", json={**FIXTURE_FORM, "grant_date": "2021-05-17"})
    assert plain.status_code == 200 and plain.json()["route"] == "de_minimis"  # a check needs no ledger


def test_the_ledger_prior_aid_is_used_when_asked(client) -> None:
    from deminimis.ledger import import_awards

    import_awards(client.app.state.ledger, AWARDS, actor="test")
    _, used = check(client, use_ledger="on")
    _, unused = check(client)
    assert "EUR 115\u00a0780,00" in words(used) and "EUR 115\u00a0780,00" not in words(unused)


# ----------------------------------------------------------------------------- small endpoints


def test_the_orgnr_lookup_answers_json_with_the_firm_box(client) -> None:
    facts = client.get("/firm/912346803?year=2021").json()
    assert facts["name"] == "KAFE BRYGGA AS" and facts["kommune"] == "Bodø" and facts["zone"] == "IVa"
    assert "KAFE BRYGGA AS" in facts["html"]
    bad = client.get("/firm/912346804").json()
    assert not bad["found"] and "MOD11" in bad["html"]


def test_an_unknown_result_id_is_a_message_not_an_error(client) -> None:
    response = client.get("/result/nope")
    assert response.status_code == 404 and "lenger" in words(response.text)


# ----------------------------------------------------------------------------- deminimis serve


def test_serve_passes_the_page_options_and_can_run_without_a_ledger(tmp_path: Path, monkeypatch) -> None:
    import uvicorn
    from click.testing import CliRunner

    from deminimis.ledger_cli import serve

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port: seen.update(app=app))
    args = ["--db", str(tmp_path / "none.sqlite"), "--firms", str(FIXTURES / "firms.csv")]
    args += ["--awards", str(AWARDS)]
    result = CliRunner().invoke(serve, [*args, "--optional-ledger"])
    assert result.exit_code == 0 and "ledger off" in result.output
    assert not (tmp_path / "none.sqlite").exists()
    client = TestClient(seen["app"])
    assert client.get("/firm/912346803").json()["name"] == "KAFE BRYGGA AS"
    _, html = check(client)  # no prior aid typed: the --awards register is counted
    assert "awards.csv" in words(html) and "EUR 115\u00a0780,00" in words(html)
