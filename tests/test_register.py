"""Støtteregisteret: readers, snapshot, classification data, ``sources`` and ``registration`` (issue 14).

No network: downloads come from ``httpx.MockTransport``; the bulk file is fixtures/register.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from deminimis import check
from deminimis.api import check_batch
from deminimis.cli import main
from deminimis.registration import due_date, public_holidays
from deminimis.sources import register_read as rr
from deminimis.sources import register_snapshot as snap
from deminimis.sources.register_rules import load_register_rules
from tests.conftest import write_csv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "register"
BULK = FIXTURES / "stoettetildeling.csv"
SCHEMES = FIXTURES / "stoetteordning.csv"
ORGNR = "934189698"
APP = dict(orgnr=ORGNR, amount="100000", currency="NOK", grant_date="2026-10-01")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMINIMIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DEMINIMIS_CACHE_DIR", str(tmp_path / "cache"))


def served(requests: list[httpx.Request]) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        body = SCHEMES.read_bytes() if "stoetteordning" in request.url.path else BULK.read_bytes()
        return httpx.Response(200, content=body, headers={"Content-Length": str(len(body))})

    return httpx.Client(transport=httpx.MockTransport(answer))


# ----------------------------------------------------------------------------- readers


def test_the_bulk_csv_is_read_as_utf16_with_semicolons_and_decimal_commas() -> None:
    raw = rr.read_file(BULK)
    assert raw.height == 10 and raw.columns == list(rr.RAW_COLUMNS)
    first = raw.row(0, named=True)
    assert first["award_id"] == "1000251908" and first["orgnr"] == "934 189 698"
    assert first["granted_on"] == "09.04.2026" and first["amount"] == "60 000,00" and first["row"] == 2


def test_a_utf8_resaved_csv_and_the_json_file_give_the_same_awards(tmp_path: Path) -> None:
    utf8 = tmp_path / "resaved.csv"
    utf8.write_text(rr.decode(BULK.read_bytes()), encoding="utf-8-sig")
    page = json.loads((FIXTURES / "search-934189698-page1.json").read_text(encoding="utf-8"))
    as_json = tmp_path / "totalbestand.json"
    as_json.write_text(json.dumps(page["stoettetildeling"]), encoding="utf-8")
    a = check(**APP, register=BULK).to_json_dict()
    b = check(**APP, register=utf8).to_json_dict()
    assert a["counted"] == [{**c} for c in b["counted"]]
    c = check(**APP, register=as_json).to_json_dict()
    assert {(x["source"], x["file"]) for x in c["counted"]} == {
        ("awards", "register:1000251908"),
        ("employer_tax", "register:1000252006"),
    }
    assert c["employer_tax_advantage_nok"] == "41250.50"


def test_a_file_that_is_not_the_register_s_is_a_clear_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(Exception, match="Støttetiltaksnummer"):
        check(**APP, register=bad)


def test_a_broken_register_row_of_the_applicant_is_a_row_error_naming_file_line_and_column() -> None:
    d = check(**{**APP, "orgnr": "934189752"}, register=BULK)
    assert d.route == "error"
    (err,) = d.errors
    assert err.file == str(BULK) and err.row == 11 and err.field == "Tildelingsdato"


def test_every_classification_rule_names_its_source_and_confidence() -> None:
    rules = load_register_rules()
    for entry in [*rules.schemes, *rules.patterns, *rules.coverage]:
        assert entry.source and entry.confidence in ("V", "T", "D", "U")
    assert rules.employer_tax_schemes == ["1000031862"]
    assert [c.valid_from for c in rules.coverage][1:] == [
        dt.date(2016, 7, 1),
        dt.date(2023, 12, 11),
        dt.date(2026, 1, 1),
    ]


# ----------------------------------------------------------------------------- snapshot


def test_sync_builds_the_snapshot_and_a_batch_against_it_makes_no_request(tmp_path: Path) -> None:
    requests: list[httpx.Request] = []
    s = snap.sync(client=served(requests))
    assert [r.url.path for r in requests] == [
        "/nb/oppslag/stoettetildeling/totalbestand/csv",
        "/nb/oppslag/stoetteordning/totalbestand/csv",
    ]
    assert s.rows == 10 and s.has_schemes and len(s.sha256 or "") == 64
    meta = json.loads((s.dir / "snapshot.json").read_text(encoding="utf-8"))
    assert meta["files"]["awards"]["url"] == snap.AWARDS_URL and meta["retrieved_at"]

    apps = write_csv(
        tmp_path / "apps.csv",
        [{**APP, "application_id": "A1"}, {**APP, "application_id": "A2", "orgnr": "934189701"}],
    )
    result = check_batch(apps, register=True)
    assert len(requests) == 2  # nothing more: lookups are joins against the parquet file
    a1, a2 = result.decisions
    assert {c.file for c in a1.counted} == {
        "register:1000251908",
        "register:1000252001",
        "register:1000252002",
    }
    (source,) = [s for s in a1.sources if s.kind == "register_snapshot"]
    assert source.date == s.date and source.sha256 == s.sha256
    assert a2.prior_de_minimis_eur == "87218.18"  # the loan, counted in full (warned)


def test_register_info_says_how_old_the_snapshot_is() -> None:
    snap.sync(client=served([]))
    out = CliRunner().invoke(main, ["register", "info"])
    assert out.exit_code == 0 and "days old" in out.output and "awards: 10" in out.output


def test_a_download_over_the_size_limit_is_refused_and_no_snapshot_is_left() -> None:
    with pytest.raises(Exception, match="limit"):
        snap.sync(client=served([]), max_bytes=100)
    with pytest.raises(Exception, match="register sync"):
        snap.load()


def test_register_without_a_snapshot_is_a_one_line_error() -> None:
    out = CliRunner().invoke(
        main, ["check", *[f"--{k.replace('_', '-')}={v}" for k, v in APP.items()], "--register"]
    )
    assert out.exit_code == 2 and "register sync" in out.output


# ----------------------------------------------------------------------------- sources


def test_every_decision_lists_its_sources_and_their_limits_in_nb_and_en(tmp_path: Path) -> None:
    awards = write_csv(
        tmp_path / "awards.csv",
        [
            {
                "orgnr": ORGNR,
                "granted_on": "2026-03-01",
                "amount": "1000",
                "currency": "NOK",
                "basis": "de_minimis",
            }
        ],
    )
    plain = check(**APP).to_json_dict()
    assert [s["kind"] for s in plain["sources"]] == ["register_not_consulted"]
    assert (
        "artikkel 7 nr. 4" in plain["sources"][0]["limits_nb"]
        and "Art 7(4)" in plain["sources"][0]["limits_en"]
    )
    full = check(**APP, awards=awards, register=BULK).to_json_dict()
    kinds = [s["kind"] for s in full["sources"]]
    assert kinds == ["declaration", "register_file"]
    reg = full["sources"][1]
    assert "500 000 euro" in reg["limits_nb"] and "EUR 100,000" in reg["limits_en"]
    assert reg["unverified"] == ["de_minimis_2026"] and all(
        s["text_nb"] and s["text_en"] for s in full["sources"]
    )
    old = check(**{**APP, "grant_date": "2018-05-01"}, register=BULK).to_json_dict()
    assert "1. juli 2016" in old["sources"][0]["limits_nb"]  # the window reaches before the register


# ----------------------------------------------------------------------------- registration


def test_due_date_of_a_grant_on_friday_18_december_2026_skips_christmas_and_new_year() -> None:
    holidays = public_holidays(2026, 2027)
    assert dt.date(2026, 12, 25) in holidays and dt.date(2027, 1, 1) in holidays
    assert dt.date(2026, 12, 24) not in holidays and dt.date(2026, 12, 31) not in holidays
    assert due_date(dt.date(2026, 12, 18)) == dt.date(2027, 1, 19)
    d = check(**{**APP, "grant_date": "2026-12-18"}).registration
    assert d is not None and d.due_date == "2027-01-19" and d.keep_until == "2036-12-18" and d.required


def test_registration_is_null_unless_the_grant_can_be_made_and_1407_keeps_ten_fiscal_years() -> None:
    assert check(**{**APP, "amount": "99000000"}).registration is not None  # gber: its own duty
    assert check(**{**APP, "grant_date": "2024-05-01"}).registration is None  # manual review
    old = check(**{**APP, "grant_date": "2021-05-17"}).registration
    assert old is not None and old.keep_until == "2031-12-31" and not old.required


def test_report_format_register_writes_the_art_6_1_fields(tmp_path: Path) -> None:
    apps = write_csv(tmp_path / "apps.csv", [{**APP, "application_id": "A1", "grant_date": "2026-12-18"}])
    runner = CliRunner()
    assert runner.invoke(main, ["batch", str(apps), "--out", str(tmp_path / "d.json")]).exit_code == 0
    out = tmp_path / "register.csv"
    res = runner.invoke(main, ["report", str(tmp_path / "d.json"), "--format", "register", "--out", str(out)])
    assert res.exit_code == 0, res.output
    (row,) = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert row["organisasjonsnummer støttemottaker"] == ORGNR and row["tildelt beløp"] == "100000.00"
    assert row["tildelingsdato"] == "2026-12-18" and row["frist for registrering"] == "2027-01-19"
    assert row["støtteinstrument"] == "Tilskudd" and row["forordning"] == "EU-2023/2831"
    assert row["oppbevares til"] == "2036-12-18" and row["registreringsplikt"] == "ja"


def test_the_ledger_grant_stores_the_due_date_and_ledger_due_lists_it_until_registered(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "l.sqlite")
    r = CliRunner()
    assert r.invoke(main, ["ledger", "init", "--db", db]).exit_code == 0
    args = ["ledger", "reserve", "--db", db, *[f"--{k.replace('_', '-')}={v}" for k, v in APP.items()]]
    assert r.invoke(main, [*args[:-1], "--grant-date=2026-12-18"]).exit_code == 0
    assert r.invoke(main, ["ledger", "grant", "1", "--db", db]).exit_code == 0
    due = json.loads(r.invoke(main, ["ledger", "due", "--db", db, "--format", "json"]).output)
    assert [(d["award_id"], d["due_date"], d["keep_until"]) for d in due] == [(1, "2027-01-19", "2036-12-18")]
    assert (
        r.invoke(main, ["ledger", "registered", "1", "--db", db, "--register-id", "1000300001"]).exit_code
        == 0
    )
    assert json.loads(r.invoke(main, ["ledger", "due", "--db", db, "--format", "json"]).output) == []


# ----------------------------------------------------------------------------- HTTP and batch mismatches


def test_http_check_takes_register_true(tmp_path: Path) -> None:
    from tests.test_http_api import make_client

    snap.sync(client=served([]))
    with make_client(tmp_path) as client:
        body = {**APP, "use_ledger": False}
        plain = client.post("/v1/check", json=body).json()
        reg = client.post("/v1/check", json={**body, "register": True}).json()
    assert plain["counted"] == [] and "register_not_declared" in {w["code"] for w in reg["warnings"]}
    assert [s["kind"] for s in reg["sources"]] == ["register_snapshot"]
    assert reg["prior_de_minimis_eur"] == check(**APP, register=True).prior_de_minimis_eur


def test_register_mismatches_lists_both_directions_for_a_batch(tmp_path: Path) -> None:
    apps = write_csv(tmp_path / "apps.csv", [{**APP, "application_id": "A1"}])
    awards = write_csv(
        tmp_path / "awards.csv",
        [
            {
                "orgnr": ORGNR,
                "granted_on": "2026-04-09",
                "amount": "60000",
                "currency": "NOK",
                "basis": "de_minimis",
            },
            {
                "orgnr": ORGNR,
                "granted_on": "2026-06-01",
                "amount": "5000",
                "currency": "NOK",
                "basis": "de_minimis",
            },
        ],
    )
    out = tmp_path / "mm.csv"
    res = CliRunner().invoke(
        main,
        [
            "register",
            "mismatches",
            str(apps),
            "--awards",
            str(awards),
            "--register",
            str(BULK),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert sorted((r["mismatch"], r["granted_on"]) for r in rows) == [
        ("not_declared", "2026-03-01"),
        ("not_declared", "2026-09-16"),
        ("not_in_register", "2026-06-01"),
    ]
