"""Row errors: those of each application, and the input errors that belong to none.

An application's errors are its own fields, its rate, its Brønnøysund lookup and the broken
award rows of its undertaking (an award row of a member that cannot be read could hide aid);
every other broken row is an input error of the run, given once.
"""

from __future__ import annotations

import polars as pl

from deminimis.plan import steps
from deminimis.sources.tables import ERRORS_SCHEMA


def row_errors(
    application_errors: pl.DataFrame,
    other_errors: pl.DataFrame,
    award_errors: pl.DataFrame,
    apps: pl.DataFrame,
    member: pl.DataFrame,
    per_app: list[pl.DataFrame],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``errors`` (``idx`` + error columns, by ``idx``) and ``input_errors`` (error columns).

    ``per_app``: errors already keyed by ``idx`` (rates, firm lookups), after the application's
    own; ``award_errors`` carry the ``orgnr`` of their row."""
    app_errs = application_errors.lazy().join(apps.lazy().select("idx", "file", "row"), on=["file", "row"])
    und_errs = award_errors.lazy().filter(pl.col("orgnr").is_not_null()).join(member.lazy(), on="orgnr")
    parts = [app_errs, *(p.lazy() for p in per_app), und_errs]
    errors = (
        pl.concat([p.select("idx", *ERRORS_SCHEMA) for p in parts])
        .unique(maintain_order=True)
        .sort("idx", maintain_order=True)
    )
    used = und_errs.select("file", "row").unique()
    input_errors = pl.concat(
        [
            award_errors.lazy().join(used, on=["file", "row"], how="anti").select(*ERRORS_SCHEMA),
            other_errors.lazy().select(*ERRORS_SCHEMA),
        ]
    ).unique(maintain_order=True)  # an event's error is given for both of its orgnr
    out, inputs = pl.collect_all([errors, input_errors], **steps())
    return out, inputs


__all__ = ["row_errors"]
