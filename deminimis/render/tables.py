"""Decisions to files: .json (a list), .jsonl, .csv (UTF-8 with BOM for Excel), .xlsx."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from deminimis.errors import InputError
from deminimis.models import Decision

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
FORMATS = (".json", ".jsonl", ".csv", ".xlsx")


def flat_rows(decisions: list[Decision]) -> pl.DataFrame:
    """One text row per decision; nested parts joined into readable cells."""
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
        )
        rows.append(row)
    return pl.DataFrame(rows, schema={k: pl.Utf8 for k in rows[0]} if rows else None)


def write(decisions: list[Decision], out: Path) -> None:
    """Write decisions in the format named by ``out``'s suffix."""
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"{out}: unknown output format '{suffix}' (use {', '.join(FORMATS)})")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        out.write_text(
            json.dumps([d.to_json_dict() for d in decisions], ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8",
        )
    elif suffix == ".jsonl":
        out.write_text(
            "".join(json.dumps(d.to_json_dict(), ensure_ascii=False) + "\n" for d in decisions),
            encoding="utf-8",
        )
    elif suffix == ".csv":
        flat_rows(decisions).write_csv(out, include_bom=True)
    else:
        flat_rows(decisions).write_excel(out, worksheet="decisions", autofit=True, freeze_panes=(1, 0))


__all__ = ["FORMATS", "flat_rows", "write"]
