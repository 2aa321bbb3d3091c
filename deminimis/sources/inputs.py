"""Every table in every form: a path, an upload's bytes, a polars DataFrame or a list of records.

Why one layer: the CLI reads files, the Python API gets frames and dicts, the HTTP API gets
JSON bodies and uploads, the web page gets uploads and pasted rows, the ledger gets rows from
SQL. Each form becomes the same text table (contract columns, plus ``file`` and ``row``) that
:mod:`deminimis.sources.tables` validates, so a value is accepted on one surface exactly when
it is accepted on every other. Provenance is set here, where the row is read: a file's name
and spreadsheet row, an upload's name, a label and list index for records (``request.awards``
and 0 for the third item of a JSON body's ``awards`` is row 2), or the ``file``/``row`` the
records already carry. Nothing is written to disk.

>>> read_input([{"orgnr": "912346803", "undertaking_id": "G1"}], "links", label="request.links").rows()
[('912346803', 'G1', None, None, None, 'request.links', 1)]
>>> read_input(Upload(b"orgnr;undertaking_id\\n912346803;G1\\n", "links.csv"), "links").rows()
[('912346803', 'G1', None, None, None, 'links.csv', 2)]
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import polars as pl

from deminimis.errors import InputError
from deminimis.sources import tables
from deminimis.sources.schemas import COLUMNS, MONEY_COLUMNS

if TYPE_CHECKING:
    from pydantic import BaseModel


@dataclass(frozen=True)
class Upload:
    """A file's bytes (an upload) and the name it is known by (used in messages and ``file``)."""

    data: bytes
    name: str


Records = Sequence[Union[Mapping[str, Any], "BaseModel"]]  # noqa: UP007 - a runtime alias
TableInput = Union[str, os.PathLike, bytes, Upload, pl.DataFrame, Records]  # noqa: UP007
"""One table in any form this layer reads."""


def _is_records(value: object) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, Mapping) or _is_model(v) for v in value)


def _is_model(value: object) -> bool:
    """A pydantic model? (One can exist only once pydantic is imported: no import here.)"""
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(value, pydantic.BaseModel)


def _is_table(value: object) -> bool:
    return isinstance(value, str | os.PathLike | bytes | Upload | pl.DataFrame) or (
        bool(value) and _is_records(value)
    )


def several(value: TableInput | Sequence[TableInput] | None) -> list[TableInput]:
    """The tables of ``value``: one table, a list of tables, or a list of records (one table).

    >>> len(several(None)), len(several(["a.csv", "b.csv"])), len(several([{"orgnr": "1"}]))
    (0, 2, 1)
    >>> len(several([[{"orgnr": "1"}], [{"orgnr": "2"}], "c.csv"]))
    3
    >>> several([])
    []
    """
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        if not value:
            return []
        if all(_is_table(v) for v in value):
            return list(value)  # type: ignore[arg-type]
    return [value]  # type: ignore[list-item]


def _text(value: object) -> str | None:
    """A cell as the readers see it: text (dates ISO, booleans yes/no, Decimal as written)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        raise InputError(f"{value!r} is a float (it may have lost cents): give money as text or Decimal")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()[:10]
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


def _record(item: Mapping[str, Any] | BaseModel) -> dict[str, Any]:
    return item.model_dump() if _is_model(item) else dict(item)  # type: ignore[union-attr]


def _clean_records(records: Records, kind: str, label: str, first_row: int) -> pl.DataFrame | None:
    """Records as :func:`_frame` gives them, built in one step when that is sure to be the
    same: contract names without a clash, no ``file``/``row``, every required column, and no
    cell with space at either end (nothing to strip); None otherwise (the general way)."""
    rows = [_record(r) for r in records]
    keys = list(dict.fromkeys(k for r in rows for k in r))
    names = {tables.canonical_header(k, kind) if isinstance(k, str) else None: k for k in keys}
    if not rows or None in names or len(names) < len(keys) or {"file", "row"} & names.keys():
        return None
    if any(c not in names for c in tables.REQUIRED[kind]):
        return None
    text = {k: [_text(r.get(k)) for r in rows] for k in keys}  # a float is refused in any column
    data = {c: text[names[c]] if c in names else [None] * len(rows) for c in COLUMNS[kind]}
    if any(v is not None and v != v.strip() for cells in data.values() for v in cells):
        return None
    order = [c for c in COLUMNS[kind] if c in names] + [c for c in tables.OPTIONAL[kind] if c not in names]
    columns = {c: data[c] for c in order} | {"file": [label] * len(rows)}
    schema = dict.fromkeys(columns, pl.Utf8) | {"row": pl.Int64}
    return pl.DataFrame(columns | {"row": list(range(first_row, first_row + len(rows)))}, schema=schema)


def _records_frame(records: Records, kind: str) -> pl.DataFrame:
    rows = [_record(r) for r in records]
    names = list(dict.fromkeys(k for r in rows for k in r))
    data = {n: [_text(r.get(n)) if n != "row" else r.get(n) for r in rows] for n in names}
    schema = {n: (pl.Int64 if n == "row" else pl.Utf8) for n in names}
    if not rows:
        return pl.DataFrame(schema=dict.fromkeys(COLUMNS[kind], pl.Utf8))
    return pl.DataFrame(data, schema=schema)


def _frame(frame: pl.DataFrame, kind: str, label: str, first_row: int) -> pl.DataFrame:
    """A frame as the readers give it: contract names, text cells, ``file`` and ``row``."""
    names = {c: (c if c in ("file", "row") else tables.canonical_header(c, kind)) for c in frame.columns}
    frame = frame.rename(names)
    floats = [c for c in frame.columns if c in MONEY_COLUMNS and frame.schema[c].is_float()]
    if floats:
        raise InputError(f"{label}: column {', '.join(floats)} is a float (it may have lost cents)")
    if missing := [c for c in tables.REQUIRED[kind] if c not in frame.columns]:
        found = ", ".join(c for c in frame.columns if c not in ("file", "row")) or "none"
        raise InputError(f"{label}: missing column(s) {', '.join(missing)} for {kind} (found: {found})")
    cells = [
        (pl.col(c).dt.to_string("%Y-%m-%d") if frame.schema[c].is_temporal() else pl.col(c).cast(pl.Utf8))
        .str.strip_chars()
        .alias(c)
        for c in COLUMNS[kind]
        if c in frame.columns
    ]
    absent = [pl.lit(None, pl.Utf8).alias(c) for c in tables.OPTIONAL[kind] if c not in frame.columns]
    file = pl.col("file").cast(pl.Utf8) if "file" in frame.columns else pl.lit(label)
    row = (
        pl.col("row").cast(pl.Int64)
        if "row" in frame.columns
        else pl.int_range(first_row, first_row + pl.len(), dtype=pl.Int64)
    )
    return frame.select(*cells, *absent, file.alias("file"), row.alias("row"))


def read_input(
    value: TableInput,
    kind: str,
    *,
    label: str | None = None,
    first_row: int = 1,
    sheet: str | None = None,
) -> pl.DataFrame:
    """One table of ``kind`` as text columns named by the contract, plus ``file`` and ``row``.

    ``label`` names a DataFrame or records (default: the kind); their rows are numbered from
    ``first_row`` unless they carry ``file`` and ``row`` columns. ``bytes`` are an upload named
    ``label``. A missing file or column raises :class:`InputError` (CLI exit 2, HTTP 422).
    """
    name = label or kind
    if isinstance(value, Upload):
        return tables.read_any(value.name, kind, sheet, data=value.data)[1]
    if isinstance(value, bytes):
        return tables.read_any(name, kind, sheet, data=value)[1]
    if isinstance(value, str | os.PathLike):
        return tables.read_table(Path(value), kind, sheet)
    if isinstance(value, pl.DataFrame):
        return _frame(value, kind, name, first_row)
    if isinstance(value, Sequence):
        clean = _clean_records(value, kind, name, first_row)  # type: ignore[arg-type]
        return clean if clean is not None else _frame(_records_frame(value, kind), kind, name, first_row)
    raise InputError(f"{name}: cannot read a {type(value).__name__} as the {kind} table")


def read_report(value: TableInput, kind: str, **options: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows, ignored rows ``file, row, reason``): files and uploads list what they skipped."""
    if isinstance(value, Upload | bytes | str | os.PathLike):
        data = value.data if isinstance(value, Upload) else value if isinstance(value, bytes) else None
        name = value.name if isinstance(value, Upload) else options.get("label") or kind
        path = Path(value) if isinstance(value, str | os.PathLike) else Path(name)
        _, frame, ignored = tables.read_any(path, kind, options.get("sheet"), data=data)
        return frame, ignored
    return read_input(value, kind, **options), pl.DataFrame(schema=tables.IGNORED_SCHEMA)


def read_all(
    values: TableInput | Sequence[TableInput] | None, kind: str, **options: Any
) -> pl.DataFrame | None:
    """Every table of ``values`` (see :func:`several`) as one text frame; None when none is given."""
    frames = [read_input(v, kind, **options) for v in several(values)]
    return pl.concat(frames, how="diagonal_relaxed") if frames else None


__all__ = ["Records", "TableInput", "Upload", "read_all", "read_input", "read_report", "several"]
