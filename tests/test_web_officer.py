"""The officer's page as a case file needs it (issue 17): the source column, the currency list,
the page title, the error summary, an upload kept when the form comes back, and the batch
result's list of applications with their case notes. Through TestClient (no browser)."""

from __future__ import annotations

import html as html_mod
import re
from pathlib import Path

import pytest

from deminimis.fx import currencies
from deminimis.web.render import CURRENT_WITHIN_DAYS, current_currencies

from .conftest import FIXTURES
from .test_web import AWARDS, check, field_errors, make_client, words
from .test_web_batch import wait_done


@pytest.fixture
def client(tmp_path: Path):
    return make_client(tmp_path)


def _title(page: str) -> str:
    return html_mod.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))


def _textarea(page: str, name: str) -> str:
    return html_mod.unescape(re.search(rf'<textarea id="{name}"[^>]*>(.*?)</textarea>', page, re.S).group(1))


def test_the_source_column_names_the_file_and_row_never_a_server_path(tmp_path: Path) -> None:
    client = make_client(tmp_path, awards_file=AWARDS)  # the server's own register file, by full path
    files = {"declaration": ("awards.csv", AWARDS.read_bytes(), "text/csv")}
    status, page = check(client, files=files)
    counted = re.search(r'<table class="counted".*?</table>', page, re.S).group(0)
    assert status == 303 and "awards.csv, rad 2" in words(counted)
    assert str(FIXTURES) not in counted and "/" not in re.sub(r"<[^>]+>", "", counted)
    _, english = check(client, lang="en", files=files)
    counted = re.search(r'<table class="counted".*?</table>', english, re.S).group(0)
    assert "awards.csv, row 3" in words(counted) and str(FIXTURES) not in counted


def test_only_currencies_with_a_current_ecb_rate_are_offered(client) -> None:
    offered = re.findall(r"<option(?: selected)?>([A-Z]{3})</option>", client.get("/").text)
    assert offered == current_currencies(None) and {"EUR", "NOK", "SEK", "USD"} <= set(offered)
    legacy = {"SIT", "LTL", "LVL", "EEK", "HRK", "BGN", "RUB", "TRL"}
    assert legacy <= set(currencies(None)) and not legacy & set(offered)
    assert CURRENT_WITHIN_DAYS == 30


def test_the_page_title_says_the_result_in_both_languages(client) -> None:
    _, nb = check(client, prior_rows=AWARDS.read_text())
    assert _title(nb) == "Bagatellmessig støtte kan gis: KAFE BRYGGA AS – deminimis"
    _, en = check(client, lang="en", prior_rows=AWARDS.read_text())
    assert _title(en) == "De minimis aid can be granted: KAFE BRYGGA AS – deminimis"
    _, over = check(client, amount="2500000", prior_rows=AWARDS.read_text(), use_ledger="")
    assert _title(over).startswith("Ikke bagatellmessig støtte – vurder gruppeunntaket")
    _, wrong = check(client, orgnr="912346804")
    assert _title(wrong) == "Skjemaet har feil – Bagatellmessig støtte – kontroll – deminimis"
    assert _title(client.get("/").text) == "Bagatellmessig støtte – kontroll – deminimis"


def test_the_error_summary_links_to_each_field_and_each_field_to_its_error(client) -> None:
    status, page = check(client, orgnr="912346804", amount="", grant_date="30.02.2021")
    assert status == 422
    summary = re.search(r'<div class="alert stop error-summary".*?</div>', page, re.S).group(0)
    links = re.findall(r'<a href="#(\w+)">([^<]*)</a>', summary)
    assert [name for name, _ in links] == ["orgnr", "amount", "grant_date"], links
    assert links[0][1].startswith("Organisasjonsnummer: ") and "kontrollsiffer" in links[0][1]
    errors = field_errors(page)
    for name, _ in links:
        field = re.search(rf'<input type="text" id="{name}"[^>]*>', page).group(0)
        assert f"{name}-error" in re.search(r'aria-describedby="([^"]*)"', field).group(1)
        assert 'aria-invalid="true"' in field and errors[name]
    assert 'tabindex="-1"' in summary  # the page's script moves focus to it


def test_a_declaration_with_an_error_keeps_its_rows_in_the_paste_box(client) -> None:
    data = (
        "Organisasjonsnummer;Dato for tilsagn om støtte;Støttebeløp;Valuta;"
        "Støtteordning / hjemmel;Støttegiver\n"
        "912346803;12.06.2019;350000;NOK;bagatellmessig støtte;Bodø kommune\n"
        "912346803;31.11.2020;80 000;EUR;bagatellmessig støtte;Innovasjon Norge\n"
    )
    files = {"declaration": ("egenerklaering.csv", data.encode(), "text/csv")}
    status, page = check(client, files=files)
    assert status == 422 and "egenerklaering.csv, rad 3" in field_errors(page)["declaration"]
    kept = _textarea(page, "prior_rows")
    lines = kept.splitlines()
    assert lines[0] == "Organisasjonsnummer;Tildelingsdato;Beløp;Valuta;Støttegrunnlag;Støttegiver;Referanse"
    assert lines[1:] == [
        "912346803;12.06.2019;350000;NOK;bagatellmessig støtte;Bodø kommune;",  # as written
        "912346803;31.11.2020;80 000;EUR;bagatellmessig støtte;Innovasjon Norge;",
    ]
    assert "Innholdet i egenerklaering.csv står nå i feltet over" in words(page)
    fixed = kept.replace("31.11.2020", "03.11.2020")
    status, result = check(client, prior_rows=fixed)  # no second upload
    assert status == 303 and "EUR 115\u00a0780,00" in words(result)


def test_an_upload_is_kept_when_another_field_is_wrong_and_typed_rows_stay_first(client) -> None:
    typed = "912346803;2020-11-03;80000;EUR;de_minimis"
    files = {"declaration": ("awards.csv", AWARDS.read_bytes(), "text/csv")}
    status, page = check(client, lang="en", files=files, prior_rows=typed, amount="")
    assert status == 422 and "amount" in field_errors(page) and "declaration" not in field_errors(page)
    lines = _textarea(page, "prior_rows").splitlines()
    assert lines[0].startswith("orgnr;granted_on;amount;currency;basis;grantor;reference")
    uploaded = len(AWARDS.read_text().splitlines()) - 1
    assert lines[1].startswith("912346803;2020-11-03;80000;EUR;de_minimis") and len(lines) == 2 + uploaded


def _batch(client, lang: str) -> tuple[str, str]:
    names = ("applications", "awards", "links")
    files = {n: (f"{n}.csv", (FIXTURES / f"{n}.csv").read_bytes(), "text/csv") for n in names}
    response = client.post("/batch", files=files, data={"lang": lang}, follow_redirects=False)
    location = response.headers["location"]
    return location.split("/batch/")[1].split("?")[0], wait_done(client, location)


def test_the_batch_result_lists_every_application_with_its_route_and_case_note(client) -> None:
    key, page = _batch(client, "nb")
    listed = re.search(r'<table id="batch-list".*?</table>', page, re.S).group(0)
    rows = re.findall(r'<tr data-n="(\d+)"><td>([^<]*)</td><td>(\d*)</td>.*?'
                      r'data-route="(\w+)">([^<]+)</span>.*?href="([^"]+)"', listed)  # fmt: skip
    assert [int(r[0]) for r in rows] == list(range(1, 9)) and rows[0][1] == "A1"
    assert sum(r[3] == "error" for r in rows) == 1 and {r[4] for r in rows} >= {"Feil i opplysningene"}
    assert _title(page) == "8 søknader avgjort – Mange søknader – deminimis"
    error = next(r for r in rows if r[3] == "error")
    note = client.get(error[5])
    assert note.status_code == 200 and _title(note.text).startswith(f"Saksnotat for søknad {error[1]}")
    text = words(note.text)
    assert "Rett feilene i inndataene og kjør kontrollen på nytt" in text and "organisasjonsnummer" in text
    fits = next(r for r in rows if r[3] == "de_minimis")
    body = html_mod.unescape(client.get(fits[5]).text)
    assert "Send vedtaksbrevet og registrer tildelingen" in body and "Kilder:" in body
    download = client.get(f"/batch/{key}/note/{fits[0]}/note.txt?lang=en")
    assert download.status_code == 200 and download.text.startswith("Case note")
    assert "attachment" in download.headers["content-disposition"]
    assert client.get(f"/batch/{key}/note/99").status_code == 404
    assert client.get(f"/batch/{key}/note/0/note.txt").status_code == 404


def test_the_batch_row_errors_are_in_bokmal_on_the_nb_page(client) -> None:
    _, page = _batch(client, "nb")
    errors = words(re.search(r'<table id="batch-errors".*?</table>', page, re.S).group(0))
    assert "applications.csv 9 organisasjonsnummer" in errors and " orgnr " not in errors


def test_a_long_batch_list_is_paged(client, monkeypatch) -> None:
    from deminimis.web import batch_notes

    monkeypatch.setattr(batch_notes, "PAGE_SIZE", 3)
    key, page = _batch(client, "en")
    assert len(re.findall(r'class="note-link"', page)) == 3 and 'aria-current="page">1<' in page
    last = client.get(f"/batch/{key}?lang=en&side=3").text
    assert re.findall(r'<tr data-n="(\d+)">', last) == ["7", "8"]


def test_the_declaration_template_asks_for_the_firm_its_group_and_a_signature(client) -> None:
    import io

    import openpyxl

    from deminimis.web.declaration import STATEMENT, csv_bytes, xlsx_bytes

    from .test_norwegian_voice import problems

    page = client.get("/").text
    assert 'href="/egenerklaering.xlsx"' in page and 'href="/egenerklaering.csv"' in page
    response = client.get("/egenerklaering.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    assert response.content == xlsx_bytes() == (FIXTURES / "templates" / "egenerklaering.xlsx").read_bytes()
    assert client.get("/egenerklaering.csv").content == csv_bytes()
    assert csv_bytes() == (FIXTURES / "templates" / "egenerklaering.csv").read_bytes()
    assert client.get("/egenerklaering.pdf").status_code == 404
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Egenerklæring", "Foretaket og underskrift", "Veiledning"]
    sheet = book["Foretaket og underskrift"]
    signed = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    for asked in ("Foretakets navn", "Organisasjonsnummer", "Ett enkelt foretak", "Tilknytning (morselskap",
                  STATEMENT, "Sted og dato", "Underskrift", "Navn med blokkbokstaver"):  # fmt: skip
        assert any(asked in cell for cell in signed), asked
    every = [str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row if c]
    every.append(csv_bytes().decode("utf-8-sig"))
    assert all(not problems(text) for text in every), [(t, problems(t)) for t in every if problems(t)]
    assert "ett enkelt foretak" in " ".join(every) and "ett og samme" not in " ".join(every)


def test_the_nb_pages_of_a_check_a_batch_and_a_case_note_are_norwegian(client) -> None:
    from .test_norwegian_voice import problems

    def visible(page: str) -> str:
        body = re.sub(r"<(script|style|textarea)[^>]*>.*?</\1>", " ", page, flags=re.S)
        return words(html_mod.unescape(body.replace("deminimis", " ")))

    _, result = check(client, prior_rows=AWARDS.read_text())
    _, wrong = check(client, orgnr="912346804", grant_date="30.02.2021")
    key, batch = _batch(client, "nb")
    note = client.get(f"/batch/{key}/note/8?lang=nb").text
    for name, page in (("result", result), ("errors", wrong), ("batch", batch), ("note", note)):
        text = visible(page).replace("English", " ").replace("API", " ")
        assert not problems(text), (name, problems(text))


# ------------------------------------------------------------------ events, link type, award country


def _decision(client, page: str) -> dict:
    key = re.search(r"/result/([\w-]+)/decision.json", page).group(1)
    return client.get(f"/result/{key}/decision.json").json()


APP = {"orgnr": "912346803", "amount": "150000", "currency": "NOK", "grant_date": "2021-05-17"}
PREDECESSOR_AID = "912347915;2020-05-05;800000;NOK;de_minimis;Nordland fylkeskommune;NFK-20-5"


def test_a_merger_typed_on_the_page_counts_the_predecessors_aid_as_the_python_api_does(client) -> None:
    from deminimis import check as api_check

    event = "fusjon;912347915;912346803;01.01.2021"
    status, page = check(client, prior_rows=PREDECESSOR_AID, events_rows=event, use_ledger="")
    web = _decision(client, page)
    awards = [dict(zip(("orgnr", "granted_on", "amount", "currency", "basis", "grantor", "reference"),
                       PREDECESSOR_AID.split(";"), strict=True))]  # fmt: skip
    events = [{"event": "merger", "predecessor_orgnr": "912347915", "successor_orgnr": "912346803",
               "effective_date": "2021-01-01"}]  # fmt: skip
    api = api_check(**APP, awards=awards, events=events).to_json_dict()
    alone = _decision(client, check(client, prior_rows=PREDECESSOR_AID, use_ledger="")[1])
    assert status == 303 and web["prior_de_minimis_eur"] == api["prior_de_minimis_eur"]
    assert web["prior_de_minimis_eur"] != alone["prior_de_minimis_eur"] == "0.00"
    assert web["route"] == api["route"] and web["counted"][0]["events"]


def test_a_wrong_event_line_is_named_next_to_its_field(client) -> None:
    status, page = check(client, events_rows="fusjon;912347915;912346803;31.02.2021")
    assert status == 422 and "rad 1" in field_errors(page)["events_rows"]
    assert 'href="#events_rows"' in page and 'id="events_rows"' in page


def test_a_link_type_typed_on_the_page_decides_as_the_links_table(client) -> None:
    from deminimis import check as api_check

    for typed, contract, counted in (("a", "a", True), ("offentlig organ", "public_body", False)):
        _, page = check(client, prior_rows=PREDECESSOR_AID, linked=f"912347915; {typed}", use_ledger="")
        web = _decision(client, page)
        links = [{"orgnr": o, "undertaking_id": "G", "link_type": t}
                 for o, t in (("912346803", None), ("912347915", contract))]  # fmt: skip
        awards = [{"orgnr": "912347915", "granted_on": "2020-05-05", "amount": "800000", "currency": "NOK",
                   "basis": "de_minimis"}]  # fmt: skip
        api = api_check(**APP, awards=awards, links=links).to_json_dict()
        assert web["prior_de_minimis_eur"] == api["prior_de_minimis_eur"], typed
        assert (web["prior_de_minimis_eur"] != "0.00") is counted, typed
    status, page = check(client, linked="912347915; q\n912347916")
    said = field_errors(page)["linked"]
    assert status == 422 and said.startswith("Linje 1: tilknytningen «q» er ukjent") and "Linje 2:" in said


def test_an_award_of_another_state_typed_on_the_page_is_shown_not_summed(client) -> None:
    from deminimis import check as api_check

    row = "912346803;2020-11-03;80000;EUR;de_minimis;Tillväxtverket;SE-1;SE"
    web = _decision(client, check(client, prior_rows=row, use_ledger="")[1])
    names = ("orgnr", "granted_on", "amount", "currency", "basis", "grantor", "reference", "country")
    award = dict(zip(names, row.split(";"), strict=True))
    api = api_check(**APP, awards=[award]).to_json_dict()
    assert web["counted"][0]["country"] == "SE" and web["counted"][0]["why"] == api["counted"][0]["why"]
    assert web["prior_de_minimis_eur"] == api["prior_de_minimis_eur"] == "0.00"


def test_a_currency_is_current_up_to_the_named_number_of_days_before_the_tables_last_fixing(tmp_path) -> None:
    rates = tmp_path / "rates.csv"
    rows = ["date,currency,rate", "2026-10-30,NOK,11.5", "2026-09-30,SEK,11.2", "2026-09-29,DKK,7.46"]
    rates.write_text("\n".join(rows) + "\n")  # SEK 30 days before the last fixing, DKK 31
    assert current_currencies(rates) == ["EUR", "NOK", "SEK"]


def test_the_batch_form_has_the_same_error_summary(client) -> None:
    files = {
        "applications": ("applications.csv", (FIXTURES / "applications.csv").read_bytes(), "text/csv"),
        "awards": ("prior.csv", b"orgnr,granted_on,amount,basis\n912346803,2019-06-12,x,gber\n", "text/csv"),
    }
    response = client.post("/batch", files=files, data={"lang": "nb"})
    links = re.findall(r'<a href="#(\w+)">([^<]*)</a>', response.text)
    assert response.status_code == 422 and links[0][0] == "awards" and 'id="awards"' in response.text
    label = "Tidligere støtte (XLSX eller CSV, valgfritt): prior.csv, rad 2"
    assert html_mod.unescape(links[0][1]).startswith(label)
    assert _title(response.text) == "Skjemaet har feil – Mange søknader – deminimis"
