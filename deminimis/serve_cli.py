"""``deminimis serve``: the officer's web page at ``/`` and the JSON API at ``/v1`` (OpenAPI at /docs).

Why its own module: the server pulls in FastAPI and uvicorn; ``deminimis check`` stays light
(:data:`deminimis.cli.LAZY_COMMANDS` imports this only for ``serve``).

Without ceremony: in an empty directory it creates the default SQLite ledger on first use
and says so on stderr; ``--no-ledger`` runs checks without one. The side files (``--firms``,
``--awards``, ``--links``, ``--employer-tax``, ``--events``, ``--snapshot``, ``--online``,
``--rules``, ``--rates``) apply to every check the server makes, over the API and on the page.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

import click

from deminimis import cpu_pin
from deminimis.ledger_cli import DB_HELP, _errors_to_exit
from deminimis.threads import configure

_FILE = click.Path(path_type=Path, dir_okay=False, exists=True)
_DIR = click.Path(path_type=Path, file_okay=False, exists=True)


def _side_files(func: Any) -> Any:
    opts = [
        click.option("--firms", type=_FILE, help="Offline firm facts: orgnr,name,nace,kommunenummer,status."),
        click.option("--awards", type=_FILE, help="Prior aid (awards columns) added to every check."),
        click.option("--links", type=_FILE, help="orgnr,undertaking_id rows for every check."),
        click.option("--employer-tax", "employer_tax", type=_FILE, help="Employer-tax rows for every check."),
        click.option(
            "--employer-tax-missing",
            "employer_tax_missing",
            type=click.Choice(["warn", "assume-max"]),
            help="A zone Ia firm with no employer-tax row: warn (default) or count the full fribeløp.",
        ),
        click.option("--events", type=_FILE, help="Undertaking events (mergers, splits) for every check."),
        click.option("--snapshot", type=_DIR, help="Brreg snapshot directory ('deminimis brreg sync')."),
        click.option("--online", is_flag=True, help="Look firms up live in Brønnøysund (page and checks)."),
        click.option("--rules", "rules_dir", type=_DIR, help="Another rules directory."),
        click.option("--rates", "rates_file", type=_FILE, help="Another ECB rate file."),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--db", "db", envvar="DEMINIMIS_LEDGER_URL", help=DB_HELP)
@click.option("--init", "init_db", is_flag=True, help="Create or upgrade the ledger first.")
@click.option(
    "--optional-ledger",
    is_flag=True,
    help="Use the ledger if there is one, else run without (no Reserve; checks work).",
)
@click.option("--no-ledger", "no_ledger", is_flag=True, help="Run checks without any ledger.")
@_side_files
@click.option("--max-body", "max_body", type=int, help="Largest request body in bytes (default 5 MB).")
@click.option("--max-rows", "max_rows", type=int, help="Most batch or prior-aid rows per request (10,000).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Server processes.")
@click.option(
    "--polars-threads",
    "polars_threads",
    type=click.IntRange(0, 1024),
    help="Polars threads per worker (default 1, or $POLARS_MAX_THREADS; 0: one per core). A check "
    "is many tiny queries, answered faster on one thread; raise it for large batch uploads.",
)
@click.option(
    "--pin-cpu/--no-pin-cpu",
    "pin_cpu",
    default=None,
    help="Keep each worker on one CPU (Linux; default: on with one polars thread per worker). "
    "A check hands each query to polars' thread; on one CPU that costs no wake-up of another.",
)
@_errors_to_exit
def serve(
    host: str, port: int, workers: int, polars_threads: int | None, pin_cpu: bool | None, **options: Any
) -> None:
    """Serve the officer's web page at / and the HTTP JSON API (OpenAPI at /docs).

    API key: set $DEMINIMIS_API_KEY; /v1 calls need header X-API-Key, and the page asks for it
    before its checks read the ledger or its Reserve writes to it.

    \b
    Example:
      deminimis serve --firms fixtures/firms.csv
      open http://127.0.0.1:8000/        # the page (bokmål; ?lang=en for English)
      curl -s localhost:8000/v1/health
    """
    threads, note = configure(polars_threads)  # first: polars reads it when it is imported
    if note:
        click.echo(f"deminimis: {note}", err=True)
    import uvicorn

    from deminimis.http.settings import SETTINGS_ENV
    from deminimis.server import create_app, ensure_ledger

    settings = settings_from_options(**options)
    if note := ensure_ledger(settings):
        click.echo(f"deminimis: {note}", err=True)
    app = create_app(settings)  # a missing ledger or a broken side file stops here, with its message
    if workers > 1 and app.state.ledger is None:
        raise click.UsageError("--workers needs a ledger: the page's results are kept in it")
    key = "on (X-API-Key)" if settings.api_key else "off"
    ledger = f"on ({app.state.ledger.display_url})" if app.state.ledger is not None else "off (no Reserve)"
    where = f"http://{host}:{port}/ (page) and /docs"
    pinned = _pin(workers, cpu_pin.wanted(pin_cpu, threads))
    done = f"API key {key}; ledger {ledger}; workers {workers}, polars threads {threads} each{pinned}"
    click.echo(f"deminimis: serving {where} ({done})", err=True)
    if workers == 1:
        uvicorn.run(app, host=host, port=port)
        return
    os.environ[SETTINGS_ENV] = settings.to_json()
    uvicorn.run(
        "deminimis.server:app_from_env", factory=True, host=host, port=port, workers=workers, **_patience()
    )


def _pin(workers: int, wanted: bool) -> str:
    """Pin this process (one worker) or have each worker pin itself (``cpu_pin.ENV``); what
    the start-up line says of it."""
    os.environ.pop(cpu_pin.ENV, None)
    if not wanted:
        return ""
    if workers > 1:
        os.environ[cpu_pin.ENV] = "1"
        return ", each on one CPU"
    cpu = cpu_pin.pin()
    return f", on CPU {cpu}" if cpu is not None else " (not pinned: this system cannot, or has one CPU)"


def _patience() -> dict[str, int]:
    """A longer worker health check where uvicorn has one: a worker importing the engine on a
    busy machine can take more than uvicorn's default 5 s to answer, and would be restarted."""
    import uvicorn

    known = inspect.signature(uvicorn.Config).parameters
    return {"timeout_worker_healthcheck": 60} if "timeout_worker_healthcheck" in known else {}


def settings_from_options(**options: Any) -> Any:
    """The server's :class:`~deminimis.http.settings.ApiSettings` from ``serve``'s options."""
    from deminimis.http.settings import ApiSettings
    from deminimis.web.firm import load_firms

    settings = ApiSettings.from_env(
        db_url=options.get("db"),
        init=options.get("init_db") or None,
        max_body_bytes=options.get("max_body"),
        max_rows=options.get("max_rows"),
        ledger_optional=options.get("optional_ledger") or None,
        no_ledger=options.get("no_ledger") or None,
        firms_file=options.get("firms"),
        online=options.get("online") or None,
        awards_file=options.get("awards"),
        links_file=options.get("links"),
        employer_tax_file=options.get("employer_tax"),
        employer_tax_missing=options.get("employer_tax_missing"),
        events_file=options.get("events"),
        snapshot_dir=options.get("snapshot"),
        rules_dir=options.get("rules_dir"),
        rates_file=options.get("rates_file"),
    )
    settings.validate()
    load_firms(settings.firms_file)  # a broken firms file stops here, with its message
    return settings


__all__ = ["serve", "settings_from_options"]
