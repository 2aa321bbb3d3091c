"""The officer's own applications columns (Saksbehandler, Kommentar …) reach every batch output,
in their place, with English and Norwegian headers (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import polars as pl
from click.testing import CliRunner

from deminimis.api import check_batch
from deminimis.cli import main
from deminimis.render.tables import FLAT_COLUMNS, read_decision_texts
from tests.conftest import FIXTURES

APPS = (
    "Saksbehandler;Søknadsnr;Org.nr;Kommentar;Beløp;Valuta;Vedtaksdato;Navn;Saksnummer\n"
    "Kari;S1;912346803;=Ring søker;150 000;NOK;17.05.2021;Brygga;2021/17\n"
    "Ola;S2;912346804;;100 000;NOK;01.06.2021;;2021/18\n"  # wrong check digit: route error, still carried
    ";;;;;;;;\n"  # a blank row: ignored, not a decision
    "Kari;S3;912349039;ok;100 000;NOK;01.03.2022;Fjord;2021/19\n"
)
OWN = ["Saksbehandler", "Kommentar", "Navn", "Saksnummer"]


def _apps(tmp_path: Path) -> Path:
    path = tmp_path / "soknader.csv"
    path.write_text(APPS, encoding="utf-8")
    return path


def _batch(tmp_path: Path, out: Path, *extra: str) -> None:
    args = [
        "batch",
        str(_apps(tmp_path)),
        "--awards",
        str(FIXTURES / "awards.csv"),
        "--out",
        str(out),
        *extra,
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 3, result.output  # S2 is an error row


def test_check_batch_keeps_the_officers_columns_as_written_with_where_they_stood(tmp_path: Path) -> None:
    extra = check_batch(_apps(tmp_path)).extra
    assert extra is not None and extra.frame.columns == OWN
    assert extra.frame.get_column("Kommentar").to_list() == ["=Ring søker", None, "ok"]
    assert extra.after["Saksbehandler"] == () and extra.after["Kommentar"] == ("orgnr", "application_id")
    assert extra.after["Saksnummer"][0] == "grant_date"  # «Saksnummer» is not an applications column
    assert check_batch(FIXTURES / "applications.csv").extra is None


def test_csv_carries_them_in_their_place_and_inert(tmp_path: Path) -> None:
    out = tmp_path / "d.csv"
    _batch(tmp_path, out)
    frame = pl.read_csv(out, infer_schema=False)
    cols = frame.columns
    assert cols[0] == "Saksbehandler" and cols[1:3] == ["application_id", "orgnr"]
    assert cols[3] == "Kommentar" and cols[cols.index("grant_date") + 1] == "Navn"  # not "name"
    assert cols[cols.index("Navn") + 1] == "Saksnummer"
    assert [c for c in cols if c not in OWN] == [*FLAT_COLUMNS, "decision_json"]
    assert frame.get_column("Kommentar").to_list() == ["'=Ring søker", None, "ok"]  # neutralised
    assert frame.get_column("Saksbehandler").to_list() == ["Kari", "Ola", "Kari"]
    assert len(read_decision_texts(out)) == 3


def test_xlsx_with_norwegian_headers_carries_them_as_text(tmp_path: Path) -> None:
    out = tmp_path / "d.xlsx"
    _batch(tmp_path, out, "--headers", "nb")
    sheet = openpyxl.load_workbook(out)["vedtak"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Saksbehandler", "søknadsnummer", "organisasjonsnummer", "Kommentar"]
    assert "Navn (søknad)" in header and "Saksnummer" in header and "navn" in header
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [r["Kommentar"] for r in rows] == ["=Ring søker", None, "ok"]  # text, not a formula
    assert [r["Saksnummer"] for r in rows] == ["2021/17", "2021/18", "2021/19"]
    assert [r["utfall"] for r in rows][1] == "feil i inndataene"


def test_json_and_jsonl_carry_an_extra_object_and_letters_still_read_them(tmp_path: Path) -> None:
    for suffix in (".json", ".jsonl"):
        out = tmp_path / f"d{suffix}"
        _batch(tmp_path, out)
        text = out.read_text(encoding="utf-8")
        items = json.loads(text) if suffix == ".json" else [json.loads(line) for line in text.splitlines()]
        assert [i["extra"]["Saksbehandler"] for i in items] == ["Kari", "Ola", "Kari"]
        assert items[0]["extra"] == {
            "Saksbehandler": "Kari", "Kommentar": "=Ring søker", "Navn": "Brygga", "Saksnummer": "2021/17",
        }  # fmt: skip
        assert list(items[0])[-1] == "extra" and items[0]["application_id"] == "S1"
        letters = CliRunner().invoke(main, ["letter", str(out), "--out", str(tmp_path / f"brev{suffix}")])
        assert letters.exit_code == 0, letters.output


def test_decision_objects_get_the_same_extra_object(tmp_path: Path) -> None:
    from deminimis.render.tables import write

    result = check_batch(_apps(tmp_path))
    out = tmp_path / "objects.jsonl"
    write(list(result.decisions), out, extra=result.extra)  # Decision objects, not the rendered frame
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["extra"]["Kommentar"] for line in lines] == ["=Ring søker", None, "ok"]
