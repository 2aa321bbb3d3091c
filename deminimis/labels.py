"""Naming a file the engine read (an upload saved for it) as the client knows it.

Why shared: the JSON API's batch upload and the web page's batch upload both save uploads
under a server-side name; their decisions must name the file the officer sent.
"""

from __future__ import annotations

from pathlib import Path

from deminimis.models import Decision


def relabel_file(decisions: list[Decision], path: Path, label: str, row_offset: int = 0) -> list[Decision]:
    """Name a temporary file in the decisions' errors and counted awards as the client knows it."""
    out = []
    for d in decisions:
        errors = [
            e.model_copy(update={"file": label, "row": None if e.row is None else e.row + row_offset})
            if e.file == str(path)
            else e
            for e in d.errors
        ]
        counted = [c.model_copy(update={"file": label}) if c.file == str(path) else c for c in d.counted]
        links = [
            x.model_copy(update={"file": label, "row": None if x.row is None else x.row + row_offset})
            if x.file == str(path)
            else x
            for x in d.undertaking_links
        ]
        out.append(d.model_copy(update={"errors": errors, "counted": counted, "undertaking_links": links}))
    return out


__all__ = ["relabel_file"]
