"""``deminimis firm`` and ``deminimis brreg sync|info`` (click commands), no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner

from deminimis.brreg_cli import brreg, firm
from deminimis.sources import brreg_client
from tests.test_brreg import API, FakeBrreg, refuse

TODAY = datetime.now(UTC).date().isoformat()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMINIMIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DEMINIMIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(brreg_client, "_sleep", lambda _s: None)
    monkeypatch.setattr(brreg_client, "_transport", httpx.MockTransport(refuse))


def serve(monkeypatch: pytest.MonkeyPatch, fake: FakeBrreg) -> FakeBrreg:
    monkeypatch.setattr(brreg_client, "_transport", httpx.MockTransport(fake))
    return fake


def run(*args: str) -> tuple[int, str, str]:
    main = click.Group("deminimis")  # as deminimis.cli registers them
    main.add_command(firm)
    main.add_command(brreg)
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_firm_from_the_snapshot_says_where_the_facts_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = serve(monkeypatch, FakeBrreg())
    code, out, err = run("brreg", "sync")
    assert code == 0, err
    assert "7 enheter and 4 underenheter written to" in out
    monkeypatch.setattr(brreg_client, "_transport", httpx.MockTransport(refuse))  # no request from here on
    code, out, err = run("firm", "912 350 169")
    assert code == 0, err
    assert "name:           LOFOTEN REISELIV HOLDING AS" in out
    assert "NACE:           70.100" in out
    assert "kommunenummer:  1865" in out
    assert "underenheter:   1860, 1865" in out
    assert f"source:         brreg snapshot {TODAY} (0 days old" in out
    assert len(fake.requests) == 2


def test_firm_online_json(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = serve(monkeypatch, FakeBrreg())
    code, out, _ = run("firm", "912349039", "--online", "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "orgnr": "912349039",
        "name": "HAVBRUK NORD AS",
        "nace": "03.211",
        "kommunenummer": "1868",
        "underenhet_kommuner": [],
        "status": "active",
        "source": f"brreg online {TODAY}",
        "problem": None,
        "problem_kind": None,
    }
    assert [str(r.url) for r in fake.requests][0] == f"{API}/enheter/912349039"


def test_firm_deleted_and_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    serve(monkeypatch, FakeBrreg())
    code, out, _ = run("firm", "912351289", "--online")
    assert code == 0 and "status:         deleted from the register (slettet)" in out
    code, out, _ = run("firm", "912352420", "--online")
    assert code == 0 and "not found: Brreg has no enhet with this number (HTTP 404)" in out


def test_firm_offline_without_snapshot_says_so() -> None:
    code, out, _ = run("firm", "912346803")
    assert code == 0
    assert "status:         unknown (not verified)" in out
    assert "no local Brreg snapshot (run `deminimis brreg sync` or use --online)" in out


def test_firm_online_when_brreg_is_down_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    serve(monkeypatch, FakeBrreg({f"{API}/enheter/912346803": [httpx.ReadTimeout("slow")]}))
    code, out, err = run("firm", "912346803", "--online")
    assert code == 1
    assert err == "deminimis: error: 912346803: Brreg did not answer (timeout after 3 tries)\n"
    assert "status:         unknown" in out


@pytest.mark.parametrize("number", ["912346804", "12345", "abc"])
def test_firm_invalid_orgnr_exits_2_with_one_line(number: str) -> None:
    code, out, err = run("firm", number)
    assert code == 2 and out == ""
    assert err.startswith("deminimis: error: orgnr ") and err.count("\n") == 1


def test_sync_offline_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    serve(
        monkeypatch, FakeBrreg({f"{API}/enheter/lastned": [httpx.ConnectError("Name or service not known")]})
    )
    code, out, err = run("brreg", "sync", "--dest", str(tmp_path / "snap"))
    assert code == 1 and out == ""
    assert err == (
        "deminimis: error: Brreg did not answer (ConnectError: Name or service not known after 3 tries) "
        f"(GET {API}/enheter/lastned)\n"
    )
    assert not (tmp_path / "snap" / "enheter.parquet").exists()


def test_sync_to_a_directory_then_info(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    serve(monkeypatch, FakeBrreg())
    code, out, _ = run("brreg", "info")
    assert code == 0 and out.startswith("no snapshot in ")
    code, out, _ = run("brreg", "sync", "--dest", str(tmp_path / "snap"))
    assert code == 0 and str(tmp_path / "snap") in out
    code, out, _ = run("brreg", "info", "--snapshot", str(tmp_path / "snap"))
    assert code == 0 and "enheter: 7; underenheter: 4" in out and "(0 days old)" in out
    code, out, _ = run("firm", "912352404", "--snapshot", str(tmp_path / "snap"))
    assert code == 0 and "bankrupt (konkurs)" in out
