"""The Python API: ``check`` (one grant) and ``check_batch`` (many grants).

Both go through :func:`deminimis.case.decide`: a single check is a batch of one. Every table
(``applications``, ``awards``, ``links``, ``firms``, ``employer_tax``) may be a path (CSV or
XLSX), an :class:`~deminimis.sources.inputs.Upload` (bytes and a name), a polars DataFrame or
a list of records (dicts or pydantic models); ``awards`` and ``links`` may also be a list of
tables. ``ledger`` adds the ledger's awards and live reservations of the applicants' single
undertakings (a :class:`~deminimis.ledger.Ledger` or its URL).

>>> from deminimis import check, check_batch
>>> d = check(orgnr="974760673", amount="150000", currency="EUR", grant_date="2021-05-17")
>>> d.route, d.regime, d.window.from_, d.headroom_after_eur
('de_minimis', 'EU-1407/2013', '2019-01-01', '50000.00')
>>> prior = [{"orgnr": "974760673", "granted_on": "2020-03-02", "amount": "60000", "currency": "EUR",
...           "basis": "de_minimis"}]
>>> check(orgnr="974760673", amount="150000", currency="EUR", grant_date="2021-05-17", awards=prior).route
'gber'
>>> import polars as pl
>>> apps = pl.DataFrame({"application_id": ["A", "B"], "orgnr": ["974760673"] * 2,
...                      "amount": ["150000", "100000"], "currency": ["EUR"] * 2,
...                      "grant_date": ["2021-05-17", "2021-06-01"]})
>>> [d.route for d in check_batch(apps).decisions]  # B counts A: one undertaking, one batch
['de_minimis', 'gber']
>>> [d.route for d in check_batch(apps, independent=True).decisions]
['de_minimis', 'de_minimis']
>>> broken = [{**prior[0], "amount": "sixty"}, {**prior[0], "orgnr": "123"}]
>>> r = check_one(orgnr="974760673", amount="1", currency="EUR", grant_date="2021-05-17", awards=broken)
>>> r.decisions[0].route, [(e.row, e.field) for e in r.decisions[0].errors], [e.field for e in r.input_errors]
('error', [(1, 'amount')], ['orgnr'])
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec

from deminimis import gge_input
from deminimis.case import BatchResult, Context, Tables, decide
from deminimis.sources import extra_columns
from deminimis.sources.inputs import TableInput, read_input, read_report

if TYPE_CHECKING:  # imported on first use: a CLI check builds no model (and imports no pydantic)
    from deminimis.models import Decision, RowError

CHECK_SOURCE = "check options"
PathLike = str | Path
P = ParamSpec("P")
LedgerLike = Any
"""A :class:`deminimis.ledger.Ledger`, or its URL / SQLite path (opened read-only for the check)."""


def application_record(
    *,
    orgnr: str,
    amount: str | int,
    grant_date: str | dt.date | None,
    currency: str = "NOK",
    scheme: str | None = None,
    nace: str | None = None,
    application_id: str | None = None,
    fiscal_year_start: str | None = None,
    in_difficulty_2019: str | bool | None = None,
    **aid_form: Any,
) -> dict[str, Any]:
    """One application as the contract's applications row (``grant_date`` None: today);
    ``aid_form``: the columns of :data:`deminimis.gge_input.APPLICATION_COLUMNS`."""
    if isinstance(in_difficulty_2019, bool):
        in_difficulty_2019 = "yes" if in_difficulty_2019 else "no"
    if unknown := set(aid_form) - set(gge_input.APPLICATION_COLUMNS):
        raise TypeError(f"unknown application field(s): {', '.join(sorted(unknown))}")
    return {
        "application_id": application_id or "1",
        "orgnr": orgnr,
        "amount": str(amount),
        "currency": currency,
        "grant_date": str(grant_date) if grant_date is not None else dt.date.today().isoformat(),
        "scheme": scheme,
        "nace": nace,
        "fiscal_year_start": fiscal_year_start,
        "in_difficulty_2019": in_difficulty_2019,
        **{c: gge_input.as_text(aid_form.get(c)) for c in gge_input.APPLICATION_COLUMNS},
    }


def _run(applications: Any, ledger: LedgerLike, *, as_of: Any = None, **options: Any) -> BatchResult:
    """Decide, with the ledger's prior aid when ``ledger`` is given (read in one transaction)."""
    if ledger is None:
        return decide(applications, **options)
    from deminimis.ledger import checking

    return checking.decide_with_ledger(ledger, applications, as_of=as_of, **options)


def check_one(
    *,
    orgnr: str,
    amount: str | int,
    grant_date: str | dt.date | None = None,
    currency: str = "NOK",
    awards: Tables = None,
    links: Tables = None,
    firms: Tables = None,
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
    employer_tax: Tables = None,
    employer_tax_missing: str = "warn",
    ledger: LedgerLike = None,
    online: bool = False,
    snapshot: PathLike | None = None,
    register: PathLike | bool | None = None,
    register_snapshot: PathLike | None = None,
    rules_dir: PathLike | None = None,
    rates_file: PathLike | None = None,
    unrecognised_basis: str = "count",
    events: Tables = None,
) -> BatchResult:
    """Decide one grant and give the input errors of the side tables too (``input_errors``);
    :func:`check` takes the same keywords and returns the decision."""
    args = dict(locals())
    row = application_record(
        orgnr=orgnr,
        amount=amount,
        grant_date=grant_date,
        currency=currency,
        scheme=scheme,
        nace=nace,
        application_id=application_id,
        fiscal_year_start=fiscal_year_start,
        in_difficulty_2019=in_difficulty_2019,
        **{c: args[c] for c in gge_input.APPLICATION_COLUMNS},
    )
    raw = read_input([row], "applications", label=CHECK_SOURCE)
    return _run(
        raw,
        ledger,
        as_of=row["grant_date"],
        ctx=Context.load(rules_dir, rates_file),
        awards=awards,
        links=links,
        firms=firms,
        employer_tax=employer_tax,
        employer_tax_missing=employer_tax_missing,
        online=online,
        snapshot=snapshot,
        register=register,
        register_snapshot=register_snapshot,
        unrecognised_basis=unrecognised_basis,
        events=events,
    )


def _first_decision(one: Callable[P, BatchResult]) -> Callable[P, Decision]:
    """``check``: ``check_one``'s keywords, its one decision (one signature to keep, not two)."""

    @functools.wraps(one)
    def check(*args: P.args, **kwargs: P.kwargs) -> Decision:
        return one(*args, **kwargs).decisions[0]

    check.__name__ = check.__qualname__ = "check"
    check.__doc__ = (
        "Decide one grant; the same pipeline as :func:`check_batch`. Broken rows of the side "
        "tables that concern no applicant are in :func:`check_one`'s ``input_errors``."
    )
    check.__signature__ = inspect.signature(one).replace(return_annotation="Decision")  # type: ignore[attr-defined]
    return check


check = _first_decision(check_one)


def check_batch(
    applications: TableInput,
    *,
    awards: Tables = None,
    links: Tables = None,
    firms: Tables = None,
    employer_tax: Tables = None,
    employer_tax_missing: str = "warn",
    ledger: LedgerLike = None,
    independent: bool = False,
    online: bool = False,
    snapshot: PathLike | None = None,
    register: PathLike | bool | None = None,
    register_snapshot: PathLike | None = None,
    rules_dir: PathLike | None = None,
    rates_file: PathLike | None = None,
    sheet: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    unrecognised_basis: str = "count",
    events: Tables = None,
    chunk_size: int | None = None,
) -> BatchResult:
    """Decide every application (contract §1), cumulatively within each single undertaking
    unless ``independent``. ``progress(done, total)`` is called while rendering; ``ignored``
    lists the rows of an applications file not read as applications. ``chunk_size``: decide
    and render that many applications at a time, as ``decisions`` is read or written
    (:mod:`deminimis.batch_chunks`: the same decisions in bounded memory)."""
    raw, ignored = read_report(applications, "applications", sheet=sheet)
    result = _run(
        raw,
        ledger,
        ctx=Context.load(rules_dir, rates_file),
        awards=awards,
        links=links,
        firms=firms,
        employer_tax=employer_tax,
        employer_tax_missing=employer_tax_missing,
        online=online,
        snapshot=snapshot,
        independent=independent,
        progress=progress,
        register=register,
        register_snapshot=register_snapshot,
        unrecognised_basis=unrecognised_basis,
        events=events,
        chunk_size=chunk_size,
    )
    result.ignored = ignored_errors(ignored)
    result.extra = extra_columns.of(raw)
    return result


def ignored_errors(ignored: Any) -> list[RowError]:
    """The rows of an applications file not read as applications (``file, row, reason`` from
    :func:`deminimis.sources.inputs.read_report`) as row errors: ``field`` ``(row)``, the
    reason in English and bokmål."""
    from deminimis.models import RowError
    from deminimis.render.row_errors import message_nb

    return [
        RowError(
            file=r["file"],
            row=r["row"],
            field="(row)",
            message=r["reason"],
            message_nb=message_nb(r["reason"]),
        )
        for r in ignored.iter_rows(named=True)
    ]


__all__ = ["BatchResult", "application_record", "check", "check_batch", "check_one", "ignored_errors"]
