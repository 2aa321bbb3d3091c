"""Command line for the grant ledger (``deminimis ledger …``); ``serve`` is in :mod:`deminimis.serve_cli`.

Why a separate module: the ledger pulls in SQLAlchemy; ``deminimis check`` stays as light as
before. Register with ``main.add_command(ledger)``.

Exit codes: as ``check`` (0 done, 2 unusable input or ledger, 3 the decision is ``error``),
plus **4: refused** — ``reserve`` did not reserve (route not ``de_minimis``), or ``grant`` /
``release`` found the reservation not pending or no longer fitting.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from deminimis import cpu_pin
from deminimis.cli_errors import errors_to_exit as _errors_to_exit
from deminimis.cli_options import AMOUNT_HELP, amount_option, date_option
from deminimis.cli_usage import LangCommand
from deminimis.errors import EXIT_REFUSED

DB_HELP = (
    "Ledger: a SQLAlchemy URL (sqlite:///file.sqlite, postgresql+psycopg://user@host/db) or a SQLite "
    "file path. Default: $DEMINIMIS_LEDGER_URL, else ./deminimis-ledger.sqlite."
)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _options(*opts: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(func: Any) -> Any:
        for opt in reversed(opts):
            func = opt(func)
        return func

    return apply


db_option = click.option("--db", "db", envvar="DEMINIMIS_LEDGER_URL", help=DB_HELP)
actor_option = click.option(
    "--actor", envvar="DEMINIMIS_ACTOR", default=_user, help="Who acts, for the audit log (default: you)."
)
format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group()
def ledger() -> None:
    """Grant ledger: your own grants as prior aid, and reservations that hold headroom.

    \b
    Examples:
      deminimis ledger init
      deminimis ledger import fixtures/awards.csv
      deminimis ledger reserve --orgnr 912346803 --amount 150000 --grant-date 2021-05-17
      deminimis ledger grant 1
      deminimis ledger history 912346803
    """


@ledger.command()
@db_option
@_errors_to_exit
def init(db: str | None) -> None:
    """Create the ledger (or upgrade its schema to this version)."""
    from deminimis.ledger import Ledger, migrate

    led = Ledger(db, must_exist=False)
    before, after = migrate(led)
    state = "created" if before is None else "up to date" if before == after else f"upgraded from {before}"
    click.echo(f"deminimis: ledger {led.display_url}: schema version {after} ({state})")


@ledger.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@_options(db_option, actor_option)
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--rates", "rates_file", type=click.Path(path_type=Path, dir_okay=False))
@_errors_to_exit
def import_(file: Path, db: str | None, actor: str, rules_dir: Path | None, rates_file: Path | None) -> None:
    """Import a prior-aid file (CSV or XLSX, the columns of --awards) in one transaction: all rows or none."""
    from deminimis.ledger import import_awards, open_ledger

    result = import_awards(open_ledger(db), file, actor=actor, rules_dir=rules_dir, rates_file=rates_file)
    for w in result.warnings:
        click.echo(f"deminimis: warning: {w.file}:{w.row} {w.field}: {w.message}", err=True)
    click.echo(
        f"deminimis: {result.imported} award(s) imported from {file}"
        + (f"; {result.skipped} already in the ledger, skipped" if result.skipped else "")
    )


@ledger.command(cls=LangCommand)
@click.option("--orgnr", required=True, help="Applicant's organisation number.")
@click.option(
    "--amount",
    required=True,
    callback=amount_option,
    help=f"The new aid, e.g. 150000 or '150 000,50'. {AMOUNT_HELP}",
)
@click.option("--currency", default="NOK", show_default=True)
@click.option(
    "--grant-date",
    "grant_date",
    callback=date_option,
    help="Planned grant date (YYYY-MM-DD or DD.MM.YYYY; default: today).",
)
@click.option("--scheme", type=click.Choice(["ad_hoc", "de_minimis_scheme", "covid_tf_3_1", "sgei"]))
@click.option("--nace")
@click.option("--application-id", "application_id")
@click.option("--fiscal-year-start", "fiscal_year_start")
@click.option("--in-difficulty-2019", "in_difficulty_2019", type=click.Choice(["yes", "no", "ja", "nei"]))
@click.option("--awards", "awards_file", type=click.Path(path_type=Path), help="Prior aid not in the ledger.")
@click.option("--links", type=click.Path(path_type=Path), help="orgnr,undertaking_id rows.")
@click.option("--firms", type=click.Path(path_type=Path), help="Offline firm facts.")
@click.option("--grantor", help="Stored with the reservation and its award.")
@click.option("--reference", help="Case number, stored with the reservation and its award.")
@click.option("--ttl-days", "ttl_days", type=click.IntRange(1, 365), default=14, show_default=True)
@_options(db_option, actor_option, format_option)
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True, is_eager=True)
@_errors_to_exit
def reserve(db: str | None, fmt: str, lang: str, ttl_days: int, **kwargs: Any) -> None:
    """Check a planned grant against the ledger and hold it if it fits de minimis (else exit 4)."""
    cpu_pin.pin_small_run(kwargs.values())  # before polars is imported: see deminimis.cpu_pin
    from deminimis.ledger import open_ledger
    from deminimis.ledger import reserve as do_reserve
    from deminimis.render.text import render_text

    kwargs["grant_date"] = kwargs["grant_date"] or dt.date.today().isoformat()
    options = {k: v for k, v in kwargs.items() if v is not None}
    result = do_reserve(open_ledger(db), ttl=dt.timedelta(days=ttl_days), **options)
    res = result.reservation
    if fmt == "json":
        _dump({"reservation": res.model_dump() if res else None, "decision": result.decision.to_json_dict()})
    else:
        click.echo(render_text(result.decision, lang))
        click.echo(
            f"\nreserved: reservation {res.id}, {res.amount} {res.currency} (EUR {res.amount_eur}), "
            f"expires {res.expires_at}"
            if res
            else f"\nnot reserved: route {result.decision.route}"
        )
    for err in result.input_errors:
        click.echo(f"deminimis: warning: {err.file}:{err.row} {err.field}: {err.message}", err=True)
    if not result.accepted:
        sys.exit(3 if result.decision.route == "error" else EXIT_REFUSED)


@ledger.command()
@click.argument("reservation_id", type=int)
@click.option("--granted-on", "granted_on", help="Date of the grant decision (default: the reserved date).")
@_options(db_option, actor_option, format_option)
@_errors_to_exit
def grant(reservation_id: int, granted_on: str | None, db: str | None, actor: str, fmt: str) -> None:
    """Make a reserved grant: the reservation becomes an award in the ledger."""
    from deminimis.ledger import grant as do_grant
    from deminimis.ledger import open_ledger

    result = do_grant(open_ledger(db), reservation_id, actor=actor, granted_on=granted_on)
    if fmt == "json":
        _dump(
            {
                "reservation": result.reservation.model_dump(),
                "award": result.award.model_dump(),
                "decision": result.decision.to_json_dict(),
            }
        )
    else:
        a, d = result.award, result.decision
        click.echo(
            f"reservation {reservation_id} granted: award {a.id}, {a.amount} {a.currency} on {a.granted_on} "
            f"(re-checked: headroom after EUR {d.headroom_after_eur})"
        )


@ledger.command()
@click.argument("reservation_id", type=int)
@_options(db_option, actor_option)
@_errors_to_exit
def release(reservation_id: int, db: str | None, actor: str) -> None:
    """Free a pending reservation (the grant will not be made)."""
    from deminimis.ledger import open_ledger
    from deminimis.ledger import release as do_release

    res = do_release(open_ledger(db), reservation_id, actor=actor)
    click.echo(f"reservation {res.id} released ({res.amount} {res.currency}, {res.orgnr})")


@ledger.command()
@click.argument("orgnr")
@_options(db_option, format_option)
@_errors_to_exit
def history(orgnr: str, db: str | None, fmt: str) -> None:
    """Awards, reservations and audit events of an orgnr."""
    from deminimis.ledger import history as do_history
    from deminimis.ledger import open_ledger

    h = do_history(open_ledger(db), orgnr)
    if fmt == "json":
        _dump(h.model_dump())
        return
    click.echo(f"{h.orgnr}: {len(h.awards)} award(s), {len(h.reservations)} reservation(s)")
    for a in h.awards:
        where = (
            f"{a.source_file}:{a.source_row}" if a.source == "import" else f"reservation {a.reservation_id}"
        )
        click.echo(f"  award {a.id}  {a.granted_on}  {a.amount:>14} {a.currency}  {a.basis:<16} {where}")
    for r in h.reservations:
        click.echo(
            f"  reservation {r.id}  {r.grant_date}  {r.amount:>14} {r.currency}  {r.status:<8} "
            f"expires {r.expires_at[:10]}  by {r.actor}"
        )
    for e in h.events:
        click.echo(
            f"  {e.at[:19]}  {e.action:<8} {e.outcome:<8} {e.actor}  reservation {e.reservation_id or '-'}"
        )


@ledger.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@db_option
@_errors_to_exit
def export(file: Path, db: str | None) -> None:
    """Write the ledger's prior aid (awards + live reservations) as an awards CSV (columns of --awards)."""
    from deminimis.ledger import export_awards, open_ledger

    count = export_awards(open_ledger(db), file)
    click.echo(f"deminimis: {count} row(s) written to {file}")


def __getattr__(name: str) -> Any:
    if name == "serve":  # moved to deminimis.serve_cli; kept importable from here
        from deminimis.serve_cli import serve

        return serve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["EXIT_REFUSED", "ledger"]


def _register_commands() -> None:
    """``ledger due`` and ``ledger registered`` (issue 14) live in :mod:`deminimis.register_cli`."""
    from deminimis.register_cli import ledger_due, ledger_registered

    ledger.add_command(ledger_due)
    ledger.add_command(ledger_registered)


_register_commands()
