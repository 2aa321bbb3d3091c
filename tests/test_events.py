"""Corporate events (Art 3(8)-(9)): chains, no double counting, every front door."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient

from deminimis import check
from deminimis.cli import main
from deminimis.http import ApiSettings, create_app
from tests.conftest import write_csv

A, B, C, D = "920000002", "920000010", "920000029", "920000037"
AWARD = {"granted_on": "2022-03-01", "amount": "100000.01", "currency": "EUR", "basis": "de_minimis"}
APP = {"amount": "1000", "currency": "EUR", "grant_date": "2025-03-01"}


def _files(tmp_path: Path, events: list[dict], links: list[dict] | None = None) -> dict:
    out = {
        "awards": write_csv(tmp_path / "awards.csv", [{"orgnr": A, **AWARD}]),
        "events": write_csv(tmp_path / "events.csv", events),
    }
    if links:
        out["links"] = write_csv(tmp_path / "links.csv", links)
    return out


def _event(kind: str, pred: str, succ: str, day: str, share: str = "") -> dict:
    return {
        "event": kind,
        "predecessor_orgnr": pred,
        "successor_orgnr": succ,
        "effective_date": day,
        "share": share,
    }


def test_a_chain_of_events_is_followed_and_shares_multiply_half_up(tmp_path: Path) -> None:
    events = [
        _event("split", A, B, "2023-01-01", "0.5"),
        _event("split", A, D, "2023-01-01", "0.5"),
        _event("merger", B, C, "2024-01-01"),
    ]
    d = check(orgnr=C, **APP, **_files(tmp_path, events))
    (award,) = d.counted
    assert award.amount == "50000.01"  # 100,000.01 x 0.5 = 50,000.005, half-up
    assert [(e.event, e.successor_orgnr) for e in award.events] == [("split", B), ("merger", C)]
    assert d.prior_de_minimis_eur == "50000.01"
    assert {r.code for r in d.reasons} >= {"event_split", "event_merger"}


def test_aid_granted_on_or_after_the_effective_date_stays_with_the_predecessor(tmp_path: Path) -> None:
    d = check(orgnr=B, **APP, **_files(tmp_path, [_event("merger", A, B, "2022-03-01")]))
    assert d.prior_de_minimis_eur == "0.00" and d.counted == []


def test_an_acquired_firm_also_linked_to_the_buyer_is_counted_once(tmp_path: Path) -> None:
    links = [{"orgnr": A, "undertaking_id": "G"}, {"orgnr": B, "undertaking_id": "G"}]
    d = check(orgnr=B, **APP, **_files(tmp_path, [_event("acquisition", A, B, "2024-01-01")], links))
    assert d.prior_de_minimis_eur == "100000.01" and len(d.counted) == 1 and d.counted[0].events is None


def test_events_on_the_cli_and_over_http(tmp_path: Path) -> None:
    files = _files(tmp_path, [_event("fusjon", A, B, "2024-01-01")])
    args = ["check", f"--orgnr={B}", *[f"--{k.replace('_', '-')}={v}" for k, v in APP.items()]]
    args += [f"--awards={files['awards']}", f"--events={files['events']}", "--format=json"]
    cli = json.loads(CliRunner().invoke(main, args).output)
    assert cli["prior_de_minimis_eur"] == "100000.01"

    client = TestClient(create_app(ApiSettings(db_url=str(tmp_path / "l.sqlite"), init=True)))
    body = {
        "orgnr": B,
        **APP,
        "awards": [{"orgnr": A, **AWARD}],
        "events": [{k: v for k, v in _event("merger", A, B, "2024-01-01").items() if v}],
    }
    assert client.post("/v1/check", json=body).json()["prior_de_minimis_eur"] == "100000.01"
    bad = {
        **body,
        "events": [_event("split", A, B, "2024-01-01", "0.4"), _event("split", A, C, "2024-01-01", "0.4")],
    }
    r = client.post("/v1/check", json=bad)
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [
        ["body", "events", 0, "share"],
        ["body", "events", 1, "share"],
    ]
    assert "add up to 0.8, not 1" in r.json()["detail"][0]["msg"]


def test_the_letter_names_the_event_that_passed_the_aid_on(tmp_path: Path) -> None:
    from deminimis.render.letter import render_letter

    events = [_event("split", A, B, "2023-01-01", "0.75"), _event("split", A, C, "2023-01-01", "0.25")]
    d = check(orgnr=B, **APP, **_files(tmp_path, events))
    assert "(overført ved fisjon 01.01.2023 (75\u00a0%) til org.nr. 920 000 010)" in render_letter(d, "nb")
    assert "(passed on by split 1 January 2023 (75%) to 920 000 010)" in render_letter(d, "en")


def test_a_batch_with_events_writes_every_format(tmp_path: Path) -> None:
    import openpyxl

    from deminimis import check_batch
    from deminimis.render.tables import counted_rows, write

    files = _files(
        tmp_path, [_event("split", A, B, "2023-01-01", "0.75"), _event("split", A, C, "2023-01-01", "0.25")]
    )
    apps = write_csv(tmp_path / "apps.csv", [{"orgnr": B, **APP}])
    result = check_batch(apps, **files)
    for suffix in (".xlsx", ".csv", ".json", ".jsonl"):
        write(result.decisions, tmp_path / f"out{suffix}", input_errors=result.input_errors)
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["counted"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("events") + 1).value == f"split 2023-01-01 {A} -> {B} 0.75"
    objects = counted_rows(list(result.decisions))  # the same table from Decision objects
    assert objects.equals(counted_rows(result.decisions))
