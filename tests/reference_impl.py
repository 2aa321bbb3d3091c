"""A slow, straightforward reference implementation of the core decision (tests only).

It re-derives, row by row in plain Python, what contract §4 says: no polars, no code from the
pipeline. It reads the input CSV files with :mod:`csv`, dates with :mod:`datetime`, money as
integer cents, exchange rates with :class:`decimal.Decimal`; the single undertaking is a
union-find over the links; every application loops over every prior award of its undertaking.
From the project it takes only *data*: the rules (:func:`deminimis.rules.load_rules`: dated
regime entries, limits, sector prefixes, Covid caps, basis aliases) and the ECB rate table
(:func:`deminimis.fx.load_rates`). Windows, conversions, sums, ceilings and routes are computed
here.

Scope: applications, awards (with ``country``), links (with ``link_type`` and validity: a
union-find per grant date, :mod:`tests.reference_groups`), corporate events (a predecessor's
awards passed on day by day), firms (NACE, status), employer-tax rows (declared advantages, and
wage bases by zone, yearly or monthly, with the fribeløp reduced by other aid month by month:
:mod:`tests.reference_employer_tax`); the form of the aid
(loans, guarantees, injections, instalments, fixed sums, intermediaries, exclusions) in
:mod:`tests.reference_gge`.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

from tests import reference_employer_tax as et
from tests import reference_gge as gge
from tests import reference_groups as groups

SCHEMES = ("ad_hoc", "de_minimis_scheme", "covid_tf_3_1", "sgei")
YES = ("yes", "ja", "y", "j", "true", "1")
NO = ("no", "nei", "n", "false", "0", "")
MOD11_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
CENT = Decimal("0.01")


# --------------------------------------------------------------------------- parsing


def read_rows(path: Path) -> list[dict[str, str]]:
    """Every data row of a CSV as a dict of stripped texts (missing cells are '')."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def compact_orgnr(text: str) -> str:
    return re.sub(r"\s", "", text)


def orgnr_ok(number: str) -> bool:
    """Nine digits, the last the MOD11 check digit of the first eight."""
    if not re.fullmatch(r"\d{9}", number):
        return False
    remainder = sum(int(d) * w for d, w in zip(number[:8], MOD11_WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        check = 0
    return check != 10 and check == int(number[8])


def parse_date(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` or ``DD.MM.YYYY``; None when it is not a real date."""
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None
    return None


def parse_cents(text: str) -> int | None:
    """``1234567.89``, ``1 234 567,89``, ``kr 1 234 567`` -> cents; None when not an amount >= 0."""
    s = text.lower().strip()
    s = re.sub(r"^(kr\.?|nok|eur)\s*", "", s)
    s = re.sub(r"\s*(kr|,-)$", "", s)
    s = re.sub(r"[\s\u00a0\u202f']", "", s)
    m = re.fullmatch(r"(\d+)(?:[.,](\d{1,2}))?", s)
    if not m or len(m[1]) > 15:
        return None
    return int(m[1]) * 100 + int((m[2] or "0").ljust(2, "0"))


def parse_nace(text: str) -> str | None:
    s = re.sub(r"\s", "", text)
    if not s:
        return None
    if re.fullmatch(r"\d{3,}", s):
        s = s[:2] + "." + s[2:]
    return s


def shift_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (negative: earlier); 29 February -> 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def money(cents: int | None) -> str | None:
    if cents is None:
        return None
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


# --------------------------------------------------------------------------- rates


class Rates:
    """The ECB table as ``currency -> (sorted dates, rate texts)``; EUR is 1."""

    def __init__(self, table) -> None:  # a polars frame, read row by row
        self.by_currency: dict[str, tuple[list[dt.date], list[str]]] = {}
        for cur, day, rate in table.select("currency", "rate_date", "rate").iter_rows():
            dates, rates = self.by_currency.setdefault(cur, ([], []))
            dates.append(day)
            rates.append(rate)
        for cur, (dates, rates) in self.by_currency.items():
            order = sorted(range(len(dates)), key=dates.__getitem__)
            self.by_currency[cur] = ([dates[i] for i in order], [rates[i] for i in order])

    def currencies(self) -> set[str]:
        return {"EUR", *self.by_currency}

    def rate(self, currency: str, day: dt.date) -> Decimal:
        """The fixing of ``day``, else the latest earlier one (also after the last fixing)."""
        if currency == "EUR":
            return Decimal(1)
        dates, rates = self.by_currency[currency]
        i = bisect.bisect_right(dates, day) - 1
        if i < 0:
            raise ValueError(f"no {currency} rate on or before {day}")
        return Decimal(rates[i])

    def to_eur_cents(self, cents: int, currency: str, day: dt.date) -> int:
        """amount / rate, rounded half-up to the cent (contract §4)."""
        with localcontext() as ctx:
            ctx.prec = 60
            eur = (Decimal(cents) / 100 / self.rate(currency, day)).quantize(CENT, rounding=ROUND_HALF_UP)
        return int(eur * 100)

    def from_eur_cents_floor(self, eur_cents: int, currency: str, day: dt.date) -> int:
        """EUR x rate, rounded down to the cent (the largest grant that still fits)."""
        with localcontext() as ctx:
            ctx.prec = 60
            cur = (Decimal(eur_cents) / 100 * self.rate(currency, day)).quantize(CENT, rounding=ROUND_FLOOR)
        return int(cur * 100)


# --------------------------------------------------------------------------- inputs


@dataclass
class EtYear:
    """A year's employer-tax advantage, held like an award (from 1 January) for the events."""

    orgnr: str
    day: dt.date
    cents: int
    year: int


@dataclass
class Award:
    orgnr: str
    day: dt.date
    cents: int
    currency: str
    basis: str
    country: str = "NO"


def basis_of(text: str, aliases: dict[str, str]) -> str | None:
    """An exact alias; a text naming no known basis counts as de minimis (the safe reading)."""
    key = " ".join(text.lower().split())
    if not key or not re.search(r"\w", key):
        return None
    return aliases.get(key, "de_minimis")


# --------------------------------------------------------------------------- the decision


def window_start(grant: dt.date, entry, fys: str) -> dt.date:
    """First day of the window of a grant on ``grant`` (contract §4 "Windows")."""
    if entry.window == "rolling_three_years":
        return shift_years(grant, -entry.window_years)
    # three fiscal years: the first day of the fiscal year two years before the grant's
    month, day = int(fys[:2]), int(fys[3:])
    fy_start = dt.date(grant.year, month, day)
    if grant < fy_start:
        fy_start = shift_years(fy_start, -1)
    return shift_years(fy_start, -(entry.window_years - 1))


def calendar(grant: dt.date, entry, fys: str, items: list[tuple], tests: list[tuple], new: int) -> list:
    """Headroom calendar by its definition: (date, room, freed) in cents until the new aid fits.

    ``items`` are (limit index, last day, eur cents) of the aid counted today; ``tests`` the
    (headroom today, order, ceiling, ...) tuples. A date is a candidate when some item is in the
    window of the day before and not of that day (found by bisection over the days, since the
    window start never moves back); the room on it is recomputed from scratch.
    """

    def still_in(day: dt.date, last: dt.date) -> bool:
        return window_start(day, entry, fys) <= last

    candidates = set()
    for _, last, _ in items:
        lo, hi = grant, grant + dt.timedelta(days=366 * 5)  # still_in(lo), not still_in(hi)
        while (hi - lo).days > 1:
            mid = lo + (hi - lo) / 2
            lo, hi = (mid, hi) if still_in(mid, last) else (lo, mid)
        if hi <= entry.valid_to:
            candidates.add(hi)
    out, before = [], min(tests)[0]
    for day in sorted(candidates):
        room = min(
            ceiling - sum(eur for i, last, eur in items if i == order and still_in(day, last))
            for _, order, ceiling, *_ in tests
        )
        out.append((day.isoformat(), room, room - before))
        before = room
        if room >= new:
            break
    return out


def decide(paths: dict[str, Path], rules, rate_table) -> list[dict]:
    """One dict per application row, in input order, with the contract's figures."""
    rates = Rates(rate_table)
    known_currencies = rates.currencies()
    aliases = rules.basis_aliases()

    links = groups.read_links(paths["links"], orgnr_ok, parse_date)
    corporate = groups.read_events(paths.get("events"), orgnr_ok, parse_date)
    held_cache: dict[tuple, dict] = {}

    firm_nace: dict[str, str | None] = {}
    firm_status: dict[str, str] = {}
    for row in read_rows(paths["firms"]):
        o = compact_orgnr(row["orgnr"])
        if orgnr_ok(o) and o not in firm_nace:
            firm_nace[o] = parse_nace(row.get("nace", ""))
            firm_status[o] = row.get("status", "")

    awards: dict[str, list[Award]] = {}  # by orgnr
    broken: set[str] = set()  # orgnr (valid) with an unusable prior-aid row
    for row in read_rows(paths["awards"]):
        o = compact_orgnr(row["orgnr"])
        day, cents = parse_date(row["granted_on"]), parse_cents(row["amount"])
        cur = (row["currency"] or "NOK").upper()
        basis = basis_of(row["basis"], aliases)
        country = (row.get("country") or "NO").upper()
        if not orgnr_ok(o):
            continue
        bad = day is None or cents is None or cur not in known_currencies or basis is None
        if bad or not re.fullmatch(r"[A-Z]{2}", country):
            broken.add(o)
            continue
        awards.setdefault(o, []).append(Award(o, day, cents, cur, basis, country))
    broken |= corporate.broken

    # employer tax: the entity-years and, for samordning, each entity's other de minimis aid in NOK
    et_years: dict[tuple[str, int], et.EntityYear] = {}
    if "employer_tax" in paths:
        et_years, et_broken = et.read(
            paths["employer_tax"], et.load_tables(), compact_orgnr, orgnr_ok, parse_cents
        )
        broken |= et_broken
    other_nok: dict[tuple[str, int], list[tuple[dt.date, int]]] = {}
    et_by_orgnr: dict[str, list[tuple[int, et.EntityYear]]] = {}
    for o, year in sorted(et_years):
        et_by_orgnr.setdefault(o, []).append((year, et_years[(o, year)]))
        other_nok[(o, year)] = [
            (a.day, et.other_aid_nok(a, rates))
            for a in awards.get(o, [])
            if a.day.year == year and a.basis.startswith("de_minimis") and a.country == "NO"
        ]
    et_preds = {e.pred for e in corporate.events}
    et_memo: dict[tuple[str, int, int], list[tuple[int | None, int]]] = {}

    def et_held_years(orgnrs: set[str], grant: dt.date) -> dict[str, list[EtYear]]:
        """Each entity's employer-tax rows as enjoyed by ``grant`` (other aid dated after it does
        not count), held like awards from the start of their period for the events."""
        out: dict[str, list[EtYear]] = {}
        for o in orgnrs:
            for y, ey in et_by_orgnr.get(o, []):
                other = other_nok[(o, y)]
                k = (o, y, sum(day <= grant for day, _ in other))  # the same other aid, the same figures
                if k not in et_memo:
                    et_memo[k] = et.row_advantages(ey, other, grant)
                out.setdefault(o, []).extend(
                    EtYear(o, dt.date(y, month or 1, 1), cents, y) for month, cents in et_memo[k]
                )
        return out

    sectors = rules.sectors.sectors
    covid = rules.covid
    seen_ids: set[str] = set()
    out = []
    for n, row in enumerate(read_rows(paths["applications"]), start=2):
        app_id = row["application_id"] or str(n)
        o = compact_orgnr(row["orgnr"])
        grant = parse_date(row["grant_date"])
        cents = parse_cents(row["amount"])
        form = gge.parse(row, parse_cents, cents, grant)  # the aid's form (tests/reference_gge.py)
        if grant is not None and form.flags["via_intermediary"]:
            grant = gge.quarter_end(grant)
        cur = (row["currency"] or "NOK").upper()
        scheme = (row["scheme"] or "ad_hoc").lower()
        nace = parse_nace(row["nace"])
        fys = row["fiscal_year_start"] or "01-01"
        difficulty = row["in_difficulty_2019"].lower()
        members = groups.members_on(links, o, grant)
        fys_ok = bool(re.fullmatch(r"\d{2}-\d{2}", fys)) and parse_date(f"2001-{fys}") is not None
        bad = (
            not orgnr_ok(o)
            or grant is None
            or (cents is None and not (row["amount"] == "" and gge.amount_optional(form)))
            or form.bad
            or cur not in known_currencies
            or scheme not in SCHEMES
            or (nace is not None and not re.fullmatch(r"\d{2}(\.\d{1,3})?", nace))
            or not fys_ok
            or difficulty not in (*YES, *NO)
            or app_id in seen_ids
            or any(m in broken for m in members)
        )
        seen_ids.add(app_id)
        d: dict = dict.fromkeys(
            (
                "regime",
                "window",
                "ceiling_eur",
                "prior_de_minimis_eur",
                "employer_tax_advantage_nok",
                "employer_tax_advantage_eur",
                "counted_total_eur",
                "new_aid_eur",
                "headroom_before_eur",
                "headroom_after_eur",
                "max_de_minimis_grant_eur",
                "max_de_minimis_grant",
                "covid_tf",
                "gge",
            )
        )
        d.update(application_id=app_id, undertaking=members, headroom_calendar=[])
        if bad:
            out.append({**d, "route": "error"})
            continue

        nace = nace or firm_nace.get(o)
        matched = [s for s in sectors for p in s.nace_prefixes if nace and nace.startswith(p)]
        matched.sort(key=lambda s: s.treatment != "manual_review")
        sector = matched[0] if matched else None
        entries = [
            e for e in rules.regimes.entries if scheme in e.schemes and e.valid_from <= grant <= e.valid_to
        ]
        entry = entries[0] if entries else None
        new, override, method, max_nominal = gge.new_aid(
            form,
            cents,
            cur,
            grant,
            rates,
            rules,
            entry and entry.regime,
            sector and sector.id,
            firm_status.get(o),
        )
        d["gge"] = (method, money(new)) if method else None

        window_from = None
        if entry is not None and entry.in_force:
            window_from = window_start(grant, entry, fys)

        # own awards of the members and predecessors' awards passed on to them (Art 3(8)-(9)),
        # each at its original date, × share; aid of another state is never summed (Art 3(2))
        key = tuple(i for i, e in enumerate(corporate.events) if grant and e.day <= grant)
        if key not in held_cache:
            held_cache[key] = groups.holdings(corporate.events, awards, grant)
        items_held = groups.counted_items(held_cache[key], awards, members)
        prior_awards = [
            Award(h.award.orgnr, h.award.day, h.cents, h.award.currency, h.award.basis, h.award.country)
            for h in items_held
            if h.award.country == "NO"
        ]
        eur_of = {id(a): rates.to_eur_cents(a.cents, a.currency, a.day) for a in prior_awards}

        # employer tax: a year's figure counts in full if its year overlaps the window; a
        # predecessor's rows pass on with its events like awards (from the start of their period);
        # one holder's rows of one year are converted to EUR as one sum
        et_nok = et_eur = 0
        et_sums: dict[tuple[str, int], int] = {}  # (member holding it, year) -> NOK cents
        if window_from is not None:  # (each year's advantage as enjoyed by the grant date)
            et_now = et_held_years(et_preds | set(members), grant)
            held = groups.holdings(corporate.events, et_now, grant)
            for m in members:
                own = [(a.year, a.cents) for a in et_now.get(m, [])]
                copies = [
                    (h.award.year, h.cents)
                    for h in held.get(m, [])
                    if h.path and not set(h.path) & set(members)
                ]
                for year, cents in own + copies:
                    et_sums[(m, year)] = et_sums.get((m, year), 0) + cents
            for (_, year), adv in et_sums.items():
                if dt.date(year, 12, 31) >= window_from and dt.date(year, 1, 1) <= grant:
                    fx_day = grant if year == grant.year else dt.date(year, 12, 31)
                    et_nok += adv
                    et_eur += rates.to_eur_cents(adv, "NOK", fx_day)

        tf_prior = sum(
            eur_of[id(a)]
            for a in prior_awards
            if a.basis in covid.counts and covid.counts_from <= a.day <= grant
        )

        decided_regime = entry.regime if entry is not None else None
        d.update(
            regime=decided_regime,
            new_aid_eur=money(new),
            employer_tax_advantage_nok=money(et_nok),
            employer_tax_advantage_eur=money(et_eur),
        )
        if window_from is not None:
            d["window"] = (window_from.isoformat(), grant.isoformat(), entry.window)
        cap = None
        if scheme == "covid_tf_3_1":
            cap = next((c for c in covid.scheme if c.valid_from <= grant <= c.valid_to), None)
            cap_cents = cap.cap_eur * 100 if cap else None
            d["covid_tf"] = (
                money(cap_cents),
                money(tf_prior),
                money(cap_cents - tf_prior) if cap else None,
            )

        if sector is not None and sector.treatment == "manual_review":
            out.append({**d, "route": "manual_review"})
            continue
        if entry is None or not entry.in_force:
            out.append({**d, "route": "manual_review"})
            continue
        if override == "manual_review":
            out.append({**d, "route": "manual_review"})
            continue

        # every ceiling test of the entry; the binding one has the smallest headroom
        tests, items = [], []
        for order, limit in enumerate(entry.limits):
            items += [
                (order, a.day, eur_of[id(a)])
                for a in prior_awards
                if a.basis in limit.counts and window_from <= a.day <= grant
            ]
            if "employer_tax" in limit.counts:  # yearly figures, counted if the year overlaps the window
                year_ends = [(dt.date(y, 12, 31), adv) for (_, y), adv in et_sums.items()]
                items += [
                    (order, last, rates.to_eur_cents(adv, "NOK", min(grant, last)))
                    for last, adv in year_ends
                    if last >= window_from and last.year <= grant.year
                ]
            prior = sum(
                eur_of[id(a)]
                for a in prior_awards
                if a.basis in limit.counts and window_from <= a.day <= grant
            )
            et_part = et_eur if "employer_tax" in limit.counts else 0
            ceiling = limit.ceiling_eur * 100
            if sector is not None and sector.id in limit.sector_ceilings_eur:
                ceiling = limit.sector_ceilings_eur[sector.id] * 100
            tests.append((ceiling - prior - et_part, order, ceiling, prior, et_part))
        headroom, _, ceiling, prior, et_part = min(tests)
        max_eur = max(headroom, 0)
        d.update(
            ceiling_eur=money(ceiling),
            prior_de_minimis_eur=money(prior),
            counted_total_eur=money(prior + et_part),
            headroom_before_eur=money(headroom),
            headroom_after_eur=money(headroom - new),
            max_de_minimis_grant_eur=money(max_eur),
            max_de_minimis_grant=money(
                max_nominal(max_eur) if max_nominal else rates.from_eur_cents_floor(max_eur, cur, grant)
            ),
        )
        if override == "gber":
            route = "gber"
        elif new <= headroom:
            route = "de_minimis"
        elif (
            scheme == "covid_tf_3_1"
            and cap is not None
            and tf_prior + new <= cap.cap_eur * 100
            and difficulty not in YES
        ):
            route = "covid_tf"
        else:
            route = "gber"
        if route != "de_minimis":
            d["headroom_calendar"] = [
                (day, money(room), money(freed), money(rates.from_eur_cents_floor(max(room, 0), cur, grant)))
                for day, room, freed in calendar(grant, entry, fys, items, tests, new)
            ]
        out.append({**d, "route": route})
    return out


__all__ = ["Rates", "decide", "money", "orgnr_ok", "parse_cents", "parse_date", "shift_years"]
