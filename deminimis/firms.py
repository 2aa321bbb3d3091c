"""Firm facts for the decision: the offline firms file first, then Brreg.

Facts come from ``--firms FILE`` (the officer's own data wins), then the local Brreg
snapshot or cache, and with ``online=True`` live Brreg lookups
(:func:`deminimis.sources.brreg.lookup_firms`). Brreg is used only when it can answer:
online, or with a snapshot on disk; otherwise nothing is looked up and nothing is warned.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from deminimis.plan import READERS
from deminimis.sources.brreg_paths import LOOKUP_SCHEMA, snapshot_exists

FIRM_SCHEMA = LOOKUP_SCHEMA
"""orgnr, name, nace, kommunenummer, underenhet_kommuner, status, source, problem, problem_kind."""
FACTS = ("name", "nace", "kommunenummer", "underenhet_kommuner", "status")


def _from_file(firms: pl.DataFrame | None, label: str) -> pl.DataFrame:
    if firms is None:
        return pl.DataFrame(schema=FIRM_SCHEMA)
    cols = [pl.col(c) if c in firms.columns else pl.lit(None, t).alias(c) for c, t in FIRM_SCHEMA.items()]
    frame = firms.lazy().select(cols).with_columns(source=pl.lit(label))
    return frame.cast(FIRM_SCHEMA).collect(engine=READERS)  # type: ignore[arg-type]


def firm_facts(
    firms: pl.DataFrame | None,
    orgnrs: list[str],
    *,
    online: bool = False,
    snapshot_dir: Path | None = None,
    file_label: str = "firms file",
) -> pl.DataFrame | None:
    """Facts per orgnr (:data:`FIRM_SCHEMA`), or None when there are none at all."""
    if not (online or snapshot_exists(snapshot_dir)):
        return _from_file(firms, file_label) if firms is not None else None
    own = _from_file(firms, file_label)
    wanted = [o for o in dict.fromkeys(orgnrs) if o and o not in set(own["orgnr"].to_list())]
    if not wanted:
        return own
    from deminimis.sources.brreg import lookup_firms  # httpx and the client only when Brreg can answer

    looked = lookup_firms(wanted, online=online, snapshot_dir=snapshot_dir).cast(FIRM_SCHEMA)  # type: ignore[arg-type]
    return pl.concat([own, looked.select(list(FIRM_SCHEMA))])


__all__ = ["FACTS", "FIRM_SCHEMA", "firm_facts"]
