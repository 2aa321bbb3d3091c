"""Decisions to files: .json (a list), .jsonl, .csv (UTF-8 with BOM for Excel), .xlsx.

The .xlsx workbook has three sheets:

- ``decisions``: one row per input row, in input order (the columns of :func:`flat_rows`);
- ``errors``: ``file, row, field, message`` of every decision error and every broken row of
  the side files (``input_errors``), with the ``application_id`` it stopped (empty for a
  side-file row that belongs to no application);
- ``counted``: every prior award considered for each application (``application_id`` and
  the fields of contract §3 ``counted``).

Money stays an exact two-decimal string up to this edge; only here is it written as a
numeric cell (string -> Decimal -> cell) with the number format ``#,##0.00``, which a
Norwegian Excel shows as ``1 234 567,89`` (the thousands separator comes from the locale).
Dates are date cells (``dd.mm.yyyy``). Every sheet has a frozen header row, a filter and
column widths fitted to the content (capped for the long reason texts).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

import polars as pl

from deminimis.errors import InputError
from deminimis.models import CountedAward, Decision, RowError
from deminimis.render import extra_columns, outputs
from deminimis.render.decisions import Decisions
from deminimis.render.flat import exploded, flat_frame
from deminimis.render.source_findings import source_labels
from deminimis.render.xlsx import DATE_FORMAT, MONEY_FORMAT, Sheet, Workbook
from deminimis.sources.extra_columns import Extra

SCALARS = (
    "application_id",
    "orgnr",
    "name",
    "grant_date",
    "route",
    "regime",
    "scheme",
    "amount",
    "currency",
    "ceiling_eur",
    "prior_de_minimis_eur",
    "employer_tax_advantage_nok",
    "employer_tax_advantage_eur",
    "counted_total_eur",
    "new_aid_eur",
    "headroom_before_eur",
    "headroom_after_eur",
    "max_de_minimis_grant_eur",
    "max_de_minimis_grant",
    "ceiling_test",
)
NESTED = (
    "undertaking",
    "window_from",
    "window_to",
    "window_kind",
    "covid_tf_ceiling_eur",
    "covid_tf_prior_eur",
    "covid_tf_headroom_before_eur",
    "warnings",
    "errors",
    "reasons_nb",
    "reasons_en",
    "gge_instrument",
    "gge_nominal",
    "gge_eur",
    "gge_method",
    "signing_date",
)
FLAT_COLUMNS = (*SCALARS, *NESTED)
"""The columns of :func:`flat_rows` (the CSV and the ``decisions`` sheet)."""
ERROR_COLUMNS = ("file", "row", "field", "message", "application_id")
COUNTED_COLUMNS = ("application_id", *CountedAward.model_fields)
FORMATS = (".json", ".jsonl", ".csv", ".xlsx")
MONEY = {
    "amount",
    "eur",
    "ceiling_eur",
    "prior_de_minimis_eur",
    "employer_tax_advantage_nok",
    "employer_tax_advantage_eur",
    "counted_total_eur",
    "new_aid_eur",
    "headroom_before_eur",
    "headroom_after_eur",
    "max_de_minimis_grant_eur",
    "max_de_minimis_grant",
    "covid_tf_ceiling_eur",
    "covid_tf_prior_eur",
    "covid_tf_headroom_before_eur",
    "gge_nominal",
    "gge_eur",
}
DATES = {"grant_date", "window_from", "window_to", "granted_on", "signing_date"}


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


def flat_rows(decisions: Sequence[Decision]) -> pl.DataFrame:
    """One text row per decision; nested parts joined into readable cells."""
    if isinstance(decisions, Decisions):
        return flat_frame(decisions.frame, SCALARS, FLAT_COLUMNS)
    rows = []
    for d in decisions:
        row = {k: getattr(d, k) for k in SCALARS}
        row.update(
            undertaking=" ".join(d.undertaking),
            window_from=d.window.from_ if d.window else None,
            window_to=d.window.to if d.window else None,
            window_kind=d.window.kind if d.window else None,
            covid_tf_ceiling_eur=d.covid_tf.ceiling_eur if d.covid_tf else None,
            covid_tf_prior_eur=d.covid_tf.prior_eur if d.covid_tf else None,
            covid_tf_headroom_before_eur=d.covid_tf.headroom_before_eur if d.covid_tf else None,
            warnings=" ".join(w.code for w in d.warnings),
            errors="; ".join(f"{e.file}:{e.row} {e.field}: {e.message}" for e in d.errors),
            reasons_nb="\n".join(r.text_nb for r in d.reasons),
            reasons_en="\n".join(r.text_en for r in d.reasons),
            gge_instrument=d.gge.instrument if d.gge else None,
            gge_nominal=d.gge.nominal if d.gge else None,
            gge_eur=d.gge.gge_eur if d.gge else None,
            gge_method=d.gge.method if d.gge else None,
            signing_date=d.signing_date,
        )
        rows.append(row)
    return pl.DataFrame(rows, schema=dict.fromkeys(FLAT_COLUMNS, pl.Utf8))


def error_rows(decisions: Sequence[Decision], input_errors: list[RowError] | None = None) -> pl.DataFrame:
    """``file, row, field, message, application_id``: decision errors in decision order, then
    the side-file errors that belong to no application."""
    schema = {
        "file": pl.Utf8,
        "row": pl.Int64,
        "field": pl.Utf8,
        "message": pl.Utf8,
        "application_id": pl.Utf8,
    }
    side = [{**e.model_dump(), "application_id": None} for e in input_errors or []]
    if isinstance(decisions, Decisions):
        own = exploded(decisions.frame, "errors").select(ERROR_COLUMNS).cast(schema)  # type: ignore[arg-type]
        return pl.concat([own, pl.DataFrame(side, schema=schema).select(ERROR_COLUMNS)])
    rows = [{**e.model_dump(), "application_id": d.application_id} for d in decisions for e in d.errors]
    return pl.DataFrame(rows + side, schema=schema).select(ERROR_COLUMNS)


def counted_rows(decisions: Sequence[Decision]) -> pl.DataFrame:
    """Every prior award considered, one row per (application, award), in decision order."""
    schema = dict.fromkeys(COUNTED_COLUMNS, pl.Utf8) | {
        "row": pl.Int64,
        "counted": pl.Boolean,
        "assumed": pl.Boolean,
    }
    if isinstance(decisions, Decisions):
        f = exploded(decisions.frame, "counted").with_columns(sources=source_labels(pl.col("sources")))
        if "events" in f.columns:  # a predecessor's aid: the events as one text cell
            step = pl.element().struct.field
            text = pl.concat_str(
                step("event"), pl.lit(" "), step("effective_date"), pl.lit(" "), step("predecessor_orgnr"),
                pl.lit(" -> "), step("successor_orgnr"), pl.lit(" "), step("share"),
            )  # fmt: skip
            f = f.with_columns(events=pl.col("events").list.eval(text).list.join("; "))
        return f.select(COUNTED_COLUMNS).cast(schema)  # type: ignore[arg-type]
    rows = [
        {
            "application_id": d.application_id,
            **a.model_dump(),
            "sources": ", ".join(a.sources) if a.sources else None,
            "events": _event_text(a.events),
        }
        for d in decisions
        for a in d.counted
    ]
    return pl.DataFrame(rows, schema=schema).select(COUNTED_COLUMNS)


def _event_text(events: list | None) -> str | None:
    if not events:
        return None
    return "; ".join(
        f"{e.event} {e.effective_date} {e.predecessor_orgnr} -> {e.successor_orgnr} {e.share}" for e in events
    )


def write_sheet(
    workbook: Workbook,
    name: str,
    frame: pl.DataFrame,
    *,
    money: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
) -> None:
    """One sheet of text columns: money columns (the decision's names, plus ``money``) as
    numbers with :data:`MONEY_FORMAT`, ISO dates (plus ``dates``) as date cells; frozen
    header, filter, widths (:mod:`deminimis.render.xlsx`)."""
    workbook.add(Sheet(name, frame, money=frozenset(MONEY | set(money)), dates=frozenset(DATES | set(dates))))


def write_xlsx(
    decisions: Sequence[Decision],
    out: Path | BinaryIO,
    input_errors: list[RowError] | None = None,
    headers: str = "en",
    extra: Extra | None = None,
) -> None:
    """The three-sheet workbook described in the module docstring, and the hidden ``json`` sheet
    (to a path, atomically, or to a binary file such as the web page's in-memory download);
    ``headers="nb"``: Norwegian sheet and column names and route words; ``extra``: the
    applications file's own columns, in their place on the decisions sheet."""
    if not isinstance(out, str | Path):
        _workbook(decisions, out, input_errors, headers, extra)
        return
    with outputs.atomic_path(out) as tmp:
        _workbook(decisions, tmp, input_errors, headers, extra)


def _workbook(
    decisions: Sequence[Decision],
    out: Path | BinaryIO,
    input_errors: list[RowError] | None,
    headers: str = "en",
    extra: Extra | None = None,
) -> None:
    final = nb_names() if headers == "nb" else None
    sheets = {
        "decisions": extra_columns.placed(flat_rows(decisions), extra, final),
        "errors": error_rows(decisions, input_errors),
        "counted": counted_rows(decisions),
    }
    money: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    if headers == "nb":
        sheets["errors"] = errors_in_norwegian(sheets["errors"])
        sheets = {SHEETS_NB[k]: in_norwegian(v) for k, v in sheets.items()}
        money, dates = _nb_typed(MONEY), _nb_typed(DATES)
    with outputs.workbook(out) as workbook:
        for name, frame in sheets.items():
            write_sheet(workbook, name, frame, money=money, dates=dates)
        workbook.add(Sheet(JSON_SHEET, _json_parts(decisions), hidden=True, plain=frozenset({"json"})))


JSON_COLUMN = "decision_json"
"""The CSV column holding each whole decision, so ``letter`` and ``report`` read the batch's CSV."""
JSON_SHEET = "json"
"""The hidden .xlsx sheet holding each whole decision (``idx, part, json``: parts of 30,000
characters, a cell holds at most 32,767)."""
JSON_PART = 30_000
HEADERS = ("en", "nb")
CSV_DIALECTS = ("excel", "excel-nb")
SHEETS_NB = {"decisions": "vedtak", "errors": "feil", "counted": "tidligere støtte"}


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


def nb_names() -> dict[str, str]:
    """Contract column name -> Norwegian column name (``messages.toml [column_header]``)."""
    from deminimis.render.messages import messages

    return {k.removesuffix("_nb"): v for k, v in messages()["column_header"].items()}


def in_norwegian(frame: pl.DataFrame) -> pl.DataFrame:
    """Norwegian column names (``messages.toml [column_header]``) and route words."""
    from deminimis.render.messages import messages

    names = nb_names()
    routes = {k.removesuffix("_nb"): v for k, v in messages()["route_word"].items()}
    if "route" in frame.columns:
        frame = frame.with_columns(pl.col("route").replace(routes))
    return frame.rename({c: names[c] for c in frame.columns if c in names})


def errors_in_norwegian(errors: pl.DataFrame) -> pl.DataFrame:
    """The errors sheet's message and column in bokmål (:mod:`deminimis.render.row_errors`, as the
    web page shows them), so a Norwegian workbook has no English sentence."""
    from deminimis.render.row_errors import column_nb_expr, message_nb_expr

    return errors.with_columns(
        message=message_nb_expr(pl.col("message")), field=column_nb_expr(pl.col("field"))
    )


def _nb_typed(names: set[str]) -> tuple[str, ...]:
    from deminimis.render.messages import messages

    header = messages()["column_header"]
    return tuple(header.get(f"{c}_nb", c) for c in sorted(names))


def write_csv(
    decisions: Sequence[Decision],
    out: Path,
    headers: str = "en",
    dialect: str = "excel",
    extra: Extra | None = None,
) -> None:
    """The decisions sheet as CSV (UTF-8 with BOM) with each whole decision in its last column;
    ``excel-nb``: semicolons and a decimal comma in the money columns (a Norwegian Excel);
    ``extra``: the applications file's own columns, in their place. Chunked decisions are
    written a chunk at a time (the header and BOM once)."""
    separator = ";" if dialect == "excel-nb" else ","
    if not isinstance(decisions, DecisionParts):
        outputs.write_csv(_csv_frame(decisions, headers, dialect, extra), out, separator=separator)
        return

    with outputs.atomic_path(out) as tmp, tmp.open("wb") as fh:

        def one(start: int, part: Decisions) -> None:
            frame = _csv_frame(part, headers, dialect, _extra_part(extra, start, len(part)))
            first = start == 0
            outputs.inert_frame(frame).write_csv(
                fh, include_bom=first, include_header=first, separator=separator
            )

        _each_part(decisions, one)


def _csv_frame(
    decisions: Sequence[Decision], headers: str, dialect: str, extra: Extra | None
) -> pl.DataFrame:
    frame = extra_columns.placed(flat_rows(decisions), extra, nb_names() if headers == "nb" else None)
    frame = frame.with_columns(decision_texts(decisions))
    if dialect == "excel-nb":
        frame = frame.with_columns(
            [pl.col(c).str.replace(".", ",", literal=True) for c in frame.columns if c in MONEY]
        )
    if headers == "nb":
        frame = in_norwegian(frame)
    return frame


def workbook_decision_texts(workbook: Path | bytes) -> list[str]:
    """The decisions' JSON texts of a workbook written by :func:`write` (a path or its bytes),
    in their order: the hidden sheet's parts joined per decision."""
    source = io.BytesIO(workbook) if isinstance(workbook, bytes) else workbook
    parts = pl.read_excel(source, sheet_name=JSON_SHEET, engine="calamine", infer_schema_length=0)
    parts = parts.with_columns(pl.col("idx").cast(pl.Int64), pl.col("part").cast(pl.Int64))
    whole = parts.sort("idx", "part").group_by("idx", maintain_order=True).agg(pl.col("json").str.join(""))
    return whole.get_column("json").to_list()


def read_decision_texts(path: Path) -> list[str]:
    """The decisions' JSON texts of a batch .csv or .xlsx written by :func:`write`."""
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


def write(
    decisions: Sequence[Decision],
    out: Path,
    *,
    input_errors: list[RowError] | None = None,
    headers: str = "en",
    csv_dialect: str = "excel",
    extra: Extra | None = None,
) -> None:
    """Write decisions in the format named by ``out``'s suffix (``input_errors``: the .xlsx
    ``errors`` sheet also lists the side files' broken rows; ``headers``: ``en`` field names or
    ``nb`` Norwegian column names; ``csv_dialect``: ``excel`` or ``excel-nb``; ``extra``: the
    applications file's own columns, ``BatchResult.extra``)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"{out}: unknown output format '{suffix}' (use {', '.join(FORMATS)})")
    if headers not in HEADERS or csv_dialect not in CSV_DIALECTS:
        raise InputError(f"headers '{headers}' / csv dialect '{csv_dialect}': use {HEADERS} / {CSV_DIALECTS}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx" and isinstance(decisions, DecisionParts):
        decisions = decisions.concat()  # a workbook is built whole (widths, four sheets)
    if suffix in (".json", ".jsonl"):
        write_json(decisions, out, lines=suffix == ".jsonl", extra=extra)
    elif suffix == ".csv":
        write_csv(decisions, out, headers, csv_dialect, extra)
    else:
        write_xlsx(decisions, out, input_errors, headers, extra)


__all__ = [
    "COUNTED_COLUMNS",
    "DATE_FORMAT",
    "DecisionParts",
    "ERROR_COLUMNS",
    "FLAT_COLUMNS",
    "FORMATS",
    "MONEY_FORMAT",
    "counted_rows",
    "error_rows",
    "flat_rows",
    "write",
    "in_norwegian",
    "read_decision_texts",
    "write_csv",
    "write_sheet",
    "write_xlsx",
]
