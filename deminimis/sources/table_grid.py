"""A file or an upload -> a grid of text cells: spreadsheets here, CSV in :mod:`table_csv`.

Why: every spreadsheet cell is read as text by calamine (polars ``read_excel``), so the
same field rules apply to a cell of an XLSX and of a CSV.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from deminimis.errors import InputError
from deminimis.errors_nb import file_not_found_nb, no_sheet_nb, unreadable_sheet_nb
from deminimis.sources import table_guards as guards
from deminimis.sources.table_csv import HEADER_SCAN, _csv_grid
from deminimis.sources.table_headers import _header_ok


def _is_spreadsheet(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(8)
    return head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or path.suffix.lower() in (
        ".xlsx",
        ".xlsm",
        ".xlsb",
        ".xls",
        ".ods",
    )


def _flag_formulas(grid: pl.DataFrame, path: Path, sheet: str | None) -> pl.DataFrame:
    """A formula cell without a calculated value reads as its formula (``=SUM(B2:B9)``), which
    no field accepts: the row gets an error naming the field instead of an amount 0.00."""
    first, cells = guards.formulas_without_value(path, sheet)
    if not cells:
        return grid
    columns = {name: grid.get_column(name).to_list() for name in grid.columns}
    for row, col, formula in cells:
        name = f"column_{col - first}" if 0 <= col - first < grid.width else None
        if name in columns and 0 <= row < grid.height:
            columns[name][row] = f"={formula}"
    return pl.DataFrame(columns, schema=dict.fromkeys(grid.columns, pl.Utf8))


def _excel_grid(path: Path, kind: str | None, sheet: str | None) -> tuple[pl.DataFrame, int, list[int]]:
    guards.check_zip(path)  # unpacked size before parsing: a 5 MB upload can hold 1 GB of XML
    most = guards.limits().max_rows
    n_rows = {} if most is None else {"n_rows": most + HEADER_SCAN + 2}
    try:
        grid = pl.read_excel(
            path.getvalue() if isinstance(path, io.BytesIO) else path,
            sheet_name=sheet,
            engine="calamine",
            has_header=False,
            infer_schema_length=0,
            # keep leading empty rows: row i is spreadsheet row i + 1
            read_options={"skip_rows": 0, **n_rows},
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
        )
    except ValueError as exc:
        if sheet is not None and "sheet" in str(exc):
            raise InputError(f"{path}: no sheet named '{sheet}'", nb=no_sheet_nb(path, sheet)) from exc
        raise InputError(f"{path}: not a readable spreadsheet ({exc})", nb=unreadable_sheet_nb(path)) from exc
    except Exception as exc:  # calamine/fastexcel errors have no common polars base class
        raise InputError(
            f"{path}: not a readable spreadsheet ({exc.__class__.__name__})", nb=unreadable_sheet_nb(path)
        ) from exc
    grid = _flag_formulas(grid.select(pl.all().cast(pl.Utf8)), path, sheet)
    rows = grid.head(HEADER_SCAN).rows()
    nonblank = [i for i, r in enumerate(rows) if any(c is not None and str(c).strip() for c in r)]
    idx = next((i for i in nonblank if _header_ok(list(rows[i]), kind)), nonblank[0] if nonblank else 0)
    above = [i + 1 for i in nonblank if i < idx]
    guards.bound_rows(grid.height - idx - 1, path)
    return grid.slice(idx), idx + 1, above


class _Upload(io.BytesIO):
    """An upload's bytes, named in messages like a path (nothing is written to disk)."""

    def __init__(self, data: bytes, name: Path) -> None:
        super().__init__(data)
        self.name = str(name)

    def __str__(self) -> str:
        return self.name


def _grid(
    path: Path, kind: str | None, sheet: str | None, data: bytes | None = None
) -> tuple[pl.DataFrame, int, list[int]]:
    """The grid of the file ``path``, or of ``data`` (an upload named ``path``)."""
    if data is not None:
        head = data[:8].startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))
        if head or path.suffix.lower() in (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"):
            return _excel_grid(_Upload(data, path), kind, sheet)  # type: ignore[arg-type]
        return _csv_grid(path, kind, data)
    if not path.is_file():
        raise InputError(f"{path}: file not found ({kind or 'table'})", nb=file_not_found_nb(path, kind))
    if _is_spreadsheet(path):
        return _excel_grid(path, kind, sheet)
    return _csv_grid(path, kind)
