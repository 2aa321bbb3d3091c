"""Command line for Støtteregisteret: ``deminimis register sync|info|mismatches``.

Loaded lazily by :mod:`deminimis.cli`. Exit codes as there: 0 done; 2 unusable input (one line);
1 the register could not be downloaded.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from deminimis.cli_errors import errors_to_exit
from deminimis.errors import InputError

EXAMPLES = """
\b
Examples:
  deminimis register sync                       # download the award and scheme files
  deminimis register info
  deminimis check --orgnr 934189698 --amount 100000 --grant-date 2026-10-01 --register
  deminimis register mismatches applications.csv --awards awards.csv --register --out mismatches.xlsx
"""


@click.group(epilog=EXAMPLES)
def register() -> None:
    """Brønnøysund's aid register (Støtteregisteret): a local snapshot, and what it disagrees with."""


@register.command("sync")
@click.option("--dest", type=click.Path(path_type=Path, file_okay=False), help="Snapshot directory.")
@click.option("--url", "awards_url", help="Award file URL (default: the CSV 'totalbestand').")
@click.option("--json", "use_json", is_flag=True, help="Download the JSON 'totalbestand' instead of the CSV.")
@click.option(
    "--max-mb", type=int, default=2048, show_default=True, help="Refuse a download larger than this."
)
@click.option("--timeout", type=float, default=120.0, show_default=True, help="Seconds per request.")
@errors_to_exit
def sync_cmd(dest: Path | None, awards_url: str | None, use_json: bool, max_mb: int, timeout: float) -> None:
    """Download the register's award and scheme files into a local parquet snapshot (online, opt-in)."""
    from deminimis.sources import register_snapshot as snap

    url = awards_url or (snap.AWARDS_JSON_URL if use_json else snap.AWARDS_URL)
    s = snap.sync(
        dest, awards_url=url, progress=sys.stderr.isatty(), timeout=timeout, max_bytes=max_mb * 1024**2
    )
    click.echo(f"deminimis: register snapshot {s.date}: {s.rows:,} awards in {s.dir} (sha256 {s.sha256})")


@register.command("info")
@click.option("--dir", "snapshot_dir", type=click.Path(path_type=Path, file_okay=False))
@errors_to_exit
def info_cmd(snapshot_dir: Path | None) -> None:
    """Say where the snapshot is, when it was retrieved and how old it is."""
    from deminimis.sources import register_snapshot as snap

    s = snap.load(snapshot_dir)
    click.echo(
        f"{s.dir}\nretrieved: {s.retrieved_at.isoformat()} ({s.age_days()} days old)\n"
        f"source: {s.url}\nsha256: {s.sha256}\nawards: {s.rows:,}\n"
        f"schemes: {'yes' if s.has_schemes else 'no'}"
    )


MISMATCH_COLUMNS = ("mismatch", "orgnr", "granted_on", "amount", "currency", "basis", "grantor", "reference")


@register.command("mismatches")
@click.argument("applications", type=click.Path(path_type=Path))
@click.option("--awards", type=click.Path(path_type=Path), help="The declared prior aid (awards file).")
@click.option("--links", type=click.Path(path_type=Path), help="Single-undertaking links.")
@click.option(
    "--register", "register_", is_flag=False, flag_value="snapshot", default="snapshot", metavar="[FILE]"
)
@click.option("--register-snapshot", type=click.Path(path_type=Path, file_okay=False))
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False), help=".csv or .xlsx")
@errors_to_exit
def mismatches_cmd(
    applications: Path,
    awards: Path | None,
    links: Path | None,
    register_: str,
    register_snapshot: Path | None,
    out: Path,
) -> None:
    """List declared awards missing from the register and register awards not declared, for a batch."""
    import polars as pl

    from deminimis.api import check_batch

    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"{out}: use .csv or .xlsx")
    result = check_batch(
        applications, awards=awards, links=links, register=register_, register_snapshot=register_snapshot
    )
    rows: dict[tuple, dict] = {}
    for d in result.decisions:
        for c in d.counted:
            if c.mismatch:
                key = (c.file, c.row, c.reference)
                hit = rows.setdefault(
                    key, {**{k: getattr(c, k) for k in MISMATCH_COLUMNS}, "applications": []}
                )
                hit["sources"] = ", ".join(c.sources or [f"{c.file}:{c.row}"])
                hit["applications"].append(d.application_id)
    frame = pl.DataFrame(
        [{**r, "applications": ", ".join(r["applications"])} for r in rows.values()],
        schema=dict.fromkeys((*MISMATCH_COLUMNS, "applications", "sources"), pl.Utf8),
    )
    from deminimis.render import outputs
    from deminimis.render.tables import write_sheet

    if out.suffix.lower() == ".xlsx":
        with outputs.atomic_path(out) as tmp, outputs.workbook(tmp) as workbook:
            write_sheet(workbook, "mismatches", frame, money=(), dates=())
    else:
        outputs.write_csv(frame, out)
    click.echo(f"deminimis: {frame.height} mismatches written to {out}", err=True)


__all__ = ["register"]


@click.command("due")
@click.option("--db", "db", envvar="DEMINIMIS_LEDGER_URL", help="Ledger URL or SQLite file.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@errors_to_exit
def ledger_due(db: str | None, fmt: str) -> None:
    """List the awards granted here that are not yet registered in Støtteregisteret, by due date."""
    import json

    from deminimis.ledger import open_ledger
    from deminimis.ledger.registrations import due
    from deminimis.money import format_cents

    rows = due(open_ledger(db))
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        flag = "  OVERDUE" if r["overdue"] else ""
        click.echo(
            f"award {r['award_id']}: {r['orgnr']} {format_cents(r['amount_cents'])} {r['currency']} granted "
            f"{r['granted_on']}, register by {r['due_date'] or '?'}{flag}"
        )
    click.echo(f"deminimis: {len(rows)} award(s) not yet registered", err=True)


@click.command("registered")
@click.argument("award_id", type=int)
@click.option("--register-id", help="Støtteregisteret's id of the award (Støttetiltaksnummer).")
@click.option("--on", "on", help="Date it was registered (default: today).")
@click.option("--db", "db", envvar="DEMINIMIS_LEDGER_URL", help="Ledger URL or SQLite file.")
@click.option("--actor", envvar="DEMINIMIS_ACTOR", default="unknown", help="Who acts, for the audit log.")
@errors_to_exit
def ledger_registered(
    award_id: int, register_id: str | None, on: str | None, db: str | None, actor: str
) -> None:
    """Record that a granted award was registered in Støtteregisteret (audit log)."""
    import datetime as dt

    from deminimis.ledger import open_ledger
    from deminimis.ledger.registrations import mark_registered

    day = dt.date.fromisoformat(on) if on else None
    mark_registered(open_ledger(db), award_id, actor=actor, register_id=register_id, on=day)
    click.echo(f"deminimis: award {award_id} marked registered")


__all__ += ["ledger_due", "ledger_registered"]
