"""The one writer layer under every output file: atomic replacement and inert cells.

Why atomic: a batch killed half-way must leave the previous complete output (or none), never
a prefix that parses. Each file is written to a temporary file in the output's own folder
(same file system), flushed to disk, then renamed over the target (:func:`atomic_path`).

Why inert: a firm name or reference starting with ``=`` is a live formula in Excel (OWASP
"CSV injection"). XLSX workbooks are written by :mod:`deminimis.render.xlsx`, whose text
cells are inline strings and never formulas or links, so every text cell stays text
(:func:`workbook`); CSV text cells starting with ``=`` ``+`` ``-`` ``@`` tab or CR get a
leading apostrophe (:func:`inert_frame`), numbers such as ``-1250.00`` excepted.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import polars as pl

from deminimis.render.xlsx import Workbook

FORMULA_START = r"^[=+\-@\t\r]"
"""Characters that make a spreadsheet read a cell as a formula (OWASP)."""
_NUMBER = r"^[+-]?[0-9]+(?:[.,][0-9]+)?$"


@contextlib.contextmanager
def atomic_path(out: Path | str) -> Iterator[Path]:
    """A temporary path next to ``out``; renamed to ``out`` when the block ends without error,
    removed otherwise (a killed process leaves only a hidden ``.name.*.tmp`` file behind)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)  # mkstemp makes 0600; an output is as readable as any other file
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def inert_text(value: str | None) -> str | None:
    """One text cell for CSV, neutralised (``=1+1`` -> ``'=1+1``; ``-5.00`` stays)."""
    import re

    if value and re.match(FORMULA_START, value) and not re.match(_NUMBER, value):
        return "'" + value
    return value


def inert_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of ``frame`` with formula-like cells prefixed by an apostrophe."""
    text = [c for c, t in frame.schema.items() if t == pl.Utf8]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START) & ~pl.col(c).str.contains(_NUMBER))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )


def write_csv(frame: pl.DataFrame, out: Path | str, separator: str = ",") -> None:
    """CSV (UTF-8 with BOM for Excel), cells neutralised, written atomically."""
    with atomic_path(out) as tmp:
        inert_frame(frame).write_csv(tmp, include_bom=True, separator=separator)


def workbook(path: Path | str | BinaryIO) -> Workbook:
    """An XLSX workbook (to a path or a binary file) whose text cells are never formulas or links;
    its sheets are written when the ``with`` block ends (:func:`deminimis.render.tables.write_sheet`)."""
    return Workbook(path)


__all__ = ["FORMULA_START", "atomic_path", "inert_frame", "inert_text", "workbook", "write_csv"]
