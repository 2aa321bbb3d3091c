"""The options that name a decision's inputs, shared by ``check`` and ``batch``: the side files
and sources (``side_options``) and the form of the new aid (``aid_form_options``, contract §1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from deminimis.cli_options import amount_option
from deminimis.instruments import INSTRUMENTS


def _undertaking_file_options() -> list[Callable[[Any], Any]]:
    """The files on the undertaking: its prior aid, links, firm facts and employer tax."""
    return [
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
    ]


def _prior_aid_source_options() -> list[Callable[[Any], Any]]:
    """The further sources of prior aid (ledger, corporate events) and how an unknown basis counts."""
    return [
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
    ]


def _brreg_options() -> list[Callable[[Any], Any]]:
    """The Brønnøysund look-ups: live Brreg, its snapshot, and the aid register."""
    return [
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
    ]


def _law_data_options() -> list[Callable[[Any], Any]]:
    """The law data: another rules directory or ECB rate file."""
    return [
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


def side_options(func: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        *_undertaking_file_options(),
        *_prior_aid_source_options(),
        *_brreg_options(),
        *_law_data_options(),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


YES_NO = click.Choice(["yes", "no", "ja", "nei"])


def aid_form_options(func: Callable[..., Any]) -> Callable[..., Any]:
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


__all__ = ["YES_NO", "aid_form_options", "side_options"]
