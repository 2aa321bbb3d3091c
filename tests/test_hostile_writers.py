"""Issue 19, writers: outputs are replaced atomically and no text cell is a live formula."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from deminimis.api import check_batch
from deminimis.render import outputs
from deminimis.render.report import write_report
from deminimis.render.tables import write
from tests.conftest import ROOT

HOSTILE = ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)", '=HYPERLINK("http://x")')


def _batch(tmp_path: Path):
    lines = ["application_id,orgnr,amount,currency,grant_date"]
    quoted = ['"' + app_id.replace('"', '""') + '"' for app_id in HOSTILE]
    lines += [f"{app_id},974760673,100000,NOK,2021-05-17" for app_id in quoted]
    path = tmp_path / "apps.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return check_batch(path)


def _no_formula(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name


def _inert_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    for row in rows:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r" or cell.replace(".", "").lstrip("-").isdigit(), cell
    return rows


def test_a_firm_name_or_id_starting_with_a_formula_character_is_written_as_text_in_every_xlsx(
    tmp_path: Path,
) -> None:
    result = _batch(tmp_path)
    assert {d.application_id for d in result.decisions} == set(HOSTILE)
    write(result.decisions, tmp_path / "d.xlsx")
    _no_formula(tmp_path / "d.xlsx")
    write_report(list(result.decisions), tmp_path / "report.xlsx", include_all=True)
    _no_formula(tmp_path / "report.xlsx")
    import openpyxl

    ids = [r[0] for r in openpyxl.load_workbook(tmp_path / "d.xlsx")["decisions"].iter_rows(values_only=True)]
    assert "=cmd|' /C calc'!A0" in ids


def test_the_web_batch_workbook_in_memory_has_no_formula(tmp_path: Path) -> None:
    import io

    from deminimis.render.tables import write_xlsx

    result = _batch(tmp_path)
    buf = io.BytesIO()
    write_xlsx(result.decisions, buf)
    path = tmp_path / "download.xlsx"
    path.write_bytes(buf.getvalue())
    _no_formula(path)


def test_csv_outputs_neutralise_formula_cells_with_a_leading_apostrophe(tmp_path: Path) -> None:
    result = _batch(tmp_path)
    write(result.decisions, tmp_path / "d.csv")
    rows = _inert_csv(tmp_path / "d.csv")
    assert "'=cmd|' /C calc'!A0" in [r[0] for r in rows]
    write_report(list(result.decisions), tmp_path / "report.csv", include_all=True)
    _inert_csv(tmp_path / "report.csv")


def test_negative_money_in_csv_stays_a_number() -> None:
    assert outputs.inert_text("-1250.00") == "-1250.00"
    assert outputs.inert_text("-1+2") == "'-1+2"
    assert outputs.inert_text("\tx") == "'\tx" and outputs.inert_text("\rx") == "'\rx"


def test_a_failed_write_leaves_the_previous_output_and_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "d.json"
    out.write_text("[]\n")
    with pytest.raises(RuntimeError), outputs.atomic_path(out) as tmp:
        tmp.write_text("[partial")
        raise RuntimeError("killed")
    assert out.read_text() == "[]\n" and [p.name for p in tmp_path.iterdir()] == ["d.json"]


_SLOW_WRITER = """
import sys, time
from deminimis.api import check
from deminimis.render.tables import write_json
d = check(orgnr="974760673", amount="100", currency="NOK", grant_date="2021-05-17")
def slow():
    for i in range(100000):
        if i == 50:
            print("writing", flush=True)
        if i > 50:
            time.sleep(0.01)
        yield d
write_json(slow(), __import__("pathlib").Path(sys.argv[1]), lines=sys.argv[1].endswith("l"))
"""


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_a_batch_killed_while_writing_leaves_the_old_file(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"d{suffix}"
    out.write_text("old\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(out)], stdout=subprocess.PIPE, env=env, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert out.read_text() == "old\n"
    leftovers = [p for p in tmp_path.iterdir() if p != out]
    assert all(p.name.startswith(f".{out.name}.") for p in leftovers)  # hidden, never the output
    json.dumps([p.name for p in leftovers])


_WRITER = """
import sys
from pathlib import Path
from deminimis.api import check
from deminimis.render.tables import write
d = check(orgnr="974760673", amount="100", currency="NOK", grant_date="2021-05-17")
write([d] * int(sys.argv[2]), Path(sys.argv[1]))
"""


@pytest.mark.parametrize(("suffix", "count"), [(".csv", 5000), (".xlsx", 3000)])
def test_a_batch_killed_while_writing_csv_or_xlsx_leaves_the_old_file(
    tmp_path: Path, suffix: str, count: int
) -> None:
    out = tmp_path / f"d{suffix}"
    out.write_bytes(b"old\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(out), str(count)], env=env)
    seen_at = None
    for _ in range(60_000):  # at most 10 minutes on a very busy machine
        tmp = [p for p in tmp_path.iterdir() if p.name.startswith(f".{out.name}.")]
        if tmp and seen_at is None:
            seen_at = time.monotonic()
        if tmp and (tmp[0].stat().st_size > 0 or time.monotonic() - seen_at > 0.5):
            break
        assert proc.poll() is None, "the writer ended before it could be killed"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert out.read_bytes() == b"old\n"
    assert all(p.name.startswith(f".{out.name}.") for p in tmp_path.iterdir() if p != out)
