"""Text tables -> typed tables with their errors: links (single undertaking) and firms."""

from __future__ import annotations

import polars as pl

from deminimis.plan import READERS
from deminimis.sources.table_dates import date_fast, plain_date, with_date
from deminimis.sources.table_errors import errors_of, errors_plan
from deminimis.sources.table_fields import (
    orgnr_fast,
    orgnr_problems,
    plain_nace,
    plain_orgnr,
    with_nace,
)
from deminimis.sources.table_plain import SMALL, all_plain

LINK_TYPE_ALIASES = {
    "offentlig organ": "public_body",
    "offentlig eier": "public_body",
    "public body": "public_body",
    "fysisk person": "natural_person",
    "person": "natural_person",
    "natural person": "natural_person",
}


def _link_type_expr() -> pl.Expr:
    """``(a)``, ``A``, ``art 2(2)(b)`` -> ``a``/``b``; Norwegian words -> the contract's ids."""
    t = pl.col("link_type").fill_null("").str.strip_chars().str.to_lowercase()
    letter = t.str.extract(r"^(?:art\.?\s*2\s*\(2\)\s*)?\(?([a-d])\)?$", 1)
    return pl.coalesce(letter, t.replace(LINK_TYPE_ALIASES)).replace("", None)


def _none_or_date(value: str | None) -> bool:
    return value is None or plain_date(value)


def _link_fields(raw: pl.DataFrame) -> pl.LazyFrame:
    """Orgnr and validity dates read: a small table of plain cells by their plain readings."""
    if all_plain(raw, {"orgnr": plain_orgnr, "valid_from": _none_or_date, "valid_to": _none_or_date}):
        dates = {**date_fast("valid_from", "p_from", "_from"), **date_fast("valid_to", "p_to", "_to")}
        return raw.lazy().with_columns(**orgnr_fast(), **dates)
    frame = with_date(
        with_date(orgnr_problems(raw), "valid_from", "p_from", "_from"), "valid_to", "p_to", "_to"
    )
    return frame.lazy()


def canonical_links(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Valid link rows (``deminimis.undertaking.LINK_SCHEMA``) and the errors of the others."""
    from deminimis.undertaking import LINK_TYPES

    for col in ("link_type", "valid_from", "valid_to"):
        if col not in raw.columns:
            raw = raw.with_columns(pl.lit(None, pl.Utf8).alias(col))
    kind = pl.col("_kind")  # no type given (the usual case): none, without the type rules
    none = raw.height <= SMALL and raw.get_column("link_type").null_count() == raw.height
    frame = _link_fields(raw).with_columns(_kind=pl.lit(None, pl.Utf8) if none else _link_type_expr())
    frame = frame.with_columns(
        p_und=pl.when(pl.col("undertaking_id").fill_null("") == "").then(pl.lit("undertaking_id is missing")),
        p_type=pl.when(kind.is_not_null() & ~kind.is_in(LINK_TYPES)).then(
            pl.format(f"link_type '{{}}' is not one of {', '.join(LINK_TYPES)}", pl.col("link_type"))
        ),
        p_from=pl.when(pl.col("valid_from").fill_null("") != "").then("p_from"),
        p_to=pl.when(pl.col("valid_to").fill_null("") != "")
        .then("p_to")
        .when(pl.col("_to") < pl.col("_from"))
        .then(pl.lit("valid_to is before valid_from")),
    )
    if raw.height > SMALL:  # a large table is checked once, then listed and typed
        frame = frame.collect(engine=READERS).lazy()
    problems = {
        "orgnr": "_orgnr_problem",
        "undertaking_id": "p_und",
        "link_type": "p_type",
        "valid_from": "p_from",
        "valid_to": "p_to",
    }
    ok = frame.filter(~pl.any_horizontal(pl.col(list(problems.values())).is_not_null()))
    typed = ok.select(
        "file",
        "row",
        pl.col("_orgnr").alias("orgnr"),
        "undertaking_id",
        kind.alias("link_type"),
        pl.col("_from").alias("valid_from"),
        pl.col("_to").alias("valid_to"),
    ).unique(
        ["orgnr", "undertaking_id", "link_type", "valid_from", "valid_to"], keep="first", maintain_order=True
    )
    typed, errors = pl.collect_all([typed, errors_plan(frame, problems, raw.height)], engine=READERS)
    return typed, errors


def canonical_firms(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    columns = [
        pl.col("_orgnr").alias("orgnr"),
        "name",
        pl.col("_nace").alias("nace"),
        "kommunenummer",
        "status",
    ]
    if all_plain(raw, {"orgnr": plain_orgnr, "nace": plain_nace}):  # no error: one query
        plain = raw.lazy().with_columns(**orgnr_fast(), _nace=pl.col("nace"), p_nace=pl.lit(None, pl.Utf8))
        errors = pl.DataFrame(schema={"file": raw.schema["file"], "row": raw.schema["row"], **_TEXT})
        return plain.select(columns).unique("orgnr", keep="first").collect(engine=READERS), errors
    frame = orgnr_problems(raw)
    errors = errors_of(frame, {"orgnr": "_orgnr_problem"})
    ok = (
        with_nace(frame.filter(pl.col("_orgnr_problem").is_null()))
        .select(columns)
        .unique("orgnr", keep="first")
    )
    return ok, errors


_TEXT = {"field": pl.Utf8, "message": pl.Utf8}
