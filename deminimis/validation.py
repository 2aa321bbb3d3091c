"""The checking behind ``deminimis validate``: :class:`Validation` and :func:`validate_files`.

Read every file, collect its problems, warnings and ignored rows as one findings table, and
format them as ``file:row column: message``. Plain functions, no click: kept apart from the
commands in :mod:`deminimis.files_cli` (which re-exports these names) so that module stays small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from deminimis.errors import InputError
from deminimis.plan import options
from deminimis.prior_awards import fx_errors
from deminimis.sources import tables

FINDINGS_SCHEMA = {
    "file": pl.Utf8,
    "row": pl.Int64,
    "field": pl.Utf8,
    "severity": pl.Utf8,
    "message": pl.Utf8,
}
SEVERITY_ORDER = {"ignored": 0, "error": 1, "warning": 2}


@dataclass
class Validation:
    """What ``validate`` found: every problem, warning and ignored row of the files."""

    findings: pl.DataFrame
    """``file, row, field, severity (error|warning|ignored), message`` in file and row order."""
    kinds: dict[str, str] = field(default_factory=dict)
    """file -> the kind it was read as."""
    rows: dict[str, int] = field(default_factory=dict)
    """file -> number of table rows read (ignored rows excluded)."""
    unusable: dict[str, str] = field(default_factory=dict)
    """file -> the one-line reason it could not be read."""

    def count(self, severity: str, file: str | None = None) -> int:
        f = self.findings.filter(pl.col("severity") == severity)
        return f.height if file is None else f.filter(pl.col("file") == file).height

    def exit_code(self, strict: bool = False) -> int:
        if self.unusable:
            return 2
        if self.count("error") or (strict and self.count("warning")):
            return 3
        return 0


def _with(frame: pl.DataFrame, severity: str) -> pl.DataFrame:
    return frame.select("file", "row", "field", pl.lit(severity).alias("severity"), pl.col("message")).cast(
        FINDINGS_SCHEMA
    )  # type: ignore[arg-type]


def _fx_errors(typed: pl.DataFrame, rates: pl.DataFrame, date_col: str, bad: pl.Expr) -> pl.DataFrame:
    """Rows dated before their currency's first ECB rate (the engine would stop them too)."""
    from deminimis import fx

    ok = typed.filter(~bad & pl.col(date_col).is_not_null())
    if ok.is_empty():
        return pl.DataFrame(schema=tables.ERRORS_SCHEMA)
    joined = fx.attach_rates(ok.lazy(), rates, currency="currency", on=date_col).collect(**options())
    return fx_errors(joined, date_col, ["file", "row"])


def validate_files(  # noqa: C901  (allow-listed, to split)
    files: list[Path],
    kind: str | None = None,
    sheet: str | None = None,
    rules_dir: Path | None = None,
    rates_file: Path | None = None,
) -> Validation:
    """Read and check every file without deciding anything (see :class:`Validation`)."""
    from deminimis import employer_tax, fx
    from deminimis.rules import SCHEMES, load_rules

    rules = load_rules(rules_dir)
    rates = fx.load_rates(rates_file)
    currencies = ["EUR", *rates.get_column("currency").unique().sort().to_list()]
    aliases = rules.basis_aliases()
    result = Validation(pl.DataFrame(schema=FINDINGS_SCHEMA))
    parts: list[pl.DataFrame] = []
    raws: dict[str, list[pl.DataFrame]] = {}
    for path in files:
        try:
            file_kind, raw, ignored = tables.read_any(path, kind, sheet)
        except InputError as exc:
            result.unusable[str(path)] = str(exc)
            continue
        result.kinds[str(path)] = file_kind
        result.rows[str(path)] = raw.height
        raws.setdefault(file_kind, []).append(raw)
        parts.append(
            _with(ignored.rename({"reason": "message"}).with_columns(field=pl.lit("(row)")), "ignored")
        )
        if file_kind == "applications":
            typed, errors = tables.canonical_applications(raw, currencies, list(SCHEMES))
            errors = pl.concat([errors, _fx_errors(typed, rates, "grant_date", pl.col("has_error"))])
        elif file_kind == "awards":
            typed, errors = tables.canonical_awards(raw, currencies, aliases)
            errors = pl.concat([errors.drop("orgnr"), _fx_errors(typed, rates, "granted_on", pl.lit(False))])
        elif file_kind == "links":
            errors = tables.canonical_links(raw)[1]
        elif file_kind == "firms":
            errors = tables.canonical_firms(raw)[1]
        elif file_kind == "events":
            from deminimis.events import canonical_events

            errors = (
                canonical_events(raw)[1].drop("orgnr").unique(["file", "row", "field"], maintain_order=True)
            )
        else:
            errors = employer_tax.canonical_rows(raw, employer_tax.load(rules.directory))[1]
        parts.append(_with(errors, "error"))
    columns = {k: [*tables.REQUIRED[k], *tables.OPTIONAL[k], "file", "row"] for k in raws}
    for file_kind, frames in raws.items():
        together = pl.concat([f.select(columns[file_kind]) for f in frames])
        if file_kind == "applications":
            parts.append(_with(tables.application_warnings(together), "warning"))
        elif file_kind == "awards":
            parts.append(_with(tables.award_warnings(together, aliases), "warning"))
    order = {str(p): i for i, p in enumerate(files)}
    findings = pl.concat([result.findings, *parts])
    result.findings = (
        findings.with_columns(
            _f=pl.col("file").replace_strict(order, default=len(order)),
            _s=pl.col("severity").replace_strict(SEVERITY_ORDER, default=9),
        )
        .sort("_f", "row", "_s", maintain_order=True)
        .drop("_f", "_s")
    )
    return result


def format_finding(row: dict) -> str:
    """``file:row column: message`` (warnings and ignored rows say so)."""
    where = f"{row['file']}:{row['row']}"
    if row["severity"] == "ignored":
        return f"{where} ignored: {row['message']}"
    prefix = "warning: " if row["severity"] == "warning" else ""
    return f"{where} {row['field']}: {prefix}{row['message']}"


__all__ = ["FINDINGS_SCHEMA", "SEVERITY_ORDER", "Validation", "format_finding", "validate_files"]
