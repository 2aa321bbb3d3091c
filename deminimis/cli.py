"""Command line: ``deminimis check``, ``deminimis batch``; the other commands load from their modules.

Exit codes (contract §2): 0 every row decided; 3 output written but some rows are
``error`` (or a side file had broken rows); 2 unusable input, with one line naming the
file and what is wrong; 1 an online source failed.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import gc
import importlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from deminimis import cpu_pin
from deminimis.cli_errors import errors_to_exit
from deminimis.cli_inputs import aid_form_options, side_options
from deminimis.cli_options import AMOUNT_HELP, amount_option, date_option
from deminimis.cli_usage import LangCommand
from deminimis.errors import InputError

EXAMPLES_CHECK = """
\b
Examples:
  deminimis check --orgnr 974760673 --amount 150000 --currency NOK \\
      --grant-date 2021-05-17 --awards fixtures/awards.csv --format text --lang nb
  deminimis check --orgnr 974760673 --amount 40000 --currency EUR \\
      --grant-date 2021-09-01 --awards fixtures/awards.csv --scheme covid_tf_3_1 --format json
"""

EXAMPLES_BATCH = """
\b
Examples:
  deminimis batch fixtures/applications.csv --awards fixtures/awards.csv \\
      --links fixtures/links.csv --firms fixtures/firms.csv --out decisions.csv
  deminimis batch applications.csv --awards awards.csv --out decisions.json
"""


LAZY_COMMANDS = {
    "firm": "deminimis.brreg_cli",
    "brreg": "deminimis.brreg_cli",
    "validate": "deminimis.files_cli",
    "letter": "deminimis.files_cli",
    "report": "deminimis.files_cli",
    "ledger": "deminimis.ledger_cli",
    "serve": "deminimis.serve_cli",
    "register": "deminimis.register_cli",
    "zone": "deminimis.zone_cli",
    "fx": "deminimis.fx_cli",
}
"""Sub-commands defined in other modules, imported only when used (``check`` starts faster)."""


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module = importlib.import_module(LAZY_COMMANDS[cmd_name])
            self.add_command(getattr(module, cmd_name))
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(package_name="deminimis")
def main() -> None:
    """Check grants against the EEA de minimis ceiling and route them (de minimis, Covid TF, GBER).

    Offline by default: the law is read from the shipped rules data and exchange rates from
    the shipped ECB history. See README.md for the conventions used where the law leaves a choice.
    """


@main.command(epilog=EXAMPLES_CHECK, cls=LangCommand)
@click.option("--orgnr", required=True, help="Applicant's organisation number (9 digits, MOD11).")
@click.option(
    "--amount",
    default="",
    callback=amount_option,
    help="The new aid (gross grant equivalent), e.g. 150000, '150 000,50' or 'EUR 10 000'. "
    f"Required for a grant. {AMOUNT_HELP}",
)
@click.option(
    "--currency",
    help="ISO 4217 code of --amount (NOK, EUR, SEK …). Default: the currency written in --amount, else NOK.",
)
@click.option(
    "--grant-date",
    "grant_date",
    callback=date_option,
    help="Planned date of the decision conferring the right to the aid (YYYY-MM-DD or "
    "DD.MM.YYYY). Default: today.",
)
@side_options
@click.option(
    "--scheme",
    type=click.Choice(["ad_hoc", "de_minimis_scheme", "covid_tf_3_1", "sgei"]),
    default="ad_hoc",
    show_default=True,
    help="Legal frame the grant is made under.",
)
@click.option("--nace", help="NACE code of the activity aided (e.g. 56.101); else taken from --firms.")
@click.option("--application-id", "application_id", help="Identifier echoed in the decision.")
@click.option(
    "--fiscal-year-start", "fiscal_year_start", help="MM-DD start of the fiscal year (default 01-01)."
)
@click.option(
    "--in-difficulty-2019",
    "in_difficulty_2019",
    type=click.Choice(["yes", "no", "ja", "nei"]),
    help="Self-declaration: undertaking in difficulty on 31.12.2019 (closes the Covid TF route).",
)
@aid_form_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "letter"]),
    default="text",
    show_default=True,
    help="text: readable reasons; json: the whole decision as JSON; letter: the decision-letter text.",
)
@click.option(
    "--lang",
    type=click.Choice(["nb", "en"]),
    default="nb",
    show_default=True,
    is_eager=True,  # read first: an option's usage error is said in it
    help="Language of --format text and of the usage errors.",
)
@errors_to_exit
def check(fmt: str, lang: str, **kwargs: Any) -> None:
    """Decide one grant and explain it (a batch of one)."""
    cpu_pin.pin_small_run(kwargs.values())  # before polars is imported: see deminimis.cpu_pin
    with _start_up():
        from deminimis.api import check_one
        from deminimis.render.text import render_text

    kwargs["grant_date"] = kwargs["grant_date"] or dt.date.today().isoformat()
    result = check_one(**kwargs)
    if fmt == "text":  # from the decision's JSON dict: no pydantic model is built for it
        record = getattr(result.decisions, "record", None)
        click.echo(render_text(record(0) if record else result.decisions[0], lang))
    elif fmt == "json":
        click.echo(json.dumps(result.decisions[0].to_json_dict(), ensure_ascii=False, indent=2))
    else:
        from deminimis.render.letter import render_letter

        decision = result.decisions[0]
        if decision.route == "error":
            click.echo("deminimis: no letter: the input has errors (see --format text)", err=True)
        click.echo(render_letter(decision, lang), nl=False)
    for err in result.input_errors:
        click.echo(f"deminimis: warning: {err.file}:{err.row} {err.field}: {err.message}", err=True)
    sys.exit(result.exit_code)


_STARTED: list[bool] = []


@contextlib.contextmanager
def _start_up() -> Iterator[None]:
    """Import the engine with the garbage collector paused, then freeze what was loaded, and
    skip the last collections when the process ends; once per process.

    Why: every object of the ~700 loaded modules lives until the process ends, so each
    collection over them finds nothing to free; in a single check they cost about 10 ms of CPU
    while importing, 20 ms in the one full pass during the check (``gc.freeze`` takes them out
    of it) and about 0.1 s of wall time at exit (``gc.freeze`` at exit). Garbage made while
    deciding is still collected. Under click's CliRunner (tests) the first check freezes the
    test process's objects once, and the exit hook runs when that process ends."""
    if _STARTED:
        yield
        return
    _STARTED.append(True)
    atexit.register(gc.freeze)
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if paused:
            gc.enable()


PROGRESS_FROM_ROWS = 2000
CHUNK_DEFAULT = 20_000
"""Applications per chunk of ``batch`` (:data:`deminimis.batch_chunks.DEFAULT_CHUNK`; kept
here so that ``--help`` imports no engine)."""


def _progress_bar() -> Callable[[int, int], None] | None:
    """A rich progress bar on stderr for big batches; silent when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "deminimis: deciding", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    )  # fmt: skip
    task = None

    def show(done: int, total: int) -> None:
        nonlocal task
        if total < PROGRESS_FROM_ROWS:
            return
        if task is None:
            bar.start()
            task = bar.add_task("batch", total=total)
        bar.update(task, completed=done)
        if done >= total:
            bar.stop()

    return show


@main.command(epilog=EXAMPLES_BATCH)
@click.argument("applications", type=click.Path(path_type=Path))
@click.option("--sheet", help="Worksheet of an .xlsx applications file (default: the first).")
@side_options
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Output file: .csv (UTF-8 with BOM), .json (a list), .jsonl or .xlsx.",
)
@click.option(
    "--independent",
    is_flag=True,
    help="Decide each application alone. Default: cumulative, an earlier application of the same "
    "single undertaking (grant date, then input order) routed de_minimis counts for the later ones.",
)
@click.option(
    "--headers",
    type=click.Choice(["en", "nb"]),
    default="en",
    show_default=True,
    help="Column names of .csv/.xlsx: the English field names of the JSON (en), or Norwegian names "
    "and route words (nb).",
)
@click.option(
    "--csv-dialect",
    "csv_dialect",
    type=click.Choice(["excel", "excel-nb"]),
    default="excel",
    show_default=True,
    help="excel: commas, decimal point; excel-nb: semicolons and decimal comma (Norwegian Excel).",
)
@click.option(
    "--chunk-size",
    "chunk_size",
    type=click.IntRange(min=0),
    default=CHUNK_DEFAULT,
    show_default=True,
    help="Decide, render and write this many applications at a time (whole single undertakings "
    "decided together; the output is the same), so memory stays bounded for national batches; "
    "0: the whole batch at once.",
)
@errors_to_exit
def batch(
    applications: Path, out: Path, headers: str, csv_dialect: str, chunk_size: int, **kwargs: Any
) -> None:
    """Decide every row of an applications file; write one decision per row, in input order.

    APPLICATIONS is a CSV or XLSX file, one grant a row: orgnr, amount, grant_date and
    optionally application_id, currency, scheme, nace (Norwegian headers such as Org.nr.,
    Beløp, Vedtaksdato work too), e.g. the header 'application_id,orgnr,amount,currency,grant_date'
    and a line 'A1,912346803,150000,NOK,2021-05-17'. Columns of your own (Saksbehandler,
    Kommentar) are carried to the output next to the columns they stood by.
    """
    from deminimis.api import check_batch
    from deminimis.render.tables import FORMATS, write

    if out.suffix.lower() not in FORMATS:
        raise InputError(f"{out}: unknown output format '{out.suffix}' (use {', '.join(FORMATS)})")
    progress = _progress_bar()
    result = check_batch(applications, progress=progress, chunk_size=chunk_size or None, **kwargs)
    write(
        result.decisions,
        out,
        input_errors=result.input_errors,
        headers=headers,
        csv_dialect=csv_dialect,
        extra=result.extra,
    )
    if progress is not None:
        progress(len(result.decisions), len(result.decisions))
    routes = result.routes()
    summary = ", ".join(f"{k} {v}" for k, v in sorted(routes.items()))
    click.echo(f"deminimis: {len(result.decisions)} decisions written to {out} ({summary})", err=True)
    for err in result.input_errors:
        click.echo(f"deminimis: error: {err.file}:{err.row} {err.field}: {err.message}", err=True)
    for row in result.ignored:
        click.echo(f"deminimis: ignored: {row.file}:{row.row}: {row.message}", err=True)
    sys.exit(result.exit_code)


__all__ = ["main"]
