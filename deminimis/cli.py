"""Command line: ``deminimis check``, ``deminimis batch``, ``deminimis fx``.

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

from deminimis.cli_errors import errors_to_exit
from deminimis.cli_options import AMOUNT_HELP, amount_option, date_option
from deminimis.errors import InputError
from deminimis.gge_input import INSTRUMENTS

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


def _side_options(func: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option(
            "--awards",
            type=click.Path(path_type=Path),
            metavar="FILE",
            help="Prior aid declared or known (CSV or XLSX), one row per award: orgnr, granted_on, "
            "amount, currency, basis (Norwegian headers such as Org.nr., Beløp, Hjemmel work too), "
            "e.g. the header 'orgnr,granted_on,amount,currency,basis' and a line "
            "'912346803,2020-03-02,60000,EUR,de_minimis'.",
        ),
        click.option(
            "--links",
            type=click.Path(path_type=Path),
            metavar="FILE",
            help="Firms forming one single undertaking (CSV or XLSX): rows sharing an undertaking_id, "
            "e.g. 'orgnr,undertaking_id' and '912346803,G1'.",
        ),
        click.option(
            "--firms",
            type=click.Path(path_type=Path),
            metavar="FILE",
            help="Offline firm facts (CSV or XLSX), used before Brreg: e.g. "
            "'orgnr,name,nace,kommunenummer,status' and '912346803,KAFE BRYGGA AS,56.101,4611,active'.",
        ),
        click.option(
            "--employer-tax",
            "employer_tax",
            type=click.Path(path_type=Path),
            metavar="FILE",
            help="Employer-tax rows per orgnr and year or month (CSV or XLSX): advantage_nok, or "
            "wage_base_nok + kommunenummer [+ area, sector]; e.g. 'orgnr,year,wage_base_nok,kommunenummer' "
            "and '912346803,2021,2500000,4611'.",
        ),
        click.option(
            "--employer-tax-missing",
            "employer_tax_missing",
            type=click.Choice(["warn", "assume-max"]),
            default="warn",
            show_default=True,
            help="A firm in a zone Ia kommune (firms file) with no employer-tax row: warn, or count the "
            "full fribeløp of each year in the window (conservative).",
        ),
        click.option(
            "--ledger",
            metavar="URL",
            help="Also count the grant ledger's awards and live reservations of the single undertaking "
            "(a database URL or SQLite file, as for 'deminimis ledger'); read-only.",
        ),
        click.option(
            "--events",
            type=click.Path(path_type=Path),
            metavar="FILE",
            help="Corporate events (CSV or XLSX): merger, acquisition or split; the predecessor's "
            "earlier aid counts for the successor, e.g. 'event,predecessor_orgnr,successor_orgnr,"
            "effective_date,share' and 'merger,912346803,912347915,2022-01-01,'.",
        ),
        click.option(
            "--unrecognised-basis",
            "unrecognised_basis",
            type=click.Choice(["count", "exclude"]),
            default="count",
            show_default=True,
            help="A prior award whose basis text names no known legal basis: count it as de minimis "
            "with a warning naming the nearest known basis (the safe reading), or leave it out.",
        ),
        click.option(
            "--online",
            is_flag=True,
            help="Look up firm facts live in Brønnøysund (Brreg) when the firms file and the local "
            "snapshot do not have them (opt-in; cached).",
        ),
        click.option(
            "--snapshot",
            type=click.Path(path_type=Path, file_okay=False),
            help="Brreg snapshot directory from 'deminimis brreg sync' (default: the user data dir).",
        ),
        click.option(
            "--register",
            "register",
            is_flag=False,
            flag_value="snapshot",
            default=None,
            metavar="[FILE]",
            help="Prior aid from Brønnøysund's aid register (Støtteregisteret): a downloaded award file "
            "(CSV or JSON), or without FILE the local snapshot ('deminimis register sync'); with "
            "--online, the live search API.",
        ),
        click.option(
            "--register-snapshot",
            "register_snapshot",
            type=click.Path(path_type=Path, file_okay=False),
            help="Register snapshot directory (default: the user data dir, see 'deminimis register info').",
        ),
        click.option(
            "--rules",
            "rules_dir",
            type=click.Path(path_type=Path, file_okay=False),
            help="Use another rules directory instead of the shipped law data.",
        ),
        click.option(
            "--rates",
            "rates_file",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Use another ECB rate file (date,currency,rate) instead of the shipped one.",
        ),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


YES_NO = click.Choice(["yes", "no", "ja", "nei"])


def _aid_form_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The form of the aid (contract §1 applications; the same columns in a batch file)."""
    opts = [
        click.option(
            "--instrument",
            type=click.Choice(list(INSTRUMENTS)),
            help="Form of the aid (default grant). For a loan, guarantee or capital injection --amount "
            "may be left out: --nominal-amount and the rules give the gross grant equivalent.",
        ),
        click.option(
            "--nominal-amount",
            "nominal_amount",
            callback=amount_option,
            help="The loan, the guaranteed amount or the capital injection, in --currency.",
        ),
        click.option("--term-years", "term_years", help="Term of the loan or guarantee in years."),
        click.option(
            "--collateral-pct", "collateral_pct", help="Share of the loan covered by collateral, percent."
        ),
        click.option(
            "--guarantee-pct", "guarantee_pct", help="Share of the underlying loan guaranteed, percent."
        ),
        click.option(
            "--gge",
            callback=amount_option,
            help="Gross grant equivalent computed by the officer (reference rate), in --currency; used as "
            "given for a loan, guarantee or other instrument.",
        ),
        click.option(
            "--payments",
            help="Instalments 'YYYY-MM-DD:amount;...' (they must add up to --amount), discounted to the "
            "grant date (Art 3(6)).",
        ),
        click.option(
            "--discount-rate-pct",
            "discount_rate_pct",
            help="Discount rate at the grant date for --payments, percent a year (e.g. 5.30).",
        ),
        click.option(
            "--scheme-max-amount",
            "scheme_max_amount",
            callback=amount_option,
            help="Fixed sum notified under a de minimis scheme (the scheme's maximum): it counts "
            "instead of the amount (2831 Art 7(4)).",
        ),
        click.option(
            "--via-intermediary",
            "via_intermediary",
            type=YES_NO,
            help="Granted through a financial intermediary: the grant date becomes the last day of the "
            "quarter of --grant-date (the signing date; Art 6(5)).",
        ),
        click.option(
            "--export-linked",
            "export_linked",
            type=YES_NO,
            help="Aid linked to exported quantities, a distribution network or other current export "
            "costs (excluded, Art 1(1)(e)). Trade-fair costs abroad, or studies and consultancy to "
            "launch a product on a new market, are generally not export aid (recital 10).",
        ),
        click.option(
            "--domestic-preference",
            "domestic_preference",
            type=YES_NO,
            help="Aid contingent upon using domestic over imported goods or services (excluded, "
            "Art 1(1)(f)).",
        ),
        click.option(
            "--insolvency-proceedings",
            "insolvency_proceedings",
            type=YES_NO,
            help="The borrower or guaranteed firm is subject to collective insolvency proceedings "
            "(also read from Brreg: konkurs, under avvikling); a loan or guarantee is then not "
            "transparent (Art 4(3)(a), 4(6)(a)).",
        ),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


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


@main.command(epilog=EXAMPLES_CHECK)
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
@_side_options
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
@_aid_form_options
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
    help="Language of --format text.",
)
@errors_to_exit
def check(fmt: str, lang: str, **kwargs: Any) -> None:
    """Decide one grant and explain it (a batch of one)."""
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
@_side_options
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


@main.group()
def fx() -> None:
    """Exchange rates (ECB euro reference rates) used offline.

    \b
    Examples:
      deminimis fx info      # which rate file, last fixing date
      deminimis fx update    # download the ECB history (online)
    """


@fx.command("update")
@click.option(
    "--dest",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the refreshed history (default: the user data directory).",
)
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request.")
@errors_to_exit
def fx_update(dest: Path | None, timeout: float) -> None:
    """Download the ECB history (online, opt-in); it then takes precedence over the shipped file."""
    from deminimis import fx as fxmod

    result = fxmod.update(dest=dest, timeout=timeout)
    click.echo(
        f"deminimis: {result.rows} rates for {result.currencies} currencies, "
        f"{result.first_date} … {result.last_date}, written to {result.path}"
    )


@fx.command("info")
@errors_to_exit
def fx_info() -> None:
    """Show which rate file is used and its last fixing date."""
    from deminimis import fx as fxmod

    path = fxmod.rates_path()
    rates = fxmod.load_rates(path)
    click.echo(f"{path}\nlast fixing: {rates['rate_date'].max()}; currencies: {rates['currency'].n_unique()}")


__all__ = ["main"]
