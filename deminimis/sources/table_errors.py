"""The errors table of a text table: (file, row, field, message), field by field, each
field's rows in order, from the *problem* columns of the field rules (null when fine)."""

from __future__ import annotations

import polars as pl

from deminimis.plan import READERS
from deminimis.sources.table_plain import SMALL

ERRORS_SCHEMA = {"file": pl.Utf8, "row": pl.Int64, "field": pl.Utf8, "message": pl.Utf8}


def errors_plan(frame: pl.LazyFrame, problems: dict[str, str], height: int = 0) -> pl.LazyFrame:
    """:func:`errors_of` as a query: one unpivot for a small table (``height`` rows; a field
    may be named ``row``), each problem column filtered first for a large one (no frame of
    rows x fields)."""
    if height > SMALL:
        return pl.concat(
            [
                frame.filter(pl.col(col).is_not_null()).select(
                    "file", "row", pl.lit(field).alias("field"), pl.col(col).alias("message")
                )
                for field, col in problems.items()
            ]
        )
    at = {"\0file": pl.col("file"), "\0row": pl.col("row")}
    return (
        frame.select(**at, **{f: pl.col(c).cast(pl.Utf8) for f, c in problems.items()})
        .unpivot(list(problems), index=list(at), variable_name="field", value_name="message")
        .filter(pl.col("message").is_not_null())
        .rename({"\0file": "file", "\0row": "row"})
    )


def errors_of(frame: pl.DataFrame, problems: dict[str, str]) -> pl.DataFrame:
    """Unpivot the problem columns into the errors table (file, row, field, message): field
    by field, each field's rows in order."""
    if not problems:
        return pl.DataFrame(schema=ERRORS_SCHEMA)
    return errors_plan(frame.lazy(), problems, frame.height).collect(engine=READERS)


__all__ = ["ERRORS_SCHEMA", "errors_of", "errors_plan"]
