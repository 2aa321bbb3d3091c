"""The Python API: ``check`` (one grant) and ``check_batch`` (a file of grants).

Both go through the same pipeline: a single check is a batch of one.

>>> from deminimis import check
>>> d = check(orgnr="974760673", amount="150000", currency="EUR", grant_date="2021-05-17")
>>> d.route, d.regime, d.window.from_, d.headroom_after_eur
('de_minimis', 'EU-1407/2013', '2019-01-01', '50000.00')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from deminimis import employer_tax as employer_tax_mod
from deminimis import fx, gge_input
from deminimis.cumulation import ERRORS_SCHEMA, Inputs, run
from deminimis.errors import InputError
from deminimis.events import canonical_events
from deminimis.firms import firm_facts
from deminimis.models import Decision, RowError
from deminimis.render.columnar import build
from deminimis.render.decisions import Decisions
from deminimis.rules import SCHEMES, Rules, load_rules
from deminimis.sources import tables
from deminimis.sources.register_evidence import consulted_sources, register_evidence
from deminimis.undertaking import LINK_SCHEMA

CHECK_SOURCE = "check options"
EMPLOYER_TAX_MISSING = ("warn", "assume-max")
PathLike = str | Path


@dataclass
class BatchResult:
    decisions: Sequence[Decision]
    """A list, or :class:`~deminimis.render.decisions.Decisions` (objects parsed on access)."""
    input_errors: list[RowError]
    """Broken rows of awards/links/firms files that belong to no application."""
    ignored: list[RowError] = field(default_factory=list)
    """Rows of the applications file not read as applications (title, blank, totals, a
    repeated header): ``field`` is ``(row)``, ``message`` says why."""

    def routes(self) -> dict[str, int]:
        """Decisions per route, sorted by route (without parsing rendered decisions)."""
        if isinstance(self.decisions, Decisions):
            return self.decisions.routes()
        counts: dict[str, int] = {}
        for d in self.decisions:
            counts[d.route] = counts.get(d.route, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def exit_code(self) -> int:
        """Contract §2: 0 all decided, 3 some rows are errors."""
        bad = "error" in self.routes() or bool(self.input_errors)
        return 3 if bad else 0


def _context(rules_dir: PathLike | None, rates_file: PathLike | None) -> tuple[Rules, pl.DataFrame]:
    rules = load_rules(Path(rules_dir) if rules_dir else None)
    rates = fx.load_rates(Path(rates_file) if rates_file else None)
    return rules, rates


def _currencies(rates: pl.DataFrame) -> list[str]:
    return ["EUR", *rates.get_column("currency").unique().sort().to_list()]


def _side_tables(
    rules: Rules,
    rates: pl.DataFrame,
    awards: PathLike | None,
    links: PathLike | None,
    firms: PathLike | None,
    unrecognised_basis: str = "count",
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame | None, pl.DataFrame]:
    empty_err = pl.DataFrame(schema={**ERRORS_SCHEMA, "orgnr": pl.Utf8})
    if awards:
        aw, aw_err = tables.canonical_awards(
            tables.read_table(awards, "awards"), _currencies(rates), rules.basis_aliases(), unrecognised_basis
        )
    else:
        aw, aw_err = pl.DataFrame(), empty_err
    others = [pl.DataFrame(schema=ERRORS_SCHEMA)]
    if links:
        ln, ln_err = tables.canonical_links(tables.read_table(links, "links"))
        others.append(ln_err)
    else:
        ln = pl.DataFrame(schema=LINK_SCHEMA)
    fm = None
    if firms:
        fm, fm_err = tables.canonical_firms(tables.read_table(firms, "firms"))
        others.append(fm_err)
    return aw, aw_err, ln, fm, pl.concat(others)


def _decide(
    raw_apps: pl.DataFrame,
    rules: Rules,
    rates: pl.DataFrame,
    awards: PathLike | None,
    links: PathLike | None,
    firms: PathLike | None,
    employer_tax_file: PathLike | None = None,
    employer_tax_missing: str = "warn",
    online: bool = False,
    snapshot: PathLike | None = None,
    progress: Callable[[int, int], None] | None = None,
    register: PathLike | bool | None = None,
    register_snapshot: PathLike | None = None,
    unrecognised_basis: str = "count",
    events: PathLike | None = None,
) -> BatchResult:
    if employer_tax_missing not in EMPLOYER_TAX_MISSING:
        raise InputError(
            f"--employer-tax-missing '{employer_tax_missing}': use one of {EMPLOYER_TAX_MISSING}"
        )
    if unrecognised_basis not in tables.UNRECOGNISED_BASIS:
        raise InputError(
            f"--unrecognised-basis '{unrecognised_basis}': use one of {tables.UNRECOGNISED_BASIS}"
        )
    apps, app_err = tables.canonical_applications(raw_apps, _currencies(rates), list(SCHEMES))
    apps = apps.with_columns(prior_source=pl.lit(bool(awards)))  # warning no_prior_aid_source
    aw, aw_err, ln, fm, other_err = _side_tables(rules, rates, awards, links, firms, unrecognised_basis)
    et = et_err = None
    if employer_tax_file:
        et_raw = tables.read_table(employer_tax_file, "employer_tax")
        et, et_err = employer_tax_mod.canonical_rows(et_raw, employer_tax_mod.load(rules.directory))
    orgnrs = apps.filter(~pl.col("has_error"))["orgnr"].to_list() + ln["orgnr"].to_list()
    facts = firm_facts(fm, orgnrs, online=online, snapshot_dir=Path(snapshot) if snapshot else None)
    ev = ev_err = None
    if events:
        ev, ev_err = canonical_events(tables.read_table(events, "events"))
    inputs = Inputs(
        apps, app_err, aw, aw_err, ln, facts, other_err, et, et_err, employer_tax_missing, ev, ev_err
    )
    grant_dates = apps.filter(~pl.col("has_error"))["grant_date"].to_list()
    inputs.register = register_evidence(
        register, orgnrs, online, register_snapshot, rules.directory, grant_dates
    )
    inputs.sources = consulted_sources(awards, employer_tax_file, inputs.register)
    result = run(inputs, rules, rates)
    errors = [RowError(**r) for r in result.input_errors.iter_rows(named=True)]
    return BatchResult(build(result, rules, progress), errors)


def check(
    *,
    orgnr: str,
    amount: str | int,
    grant_date: str | dt.date,
    currency: str = "NOK",
    awards: PathLike | None = None,
    links: PathLike | None = None,
    firms: PathLike | None = None,
    scheme: str | None = None,
    nace: str | None = None,
    application_id: str | None = None,
    fiscal_year_start: str | None = None,
    in_difficulty_2019: str | bool | None = None,
    instrument: str | None = None,
    nominal_amount: str | int | None = None,
    term_years: str | int | None = None,
    collateral_pct: str | int | None = None,
    guarantee_pct: str | int | None = None,
    gge: str | int | None = None,
    payments: str | None = None,
    discount_rate_pct: str | None = None,
    scheme_max_amount: str | int | None = None,
    via_intermediary: str | bool | None = None,
    export_linked: str | bool | None = None,
    domestic_preference: str | bool | None = None,
    insolvency_proceedings: str | bool | None = None,
    employer_tax: PathLike | None = None,
    employer_tax_missing: str = "warn",
    online: bool = False,
    snapshot: PathLike | None = None,
    register: PathLike | bool | None = None,
    register_snapshot: PathLike | None = None,
    rules_dir: PathLike | None = None,
    rates_file: PathLike | None = None,
    unrecognised_basis: str = "count",
    events: PathLike | None = None,
) -> Decision:
    """Decide one grant; the same pipeline as :func:`check_batch`.

    The aid's form (contract §1 applications): ``instrument`` (``grant`` default, ``loan``,
    ``guarantee``, ``capital_injection``, ``interest_subsidy``, ``other``) with ``nominal_amount``,
    ``term_years``, ``collateral_pct``, ``guarantee_pct`` or an officer's ``gge``; ``payments``
    (``YYYY-MM-DD:amount;…``) with ``discount_rate_pct``; ``scheme_max_amount``; and the yes/no
    ``via_intermediary``, ``export_linked``, ``domestic_preference``, ``insolvency_proceedings``.

    ``register``: Støtteregisteret as a source of prior aid: a downloaded award file (path), or
    ``True`` for the local snapshot (``deminimis register sync``; ``register_snapshot`` names
    another directory), with ``online=True`` the live search API instead.
    """
    return check_one(**locals()).decisions[0]


def check_one(
    *,
    orgnr: str,
    amount: str | int,
    grant_date: str | dt.date,
    currency: str = "NOK",
    awards: PathLike | None = None,
    links: PathLike | None = None,
    firms: PathLike | None = None,
    scheme: str | None = None,
    nace: str | None = None,
    application_id: str | None = None,
    fiscal_year_start: str | None = None,
    in_difficulty_2019: str | bool | None = None,
    instrument: str | None = None,
    nominal_amount: str | int | None = None,
    term_years: str | int | None = None,
    collateral_pct: str | int | None = None,
    guarantee_pct: str | int | None = None,
    gge: str | int | None = None,
    payments: str | None = None,
    discount_rate_pct: str | None = None,
    scheme_max_amount: str | int | None = None,
    via_intermediary: str | bool | None = None,
    export_linked: str | bool | None = None,
    domestic_preference: str | bool | None = None,
    insolvency_proceedings: str | bool | None = None,
    employer_tax: PathLike | None = None,
    employer_tax_missing: str = "warn",
    online: bool = False,
    snapshot: PathLike | None = None,
    register: PathLike | bool | None = None,
    register_snapshot: PathLike | None = None,
    rules_dir: PathLike | None = None,
    rates_file: PathLike | None = None,
    unrecognised_basis: str = "count",
    events: PathLike | None = None,
) -> BatchResult:
    """Like :func:`check`, with the input errors of the side files (for the CLI)."""
    args = dict(locals())
    rules, rates = _context(rules_dir, rates_file)
    if isinstance(in_difficulty_2019, bool):
        in_difficulty_2019 = "yes" if in_difficulty_2019 else "no"
    row = {
        "orgnr": orgnr,
        "amount": str(amount),
        "grant_date": str(grant_date),
        "currency": currency,
        "scheme": scheme,
        "nace": nace,
        "application_id": application_id or "1",
        "fiscal_year_start": fiscal_year_start,
        "in_difficulty_2019": in_difficulty_2019,
        **{c: gge_input.as_text(args[c]) for c in gge_input.APPLICATION_COLUMNS},
    }
    raw = pl.DataFrame([row], schema={k: pl.Utf8 for k in row}).with_columns(
        file=pl.lit(CHECK_SOURCE), row=pl.lit(1, pl.Int64)
    )
    return _decide(
        raw,
        rules,
        rates,
        awards,
        links,
        firms,
        employer_tax,
        employer_tax_missing,
        online,
        snapshot,
        register=register,
        register_snapshot=register_snapshot,
        unrecognised_basis=unrecognised_basis,
        events=events,
    )


def check_batch(
    applications: PathLike,
    *,
    awards: PathLike | None = None,
    links: PathLike | None = None,
    firms: PathLike | None = None,
    employer_tax: PathLike | None = None,
    employer_tax_missing: str = "warn",
    online: bool = False,
    snapshot: PathLike | None = None,
    register: PathLike | bool | None = None,
    register_snapshot: PathLike | None = None,
    rules_dir: PathLike | None = None,
    rates_file: PathLike | None = None,
    sheet: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    unrecognised_basis: str = "count",
    events: PathLike | None = None,
    independent: bool = False,
) -> BatchResult:
    """Decide every row of an applications file (CSV or XLSX, contract §1).

    ``progress(done, total)`` is called while the decisions are rendered (for a progress bar).
    """
    rules, rates = _context(rules_dir, rates_file)
    raw, ignored = tables.read_table_report(applications, "applications", sheet)
    result = _decide(
        raw,
        rules,
        rates,
        awards,
        links,
        firms,
        employer_tax,
        employer_tax_missing,
        online,
        snapshot,
        progress,
        register,
        register_snapshot,
        unrecognised_basis=unrecognised_basis,
        events=events,
    )
    result.ignored = [
        RowError(file=r["file"], row=r["row"], field="(row)", message=r["reason"])
        for r in ignored.iter_rows(named=True)
    ]
    return result


__all__ = ["BatchResult", "check", "check_batch", "check_one"]
