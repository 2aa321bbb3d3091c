"""Each decision's whole contract JSON in the output files: the .json/.jsonl writers (a chunk
at a time for :class:`DecisionParts`), the CSV's last column and the .xlsx hidden ``json``
sheet (:func:`decision_texts`), and reading those texts back from a batch .csv or .xlsx
(:func:`read_decision_texts`, for ``letter`` and ``report``).

Its own module so :mod:`deminimis.render.tables` keeps to the table writers (.csv, .xlsx);
every name is re-exported from :mod:`deminimis.render.tables`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

import polars as pl

from deminimis.errors import InputError
from deminimis.models import Decision
from deminimis.render import extra_columns, outputs
from deminimis.render.decisions import Decisions
from deminimis.sources.extra_columns import Extra

JSON_COLUMN = "decision_json"
"""The CSV column holding each whole decision, so ``letter`` and ``report`` read the batch's CSV."""
JSON_SHEET = "json"
"""The hidden .xlsx sheet holding each whole decision (``idx, part, json``: parts of 30,000
characters, a cell holds at most 32,767)."""
JSON_PART = 30_000


@runtime_checkable
class DecisionParts(Protocol):
    """Decisions that come a chunk at a time (:class:`deminimis.batch_chunks.ChunkedDecisions`):
    the .json, .jsonl and .csv writers write each chunk while the next one is decided."""

    def __len__(self) -> int: ...

    def parts(self) -> Iterator[tuple[int, Decisions]]: ...

    def concat(self) -> Decisions: ...


def _each_part(decisions: DecisionParts, write_one: Callable[[int, Decisions], None]) -> None:
    """``write_one(start, chunk)`` in a writer thread, one chunk behind the one being decided
    (polars leaves the interpreter lock while it encodes and computes, so the two overlap)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="deminimis-writer") as pool:
        pending: Future[None] | None = None
        for start, part in decisions.parts():
            if pending is not None:
                pending.result()
            pending = pool.submit(write_one, start, part)
        if pending is not None:
            pending.result()


def _extra_part(extra: Extra | None, start: int, n: int) -> Extra | None:
    """The officer's columns of the chunk of ``n`` decisions from ``start``."""
    return None if extra is None else Extra(extra.frame.slice(start, n), extra.after)


def decision_texts(decisions: Sequence[Decision]) -> pl.Series:
    """Each decision's contract JSON, in order (from the rendered frame when there is one)."""
    if isinstance(decisions, Decisions):
        return decisions.frame.select(decisions.json_expr()).to_series().alias(JSON_COLUMN)
    return pl.Series(JSON_COLUMN, [d.model_dump_json(by_alias=True) for d in decisions], pl.Utf8)


def _json_parts(decisions: Sequence[Decision]) -> pl.DataFrame:
    text = decision_texts(decisions)
    n = (text.str.len_chars() // JSON_PART + 1).cast(pl.Int64)
    frame = pl.DataFrame({"idx": pl.int_range(len(text), eager=True), "json": text, "_n": n})
    frame = frame.with_columns(part=pl.int_ranges(0, pl.col("_n"))).explode("part")
    return frame.select(
        "idx", "part", pl.col("json").str.slice(pl.col("part") * JSON_PART, JSON_PART).alias("json")
    )


def workbook_decision_texts(workbook: Path | bytes) -> list[str]:
    """The decisions' JSON texts of a workbook written by :func:`deminimis.render.tables.write`
    (a path or its bytes), in their order: the hidden sheet's parts joined per decision."""
    source = io.BytesIO(workbook) if isinstance(workbook, bytes) else workbook
    parts = pl.read_excel(source, sheet_name=JSON_SHEET, engine="calamine", infer_schema_length=0)
    parts = parts.with_columns(pl.col("idx").cast(pl.Int64), pl.col("part").cast(pl.Int64))
    whole = parts.sort("idx", "part").group_by("idx", maintain_order=True).agg(pl.col("json").str.join(""))
    return whole.get_column("json").to_list()


def read_decision_texts(path: Path) -> list[str]:
    """The decisions' JSON texts of a batch .csv or .xlsx written by
    :func:`deminimis.render.tables.write`."""
    from deminimis.render.messages import messages

    if path.suffix.lower() == ".xlsx":
        try:
            return workbook_decision_texts(path)
        except Exception as exc:  # calamine has no common error class
            raise InputError(f"{path}: no '{JSON_SHEET}' sheet: not a deminimis batch workbook") from exc
    with path.open(encoding="utf-8-sig") as fh:
        first = fh.readline()
    separator = ";" if first.count(";") > first.count(",") else ","
    frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy", separator=separator)
    names = [JSON_COLUMN, messages()["column_header"][f"{JSON_COLUMN}_nb"]]
    column = next((c for c in names if c in frame.columns), None)
    if column is None:
        raise InputError(f"{path}: no '{JSON_COLUMN}' column: not a deminimis batch CSV")
    return frame.get_column(column).to_list()


def _write_objects(decisions: Iterable[Decision], fh: BinaryIO, lines: bool, extra: Extra | None) -> None:
    first = True
    for i, d in enumerate(decisions):
        if not (lines or first):
            fh.write(b",\n")
        fh.write(extra_columns.json_text(d.model_dump_json(by_alias=True), extra, i).encode())
        if lines:
            fh.write(b"\n")
        first = False
    if not (lines or first):
        fh.write(b"\n")


def _write_texts(
    decisions: Decisions, fh: BinaryIO, lines: bool, extra: Extra | None, *, last: bool = True
) -> None:
    """The decisions' JSON texts, one a line (``last``: this chunk ends the list)."""
    text, own = extra_columns.json_expr(decisions.json_expr(), extra, len(decisions))
    frame = decisions.frame if own is None else decisions.frame.with_columns(own)
    if not lines:  # a comma after every decision but the last
        end = (pl.int_range(pl.len()) == pl.len() - 1) & last
        text = pl.concat_str(text, pl.when(end).then(pl.lit("")).otherwise(pl.lit(",")))
    frame.select(text).write_csv(fh, include_header=False, quote_style="never")


def _write_parts(decisions: DecisionParts, fh: BinaryIO, lines: bool, extra: Extra | None) -> None:
    total = len(decisions)

    def one(start: int, part: Decisions) -> None:
        n = len(part)
        _write_texts(part, fh, lines, _extra_part(extra, start, n), last=start + n >= total)

    _each_part(decisions, one)


def write_json(decisions: Iterable[Decision], out: Path, *, lines: bool, extra: Extra | None = None) -> None:
    """A JSON list (``lines=False``) or JSON lines, one decision per line, written as they
    come (no whole-file string: at national scale that was gigabytes). Rendered decisions
    (:class:`Decisions`) are written by polars from their JSON texts, nothing parsed.
    ``extra``: the applications file's own columns, as each decision's ``extra`` object."""
    with outputs.atomic_path(out) as tmp, tmp.open("wb") as fh:
        if not lines:
            fh.write(b"[\n")
        if isinstance(decisions, Decisions):
            _write_texts(decisions, fh, lines, extra)
        elif isinstance(decisions, DecisionParts):
            _write_parts(decisions, fh, lines, extra)
        else:
            _write_objects(decisions, fh, lines, extra)
        if not lines:
            fh.write(b"]\n")
