"""Where the Brreg snapshot lives, and the firm-facts schema, without importing httpx.

Kept apart from :mod:`deminimis.sources.brreg_bulk` so that an offline ``deminimis check``
can ask "is there a snapshot?" and know the firms schema without paying for the HTTP client.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

ENHETER, UNDERENHETER, META = "enheter.parquet", "underenheter.parquet", "snapshot.json"
LOOKUP_SCHEMA: dict[str, pl.DataType] = {
    "orgnr": pl.Utf8(),
    "name": pl.Utf8(),
    "nace": pl.Utf8(),
    "kommunenummer": pl.Utf8(),
    "underenhet_kommuner": pl.List(pl.Utf8()),
    "status": pl.Utf8(),
    "source": pl.Utf8(),
    "problem": pl.Utf8(),
    "problem_kind": pl.Utf8(),
}
"""One row per orgnr: the facts a decision uses (see :func:`deminimis.sources.brreg.lookup_firms`)."""


def default_snapshot_dir() -> Path:
    """``$DEMINIMIS_DATA_DIR/brreg`` or the XDG data dir (``~/.local/share/deminimis/brreg``)."""
    if base := os.environ.get("DEMINIMIS_DATA_DIR"):
        return Path(base) / "brreg"
    xdg = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(xdg) / "deminimis" / "brreg"


def snapshot_exists(snapshot_dir: Path | None = None) -> bool:
    """True when :func:`deminimis.sources.brreg_bulk.load_snapshot` would find one."""
    return (Path(snapshot_dir or default_snapshot_dir()) / ENHETER).is_file()


__all__ = ["ENHETER", "LOOKUP_SCHEMA", "META", "UNDERENHETER", "default_snapshot_dir", "snapshot_exists"]
