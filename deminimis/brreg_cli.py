"""Command line for Brreg: ``deminimis firm ORGNR`` and ``deminimis brreg sync|info``.

Registered in :mod:`deminimis.cli` with ``main.add_command(firm)`` and
``main.add_command(brreg)``. Exit codes as there: 0 answered; 2 an invalid orgnr or option
(one line); 1 Brreg failed (online) or answered something unusable.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
import polars as pl

from deminimis import orgnr
from deminimis.errors import InvalidOrgNr, SourceError
from deminimis.sources.brreg_cache import utcnow

if TYPE_CHECKING:  # the client (httpx) is imported when a brreg command runs, not at CLI start-up
    from deminimis.sources import brreg as brreg_source

EXAMPLES_FIRM = """
\b
Examples:
  deminimis firm 912349039                 # from the local snapshot or cache
  deminimis firm 912346803 --firms fixtures/firms.csv   # the officer's own firms file first
  deminimis firm 912349039 --online        # ask Brreg (cached 7 days)
  deminimis firm "912 349 039" --format json
"""
_STATUS = {
    "active": "active (registered)",
    "deleted": "deleted from the register (slettet)",
    "removed": "removed from public view for legal reasons (HTTP 410)",
    "not_found": "not found: Brreg has no enhet with this number (HTTP 404)",
    "bankrupt": "bankrupt (konkurs)",
    "under_liquidation": "under liquidation (under avvikling)",
    "forced_liquidation": "under forced liquidation or dissolution (tvangsavvikling/tvangsoppløsning)",
    "unknown": "unknown (not verified)",
}


def _fail(code: int, message: str) -> None:
    click.echo(f"deminimis: error: {message}", err=True)
    sys.exit(code)


def _text(row: dict, snapshot: brreg_source.Snapshot | None) -> str:
    subs = row["underenhet_kommuner"]
    source = row["source"] or "none (not looked up)"
    if snapshot is not None and row["source"] == snapshot.source:
        source += f" ({snapshot.age_days()} days old, {snapshot.dir})"
    lines = [
        f"orgnr:          {orgnr.format(row['orgnr'])}",
        f"name:           {row['name'] or '-'}",
        f"status:         {_STATUS.get(row['status'], row['status']) if row['status'] else '-'}",
        f"NACE:           {row['nace'] or '-'}",
        f"kommunenummer:  {row['kommunenummer'] or '-'}",
        f"underenheter:   {', '.join(subs) if subs else ('none' if subs is not None else '-')}",
        f"source:         {source}",
    ]
    if row["problem"]:
        lines.append(f"problem:        {row['problem']} ({row['problem_kind']})")
    return "\n".join(lines)


@click.command(epilog=EXAMPLES_FIRM)
@click.argument("number", metavar="ORGNR")
@click.option("--online", is_flag=True, help="Ask Brreg when the snapshot and cache do not know the firm.")
@click.option(
    "--snapshot",
    "snapshot_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Snapshot directory (default: the user data directory, see `deminimis brreg info`).",
)
@click.option(
    "--firms",
    "firms_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Offline firm facts (CSV or XLSX) as check and batch read them; its row wins over Brreg. "
    "Columns orgnr,name,nace,kommunenummer,status, e.g. '912346803,KAFE BRYGGA AS,56.101,4611,active'.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one fact a line; json: the same facts as an object.",
)
def firm(number: str, online: bool, snapshot_dir: Path | None, firms_file: Path | None, fmt: str) -> None:
    """Show the facts of one firm (name, NACE, kommune, status) and where they came from: the
    --firms file first (as check and batch use it), then the Brreg snapshot, cache or --online."""
    try:
        key = orgnr.validate(number)
    except InvalidOrgNr as exc:
        _fail(2, str(exc))
    from deminimis.sources import brreg as brreg_source

    row = _from_firms_file(firms_file, key, online, snapshot_dir) if firms_file else None
    if row is None:
        row = brreg_source.lookup_firms([key], online=online, snapshot_dir=snapshot_dir).row(0, named=True)
    if fmt == "json":
        click.echo(json.dumps(row, ensure_ascii=False, indent=2))
    else:
        click.echo(_text(row, brreg_source.load_snapshot(snapshot_dir)))
    if row["problem_kind"] == "malformed" or (online and row["problem_kind"] == "unavailable"):
        _fail(1, f"{key}: {row['problem']}")


def _from_firms_file(path: Path, key: str, online: bool, snapshot_dir: Path | None) -> dict | None:
    """The firm's facts from ``path`` through the same reader and lookup as a check, or None."""
    from deminimis.errors import InputError
    from deminimis.firms import firm_facts
    from deminimis.sources import tables
    from deminimis.sources.inputs import read_input

    try:
        frame, errors = tables.canonical_firms(read_input(path, "firms"))
    except InputError as exc:
        _fail(2, str(exc))
    for err in errors.iter_rows(named=True):
        click.echo(
            f"deminimis: warning: {err['file']}:{err['row']} {err['field']}: {err['message']}", err=True
        )
    facts = firm_facts(frame, [key], online=online, snapshot_dir=snapshot_dir, file_label=str(path))
    hits = facts.filter(pl.col("orgnr") == key) if facts is not None else None
    if hits is None or hits.is_empty():
        click.echo(f"deminimis: {orgnr.format(key)} is not in {path}", err=True)
        return None
    return hits.row(0, named=True)


@click.group()
def brreg() -> None:
    """The local snapshot of the Brreg register (Enhetsregisteret) used offline.

    \b
    Examples:
      deminimis brreg sync   # download all enheter and underenheter (online, about 400 MB)
      deminimis brreg info   # which snapshot is used and how old it is
    """


@brreg.command("sync")
@click.option(
    "--dest",
    type=click.Path(path_type=Path, file_okay=False),
    help="Snapshot directory (default: $DEMINIMIS_DATA_DIR/brreg or ~/.local/share/deminimis/brreg).",
)
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds per read.")
def brreg_sync(dest: Path | None, timeout: float) -> None:
    """Download Brreg's nightly dumps of all enheter and underenheter (online, about 400 MB)."""
    from deminimis.sources import brreg as brreg_source

    try:
        snap = brreg_source.sync(dest, progress=True, timeout=timeout)
    except SourceError as exc:
        _fail(1, str(exc))
    subs = snap.underenheter if snap.underenheter is not None else 0
    click.echo(f"deminimis: {snap.enheter} enheter and {subs} underenheter written to {snap.dir}")


@brreg.command("info")
@click.option("--snapshot", "snapshot_dir", type=click.Path(path_type=Path, file_okay=False))
def brreg_info(snapshot_dir: Path | None) -> None:
    """Show which snapshot is used, how old it is, and where the cache is."""
    from deminimis.sources import brreg as brreg_source

    snap = brreg_source.load_snapshot(snapshot_dir)
    cache = brreg_source.default_cache_dir()
    if snap is None:
        where = snapshot_dir or brreg_source.default_snapshot_dir()
        click.echo(f"no snapshot in {where} (run `deminimis brreg sync`)\ncache: {cache}")
        return
    age = (utcnow() - snap.downloaded_at).days
    click.echo(
        f"{snap.dir}\ndownloaded: {snap.downloaded_at:%Y-%m-%d %H:%M} UTC ({age} days old)\n"
        f"enheter: {snap.enheter}; underenheter: {snap.underenheter}\ncache: {cache}"
    )


__all__ = ["brreg", "firm"]
