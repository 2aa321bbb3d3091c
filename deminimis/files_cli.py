"""File commands: ``deminimis validate``, ``deminimis letter``, ``deminimis report``.

Click command objects, registered on the main group by :mod:`deminimis.cli`. Exit codes
as contract §2: 0 clean, 3 problems found (rows with errors), 2 unusable input with one
line naming the file and what is wrong. The checking behind ``validate`` (:class:`Validation`,
:func:`validate_files`) lives in :mod:`deminimis.validation` and is re-exported here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from pydantic import ValidationError

from deminimis.cli_errors import errors_to_exit, fail
from deminimis.cli_usage import LangCommand
from deminimis.errors import InputError, RuleDataError
from deminimis.models import Decision
from deminimis.sources import tables
from deminimis.validation import FINDINGS_SCHEMA, SEVERITY_ORDER, Validation, format_finding, validate_files

EXAMPLES_VALIDATE = """
\b
Examples:
  deminimis validate fixtures/realworld/awards_nb_cp1252.csv
  deminimis validate soknader.xlsx --sheet "Runde 2" --kind applications
  deminimis validate applications.csv awards.csv links.csv firms.csv --strict
"""


# --------------------------------------------------------------------------- validate


@click.command(epilog=EXAMPLES_VALIDATE)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--kind",
    type=click.Choice(list(tables.KINDS)),
    help="The table in every FILE; default: guessed from each file's headers.",
)
@click.option("--sheet", help="Spreadsheet sheet to read (default: the first).")
@click.option("--strict", is_flag=True, help="Exit 3 on warnings (duplicates, unknown basis) too.")
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--rates", "rates_file", type=click.Path(path_type=Path, dir_okay=False))
def validate(
    files: tuple[Path, ...],
    kind: str | None,
    sheet: str | None,
    strict: bool,
    rules_dir: Path | None,
    rates_file: Path | None,
) -> None:
    """Check input files (CSV or XLSX) without deciding anything.

    Prints every problem as ``file:row column: message``, then warnings (a basis read as
    'other', duplicates naming the first row) and the rows not used (blank, totals, above
    the header). Exit 0 clean (warnings allowed unless --strict), 3 problems found, 2 a file
    could not be used.
    """
    try:
        result = validate_files(list(files), kind, sheet, rules_dir, rates_file)
    except (InputError, RuleDataError) as exc:
        fail(2, str(exc))
        return
    for line in map(format_finding, result.findings.iter_rows(named=True)):
        click.echo(line)
    for path in map(str, files):
        if path in result.unusable:
            click.echo(f"deminimis: error: {result.unusable[path]}", err=True)
            continue
        click.echo(
            f"deminimis: {path}: {result.kinds[path]}, {result.rows[path]} rows, "
            f"{result.count('error', path)} problem(s), {result.count('warning', path)} warning(s), "
            f"{result.count('ignored', path)} ignored row(s)",
            err=True,
        )
    sys.exit(result.exit_code(strict))


# --------------------------------------------------------------------------- letter, report


def load_decisions(path: Path) -> list[Decision]:
    """Decisions from what ``batch --out`` wrote: a JSON list, a single JSON object, JSON lines,
    or the batch's .csv / .xlsx (whose JSON column / hidden sheet holds each whole decision)."""
    if not path.is_file():
        raise InputError(f"{path}: file not found (decisions)")
    if path.suffix.lower() in (".csv", ".xlsx"):
        from deminimis.render.tables import read_decision_texts

        return _validated(path, [json.loads(t) for t in read_decision_texts(path)])
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not JSON or JSON lines ({exc.msg}, line {exc.lineno})") from exc
    return _validated(path, data if isinstance(data, list) else [data])


def _validated(path: Path, items: list) -> list[Decision]:
    try:
        return [Decision.model_validate(item) for item in items]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{path}: not a deminimis decision ({where}: {first['msg']})") from exc


LETTERHEAD = ("kommune", "adresse", "saksnummer", "saksbehandler", "dato", "klageadgang")


def _letterhead_options(func):  # type: ignore[no-untyped-def]
    for name in reversed(LETTERHEAD):
        func = click.option(f"--{name}", help=f"Letterhead: {name} (overrides --settings).")(func)
    return func


@click.command(cls=LangCommand)
@click.argument("decisions_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--application-id", "application_id", help="Only this decision (default: every one).")
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder: one letter (DOCX and text) and one case note per application. Without it the "
    "letter texts are printed.",
)
@click.option(
    "--all",
    "all_routes",
    is_flag=True,
    help="Also write letters for gber and manual_review (on request; never for error).",
)
@click.option(
    "--settings",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Letterhead settings (TOML): kommune, adresse, saksnummer, saksbehandler, dato, klageadgang.",
)
@click.option(
    "--template",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The municipality's own template: Jinja text (.txt/.j2) or DOCX with {{ kommune }} … and "
    "{{ brødtekst }} where the letter goes.",
)
@_letterhead_options
@errors_to_exit
def letter(
    decisions_file: Path,
    application_id: str | None,
    lang: str,
    out_dir: Path | None,
    all_routes: bool,
    settings: Path | None,
    template: Path | None,
    **head: str | None,
) -> None:
    """Write the applicant's letters and the officer's case notes from a batch's output
    (.json, .jsonl, .csv or .xlsx, as `batch --out` wrote it) or a `check --format json`.

    Letters for de_minimis and covid_tf; gber and manual_review only with --all; none for
    error (the case note says what to fix).

    \b
    Example:
      deminimis batch soknader.xlsx --awards tidligere.xlsx --out vedtak.xlsx
      deminimis letter vedtak.xlsx --out brev/ --kommune "Bodø kommune" \\
          --saksbehandler "Kari Nordmann" --saksnummer 2026/123
    """
    from deminimis.render.casefile import load_letterhead, write_casefile
    from deminimis.render.letter import render_letter

    decisions = load_decisions(decisions_file)
    if application_id is not None:
        decisions = [d for d in decisions if d.application_id == application_id]
        if not decisions:
            raise InputError(f"{decisions_file}: no decision with application_id '{application_id}'")
    if out_dir is None:
        click.echo(("\n" + "-" * 72 + "\n\n").join(render_letter(d, lang) for d in decisions), nl=False)
        return
    letterhead = load_letterhead(settings, **head)
    written = write_casefile(
        decisions,
        out_dir,
        letterhead,
        lang=lang,
        letters_for="all" if all_routes else "granted",
        template=template,
    )
    letters = sum(1 for p in written if p.name.endswith("_vedtak.docx"))
    click.echo(
        f"deminimis: {letters} letter(s) and {len(decisions)} case note(s) written to {out_dir}", err=True
    )


@click.command()
@click.argument("decisions_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["kmd", "register"]),
    default="kmd",
    show_default=True,
    help="kmd: the ministry's reporting columns; register: the Art 6(1) fields to register in "
    "Støtteregisteret, the due date and how long to keep the records.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="report.csv (UTF-8 with BOM) or report.xlsx.",
)
@click.option(
    "--all", "include_all", is_flag=True, help="Also list decisions not granted as decided (gber, …)."
)
@errors_to_exit
def report(decisions_file: Path, fmt: str, out: Path, include_all: bool) -> None:
    """Write the reporting export: navn, orgnr, tilskuddsbeløp, valuta, hjemmel, vedtaksdato,
    from a batch's output (.json, .jsonl, .csv or .xlsx).

    Only grants routed de_minimis or covid_tf are reported unless --all; the others are
    named on stderr.

    \b
    Example:
      deminimis report d.json --format kmd --out rapport.xlsx
    """
    from deminimis.render.report import write_report

    decisions = load_decisions(decisions_file)
    left_out = write_report(decisions, out, fmt, include_all=include_all)
    click.echo(f"deminimis: {len(decisions) - len(left_out)} grant(s) written to {out}", err=True)
    if left_out:
        names = ", ".join(f"{d.application_id} ({d.route})" for d in left_out)
        click.echo(f"deminimis: not reported (not granted as decided): {names}", err=True)


__all__ = [
    "FINDINGS_SCHEMA",
    "SEVERITY_ORDER",
    "Validation",
    "format_finding",
    "letter",
    "load_decisions",
    "report",
    "validate",
    "validate_files",
]
