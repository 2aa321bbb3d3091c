"""Fuzzing the writers: every text cell of every output is inert (no formula in XLSX, a
leading apostrophe on formula-like CSV cells), and a writer killed part-way leaves the old
file or none."""

from __future__ import annotations

import csv
import tempfile
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deminimis.render import outputs
from deminimis.render.tables import write_sheet

from .conftest import seen

TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        ["=cmd|' /C calc'!A0", "+1", "-1+2", "@SUM(1)", "\t=1", "\r=1", "-1250.00", '=HYPERLINK("x")']
    ),
)


@given(cells=st.lists(TEXT.map(lambda s: s.replace("\x00", "")), min_size=1, max_size=20))
def test_every_text_cell_of_csv_and_xlsx_outputs_is_inert(cells: list[str]) -> None:
    seen("outputs: text cells written")
    frame = pl.DataFrame({"name": cells, "reference": list(reversed(cells))})
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "o.csv"
        outputs.write_csv(frame, out)
        with out.open(encoding="utf-8-sig", newline="") as fh:
            for row in list(csv.reader(fh))[1:]:
                for cell in row:
                    assert not cell or cell[0] not in "=+-@\t\r" or outputs.inert_text(cell) == cell
        book = Path(tmp) / "o.xlsx"
        with outputs.atomic_path(book) as part, outputs.workbook(part) as wb:
            write_sheet(wb, "s", frame)
        with zipfile.ZipFile(book) as zf:
            sheet = zf.read("xl/worksheets/sheet1.xml")
        assert b"<f>" not in sheet and b"<f " not in sheet


@given(old=st.binary(max_size=200), new=st.binary(max_size=2000), kill_at=st.integers(0, 2000))
def test_a_writer_killed_part_way_leaves_the_old_file(old: bytes, new: bytes, kill_at: int) -> None:
    seen("outputs: writes killed part-way")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "d.json"
        out.write_bytes(old)
        with pytest.raises(KeyboardInterrupt), outputs.atomic_path(out) as part, part.open("wb") as fh:
            fh.write(new[:kill_at])
            raise KeyboardInterrupt  # the process stops here
        assert out.read_bytes() == old and [p.name for p in Path(tmp).iterdir()] == ["d.json"]
        with outputs.atomic_path(out) as part:
            part.write_bytes(new)
        assert out.read_bytes() == new
