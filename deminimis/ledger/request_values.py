"""Request values as the audit log keeps them: tables as rows, uploads and bytes by size.

Why its own module: turning ``reserve``'s arguments (paths, polars tables, uploads, pydantic
models, dates) into JSON is a self-contained conversion, apart from the reserve flow in
:mod:`deminimis.ledger.reservations`, which imports it (as ``_jsonable``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel

from deminimis.sources.inputs import Upload


def jsonable(value: Any) -> Any:
    """A request value as the audit log keeps it (tables as rows, uploads by name)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, pl.DataFrame):
        return value.to_dicts()
    if isinstance(value, Upload):
        return {"upload": value.name, "bytes": len(value.data)}
    if isinstance(value, bytes):
        return {"bytes": len(value)}
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


__all__ = ["jsonable"]
