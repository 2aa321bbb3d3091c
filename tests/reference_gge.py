"""The plain reference for the form of the aid (tests only): the GGE of a new aid, row by row.

Independent of :mod:`deminimis.gge` and :mod:`deminimis.instalments`: it reads the contract's
cells itself, takes from the project only the rules *data* (``rules.gge``), and follows the
convention of README "Gross grant equivalent": a safe harbour is the shortest whose term covers
the loan's; GGE = ceiling x nominal_eur / harbour amount (x term / years when the data say so),
half-up; instalments discounted by anniversary years; a capital injection counts in full up to
the (sector) ceiling; export-linked or domestic-preference aid, and a loan or guarantee to an
insolvent firm, go to manual review.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

YES = ("yes", "ja", "y", "j", "true", "1")
NO = ("no", "nei", "n", "false", "0", "")
INSTRUMENTS = ("grant", "interest_subsidy", "loan", "guarantee", "capital_injection", "other")
WORDS = {"lån": "loan", "garanti": "guarantee", "tilskudd": "grant", "kapitalinnskudd": "capital_injection"}
INSOLVENT = ("bankrupt", "under_liquidation", "forced_liquidation", "konkurs", "underavvikling")
COLUMNS = ("instrument", "nominal_amount", "term_years", "collateral_pct", "guarantee_pct", "gge",
           "payments", "discount_rate_pct", "scheme_max_amount", "via_intermediary", "export_linked",
           "domestic_preference", "insolvency_proceedings")  # fmt: skip


def _hundredths(text: str, high: int | None = None) -> int | None | bool:
    """A percentage or term as hundredths; None when blank, False when unusable."""
    s = re.sub(r"\s*%$", "", text.strip()).replace(",", ".")
    if not s:
        return None
    m = re.fullmatch(r"(\d+)(?:\.(\d{1,2}))?", s)
    if not m:
        return False
    value = int(m[1]) * 100 + int((m[2] or "0").ljust(2, "0"))
    return False if high is not None and value > high else value


def quarter_end(day: dt.date) -> dt.date:
    month = 3 * ((day.month + 2) // 3)
    first_next = dt.date(day.year + (month == 12), month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def years(start: dt.date, end: dt.date) -> Decimal:
    """Whole anniversaries plus the part of the next year (29 February -> 28 February)."""

    def anniversary(k: int) -> dt.date:
        try:
            return start.replace(year=start.year + k)
        except ValueError:
            return start.replace(year=start.year + k, day=28)

    if end <= start:
        return Decimal(0)
    k = 0
    while anniversary(k + 1) <= end:
        k += 1
    span = (anniversary(k + 1) - anniversary(k)).days
    return k + Decimal((end - anniversary(k)).days) / span


@dataclass
class Form:
    """The parsed aid-form cells of one application (``bad``: some cell is unusable)."""

    instrument: str
    nominal: int | None
    term: int | None
    collateral: int | None
    cover: int | None
    gge: int | None
    payments: list[tuple[dt.date, int]]
    rate: int | None
    fixed: int | None
    flags: dict[str, bool]
    bad: bool


def parse(row: dict[str, str], parse_cents, amount: int | None, grant: dt.date | None) -> Form:
    cell = {c: row.get(c, "") or "" for c in COLUMNS}
    bad = False
    instrument = WORDS.get(cell["instrument"].lower(), cell["instrument"].lower() or "grant")
    bad |= instrument not in INSTRUMENTS
    money = {}
    for c in ("nominal_amount", "gge", "scheme_max_amount"):
        money[c] = parse_cents(cell[c]) if cell[c] else None
        bad |= bool(cell[c]) and money[c] is None
    nums = {}
    for c in ("term_years", "collateral_pct", "guarantee_pct", "discount_rate_pct"):
        value = _hundredths(cell[c], None if c == "term_years" else 10_000)
        bad |= value is False or (c == "term_years" and value == 0)
        nums[c] = None if value is False else value
    flags = {}
    for c in ("via_intermediary", "export_linked", "domestic_preference", "insolvency_proceedings"):
        bad |= cell[c].lower() not in (*YES, *NO)
        flags[c] = cell[c].lower() in YES
    payments = []
    for item in filter(None, (i.strip() for i in cell["payments"].split(";"))):
        day, _, value = item.partition(":")
        try:
            payments.append((dt.date.fromisoformat(day.strip()), parse_cents(value.strip())))
        except ValueError:
            bad = True
    bad |= any(c is None for _, c in payments)
    if payments and not bad:
        bad |= instrument not in ("grant", "interest_subsidy")
        bad |= amount is not None and sum(c for _, c in payments) != amount
        shifted = quarter_end(grant) if grant and flags["via_intermediary"] else grant
        bad |= bool(shifted and nums["discount_rate_pct"] is None and max(d for d, _ in payments) > shifted)
    bad |= (
        instrument == "grant"
        and None not in (money["scheme_max_amount"], amount)
        and (
            money["scheme_max_amount"] < amount  # type: ignore[operator]
        )
    )
    return Form(
        instrument=instrument,
        nominal=money["nominal_amount"],
        term=nums["term_years"],
        collateral=nums["collateral_pct"],
        cover=nums["guarantee_pct"],
        gge=money["gge"],
        payments=payments,
        rate=nums["discount_rate_pct"],
        fixed=money["scheme_max_amount"],
        flags=flags,
        bad=bad,
    )


def amount_optional(form: Form) -> bool:
    return form.instrument in ("loan", "guarantee", "capital_injection") or bool(form.payments)


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def new_aid(form: Form, amount: int | None, cur: str, grant: dt.date, rates, rules, regime, sector, status):
    """(new aid EUR cents or None, route override or None, method, max nominal in currency fn)."""
    new, override, method, max_nominal = _gge(form, amount, cur, grant, rates, rules, regime, sector, status)
    if form.flags["export_linked"] or form.flags["domestic_preference"]:  # Art 1(1)(e)-(f)
        return new, "manual_review", method, max_nominal
    return new, override, method, max_nominal


def _gge(form: Form, amount: int | None, cur: str, grant: dt.date, rates, rules, regime, sector, status):
    g = next(
        (e for e in rules.gge.entries if e.regime == regime and e.valid_from <= grant <= e.valid_to), None
    )
    insolvent = form.flags["insolvency_proceedings"] or (status or "").lower() in INSOLVENT
    harboured = form.instrument in ("loan", "guarantee")
    if harboured and insolvent:
        return None, "manual_review", None, None
    if form.fixed is not None:
        return rates.to_eur_cents(form.fixed, cur, grant), None, "scheme_fixed_sum", None
    if (harboured or form.instrument == "other") and form.gge is not None:
        return rates.to_eur_cents(form.gge, cur, grant), None, "officer_gge", None
    if form.instrument == "other":
        return None, "manual_review", None, None
    if form.instrument == "capital_injection":
        if form.nominal is None or g is None or g.capital_injection is None:
            return None, "manual_review", None, None
        eur = rates.to_eur_cents(form.nominal, cur, grant)
        limit = g.sector_ceilings_eur.get(sector, g.ceiling_eur) * 100
        return eur, ("gber" if eur > limit else None), "capital_injection", None
    if harboured:
        rule = g and (g.loan if form.instrument == "loan" else g.guarantee)
        share = form.collateral if form.instrument == "loan" else form.cover
        if form.nominal is None or form.term is None or share is None or rule is None:
            return None, "manual_review", None, None
        if form.instrument == "loan" and share < rule.collateral_min_pct * 100:
            return None, "manual_review", None, None
        if form.instrument == "guarantee" and share > rule.cover_max_pct * 100:
            return None, "manual_review", None, None
        harbour = next((h for h in rule.harbours if h.years * 100 >= form.term), None)
        eur = rates.to_eur_cents(form.nominal, cur, grant)
        if harbour is None or eur > harbour.amount_eur * 100:
            return None, "manual_review", None, None
        with localcontext() as ctx:
            ctx.prec = 60
            part = (
                Decimal(min(form.term, harbour.years * 100)) / (harbour.years * 100) if g.term_prorated else 1
            )
            ceiling, amount_h = Decimal(g.ceiling_eur * 100), Decimal(harbour.amount_eur * 100)
            gge = _half_up(ceiling * eur / amount_h * part)

            def max_nominal(room: int) -> int:
                with localcontext() as inner:
                    inner.prec = 60
                    n = min(int((Decimal(room) * amount_h / (ceiling * part)).to_integral_value(ROUND_FLOOR)),
                            harbour.amount_eur * 100)  # fmt: skip
                return rates.from_eur_cents_floor(n, cur, grant)

        return gge, None, f"{form.instrument}_safe_harbour", max_nominal
    if form.payments:
        with localcontext() as ctx:
            ctx.prec = 50
            base = 1 + Decimal(form.rate or 0) / 10_000
            total = 0
            for day, cents in form.payments:
                t = years(grant, day)
                total += _half_up(Decimal(cents) / base**t) if t else cents
        return rates.to_eur_cents(total, cur, grant), None, "instalments_discounted", None
    return rates.to_eur_cents(amount, cur, grant), None, None, None


__all__ = ["COLUMNS", "Form", "amount_optional", "new_aid", "parse", "quarter_end", "years"]
