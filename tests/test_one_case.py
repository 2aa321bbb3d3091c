"""One case, every front door (issue 13): cumulative batches, counted once, one input layer."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from deminimis import check_batch
from deminimis.cli import main
from tests.conftest import write_csv

TWO = [
    {"application_id": "B2", "orgnr": "912346803", "amount": "150000", "currency": "EUR",
     "grant_date": "2021-09-01"},
    {"application_id": "B1", "orgnr": "912346803", "amount": "100000", "currency": "EUR",
     "grant_date": "2021-05-17"},
    {"application_id": "C1", "orgnr": "912345688", "amount": "10000", "currency": "EUR",
     "grant_date": "2021-05-17"},
]  # fmt: skip


def test_the_second_application_of_one_undertaking_counts_the_first(tmp_path: Path) -> None:
    apps = write_csv(tmp_path / "apps.csv", TWO)
    cumulative = {d.application_id: d for d in check_batch(apps).decisions}
    alone = {d.application_id: d for d in check_batch(apps, independent=True).decisions}
    assert (cumulative["B1"].route, cumulative["B2"].route) == ("de_minimis", "gber")
    assert cumulative["B2"].counted_total_eur == "100000.00"
    (earlier,) = cumulative["B2"].counted
    assert (earlier.source, earlier.eur, earlier.file, earlier.row) == (
        "application:B1",
        "100000.00",
        str(apps),
        3,
    )
    assert "batch_earlier_application" in [r.code for r in cumulative["B2"].reasons]
    assert (alone["B1"].route, alone["B2"].route) == ("de_minimis", "de_minimis")
    assert alone["B2"].counted_total_eur == "0.00" and alone["B2"].counted == []
    assert "batch_independent" in [r.code for r in alone["B2"].reasons]
    assert cumulative["C1"] == alone["C1"].model_copy(update={"reasons": cumulative["C1"].reasons})
    assert cumulative["B1"].counted == [] and cumulative["B1"].route == "de_minimis"


def test_cli_batch_is_cumulative_and_independent_restores_the_old_result(tmp_path: Path) -> None:
    apps = write_csv(tmp_path / "apps.csv", TWO)
    runner = CliRunner()
    for flag, expected in (([], "gber"), (["--independent"], "de_minimis")):
        out = tmp_path / f"out{len(flag)}.json"
        result = runner.invoke(main, ["batch", str(apps), "--out", str(out), *flag])
        assert result.exit_code == 0, result.output
        routes = {d["application_id"]: d["route"] for d in json.loads(out.read_text())}
        assert routes == {"B2": expected, "B1": "de_minimis", "C1": "de_minimis"}
