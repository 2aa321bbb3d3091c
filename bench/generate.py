"""Seeded generator of a realistic national dataset for the benchmark (contract §1 columns).

    python bench/generate.py --size M [--seed 7] [--out bench/data]

writes ``bench/data/M-seed7/{applications,awards,links,firms,employer_tax}.csv`` (kept and reused;
``--force`` regenerates):

- **firms**: Norwegian-like organisation numbers (9 digits starting 8 or 9, valid MOD11 check
  digit, as python-stdnum checks them), NACE codes (including road freight 49.41, primary
  agriculture 01.1x and aquaculture 03.2x, which change the answer), today's kommunenummer
  (about 10 % in a zone Ia kommune);
- **awards**: heavy-tailed counts per firm (Pareto weights: a third of the firms have none,
  the median recipient 2, the top 1 % over 75, the largest about 130), grant dates
  2017-01-01 … 2026-10-30, NOK/EUR/SEK/USD, bases mostly de minimis plus GBER, Covid TF 3.1
  (2020-03-19 … 2022-06-30), other, SGEI and notified schemes, in the spellings officers use
  (``bagatellmessig støtte``, ``gruppeunntak``, ``kompensasjonsordning``), a few dates
  ``DD.MM.YYYY`` and amounts ``1 234 567,89``;
- **links**: groups of linked firms (about 8 % of firms; mostly 2–3 per group, up to about 10),
  a few chains (a firm in two groups, which merge);
- **applications**: grant dates 2019-01-01 … 2026-12-31 (so the 2024 gap gives
  ``manual_review``), half of the applicants drawn like award recipients (repeat applicants),
  half uniformly; schemes ad_hoc, de_minimis_scheme, covid_tf_3_1 (dated around its
  2021-04-16 … 2022-06-30 window), sgei;
- **employer_tax**: one row per zone Ia firm and year 2019–2026, ``wage_base_nok`` +
  the kommunenummer valid in that year (e.g. Etne 1211 in 2019, 4611 from 2020) or a declared
  ``advantage_nok``;
- about 1 % **dirty rows** in every file (wrong check digit, unreadable amount, impossible
  date, unknown currency/scheme, missing basis, a kommunenummer not valid in the row's year).

Sizes: S 1k applications / 10k awards / 2k employer-tax rows; M 10k / 100k / 20k;
L 100k / 1M / 200k; XL 1M / 10M / 2M (about 1 GB of CSV, a few minutes). Everything is drawn
from one ``random.Random(seed)`` (no numpy): the same seed and size give byte-identical files.
The awards, applications and employer-tax files are written in blocks of :data:`BLOCK` rows
as they are drawn (the same bytes as one write), so XL never holds ten million rows of text.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import math
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ZONES_CSV = ROOT / "deminimis" / "rules" / "aga_zones.csv"
DEFAULT_OUT = HERE / "data"
SEED = 7


@dataclass(frozen=True)
class Size:
    applications: int
    awards: int
    employer_tax: int


SIZES = {
    "S": Size(1_000, 10_000, 2_000),
    "M": Size(10_000, 100_000, 20_000),
    "L": Size(100_000, 1_000_000, 200_000),
    "XL": Size(1_000_000, 10_000_000, 2_000_000),
}
BLOCK = 250_000
"""Rows of a generated file held before they are appended to it."""
FILES = ("applications", "awards", "links", "firms", "employer_tax")
ET_YEARS = tuple(range(2019, 2027))

# (text, probability); every text is an exact basis alias of rules/bases.toml except the last,
# which names no basis and is read as "other" with a warning.
BASES = (
    ("de_minimis", 0.46),
    ("bagatellmessig støtte", 0.12),
    ("de minimis", 0.08),
    ("Bagatellstøtte", 0.02),
    ("gber", 0.07),
    ("gruppeunntak", 0.05),
    ("covid_tf_3_1", 0.04),
    ("kompensasjonsordning", 0.04),
    ("other", 0.03),
    ("annet", 0.02),
    ("de_minimis_sgei", 0.03),
    ("notified_scheme", 0.02),
    ("de_minimis_agriculture", 0.01),
    ("Tilskudd fra fylket", 0.01),
)
COVID_BASES = {"covid_tf_3_1", "kompensasjonsordning"}
CURRENCIES = (("NOK", 0.85, 1.0), ("EUR", 0.10, 11.0), ("SEK", 0.03, 1.0), ("USD", 0.02, 10.0))
APP_CURRENCIES = (("NOK", 0.90, 1.0), ("EUR", 0.08, 11.0), ("SEK", 0.01, 1.0), ("USD", 0.01, 10.0))
SCHEMES = (("ad_hoc", 0.72), ("de_minimis_scheme", 0.12), ("covid_tf_3_1", 0.10), ("sgei", 0.06))
NACE = (
    ("56.101", 0.12),
    ("55.101", 0.07),
    ("10.209", 0.05),
    ("62.010", 0.10),
    ("70.100", 0.06),
    ("93.299", 0.05),
    ("47.111", 0.08),
    ("41.200", 0.08),
    ("49.410", 0.05),
    ("03.211", 0.03),
    ("01.110", 0.02),
    ("01.410", 0.01),
    ("68.209", 0.07),
    ("72.190", 0.06),
    ("90.010", 0.05),
    ("", 0.10),
)
GRANTORS = (
    "Innovasjon Norge",
    "Forskningsrådet",
    "Nordland fylkeskommune",
    "Vestland fylkeskommune",
    "Bodø kommune",
    "Etne kommune",
    "Vågan kommune",
    "Tromsø kommune",
    "Trondheim kommune",
    "Siva",
    "Enova",
)
NAME_WORDS = (
    "FJORD",
    "NORD",
    "VEST",
    "HAV",
    "FJELL",
    "BRYGGA",
    "LOFOTEN",
    "TINDE",
    "NORDLYS",
    "SKOG",
    "ELV",
    "BØLGE",
    "STRAND",
    "VIK",
    "ØY",
    "HEIM",
)
NAME_KINDS = ("AS", "AS", "AS", "ENK", "SA", "ASA", "DA")
WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
"""MOD11 weights of the first eight digits (Brønnøysund)."""
AWARD_COLUMNS = ("orgnr", "granted_on", "amount", "currency", "basis", "grantor", "reference")
APPLICATION_COLUMNS = (
    "application_id",
    "orgnr",
    "amount",
    "currency",
    "grant_date",
    "scheme",
    "nace",
    "fiscal_year_start",
    "in_difficulty_2019",
)
ET_COLUMNS = ("orgnr", "year", "wage_base_nok", "kommunenummer", "area", "sector", "advantage_nok")


# --------------------------------------------------------------------------- helpers


def _pick(rng: random.Random, table: tuple, n: int) -> list:
    """Draw ``n`` values from a ``(value, probability, …)`` table."""
    return rng.choices([t[0] for t in table], weights=[t[1] for t in table], k=n)


def check_digit(base: str) -> int:
    """MOD11 check digit of an 8-digit base (10 = the base has no valid check digit)."""
    return (11 - sum(int(c) * w for c, w in zip(base, WEIGHTS, strict=True)) % 11) % 11


def orgnrs(rng: random.Random, n: int) -> list[str]:
    """``n`` distinct valid organisation numbers (9 digits, first digit 8 or 9)."""
    seen: dict[str, None] = {}
    while len(seen) < n:
        base = str(rng.randrange(80_000_000, 100_000_000))
        check = check_digit(base)
        if check < 10:
            seen.setdefault(base + str(check))
    return list(seen)


def bad_check_digit(number: str) -> str:
    """The same number with a wrong (still numeric) check digit."""
    return number[:8] + str((int(number[8]) + 1) % 10)


def _day(d: dt.date) -> int:
    return d.toordinal()


def _iso(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def _nb_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}.{m}.{y}"


def _nb_amount(text: str) -> str:
    """``1234567.8`` -> ``1 234 567,80`` (Norwegian spreadsheet style)."""
    whole, _, frac = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    return f"{grouped},{(frac or '00').ljust(2, '0')}"


def _amount(rng: random.Random, value: float, cents_share: float) -> str:
    """An amount text: whole units, or with øre/cents for a share of rows."""
    whole = max(int(value), 1)
    if rng.random() < cents_share:
        return f"{whole}.{rng.randrange(100):02d}"
    return str(whole)


def ia_kommuner() -> dict[str, dict[int, str]]:
    """Kommuner in zone Ia (whole kommune) in every year 2019–2026: name -> {year: kommunenummer}."""
    zones = pl.read_csv(ZONES_CSV, comment_prefix="#", infer_schema=False)
    rows = (
        zones.filter((pl.col("zone") == "Ia") & pl.col("area").is_null())
        .with_columns(
            year=pl.int_ranges(pl.col("year_from").cast(pl.Int64), pl.col("year_to").cast(pl.Int64) + 1)
        )
        .explode("year")
        .select("kommunenavn", "year", "kommunenummer")
        .sort("kommunenavn", "year")
    )
    out: dict[str, dict[int, str]] = {}
    for name, year, knr in rows.iter_rows():
        out.setdefault(name, {})[year] = knr
    return {k: v for k, v in out.items() if all(y in v for y in ET_YEARS)}


def other_kommuner() -> list[str]:
    """Kommunenummer of 2026 in zone I–V except Ia (whole kommune)."""
    zones = pl.read_csv(ZONES_CSV, comment_prefix="#", infer_schema=False)
    return sorted(
        zones.filter((pl.col("year_to") == "2026") & (pl.col("zone") != "Ia") & pl.col("area").is_null())[
            "kommunenummer"
        ]
        .unique()
        .to_list()
    )


def _frame(columns: dict[str, list]) -> pl.DataFrame:
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.Utf8))


def _write(frame: pl.DataFrame, path: Path) -> None:
    """CSV with empty cells (not ``""``) for missing values, as spreadsheets write them."""
    frame.with_columns(pl.all().replace("", None)).write_csv(path)


class _Blocks:
    """A generated CSV appended a block of rows at a time (the same bytes as :func:`_write`
    of the whole table): ``add`` after each row, ``close`` at the end."""

    def __init__(self, path: Path, table: dict[str, list[str]], stream: bool = True) -> None:
        self.path, self.table, self.stream, self.started = path, table, stream, False

    def add(self) -> None:
        if self.stream and len(next(iter(self.table.values()))) >= BLOCK:
            self._flush()

    def _flush(self) -> None:
        frame = _frame(self.table).with_columns(pl.all().replace("", None))
        with self.path.open("ab" if self.started else "wb") as fh:
            frame.write_csv(fh, include_header=not self.started)
        self.started = True
        for values in self.table.values():
            values.clear()

    def close(self) -> Path:
        self._flush()
        return self.path


# --------------------------------------------------------------------------- the dataset


def generate(
    out: Path,
    *,
    applications: int,
    awards: int,
    employer_tax: int,
    seed: int = SEED,
    dirty: float = 0.01,
    et_declared_only: bool = False,
    extras: bool = False,
) -> dict[str, Path]:
    """Write the five CSV files into ``out``; return their paths by kind.

    ``et_declared_only``: employer-tax rows give ``advantage_nok`` only (no wage base), the
    form the reference implementation of ``tests/test_reference.py`` recomputes.
    ``extras`` (issue 15): link types and validity, awards' ``country`` and EU funds, and an
    ``events`` file of mergers, acquisitions and splits (one split broken), drawn from their own
    random stream so the other files stay the same.
    """
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)

    # ---- firms
    n_firms = max(awards // 4, applications, 50)
    firm_ids = orgnrs(rng, n_firms)
    weight = [min(rng.paretovariate(1.3) - 1.0 + 0.05, 60.0) for _ in range(n_firms)]
    cum_weight = list(itertools.accumulate(weight))
    nace = _pick(rng, NACE, n_firms)
    ia = ia_kommuner()
    ia_names = sorted(ia)
    n_et_firms = -(-employer_tax // len(ET_YEARS)) if employer_tax else 0
    n_ia = min(n_firms, max(int(n_et_firms * 1.05), int(n_firms * 0.10)))
    ia_firms = sorted(rng.sample(range(n_firms), n_ia))
    is_ia = set(ia_firms)
    ia_home = {f: rng.choice(ia_names) for f in ia_firms}
    others = other_kommuner()
    firms = {
        "orgnr": firm_ids,
        "name": [
            f"{rng.choice(NAME_WORDS)} {rng.choice(NAME_WORDS)} {rng.choice(NAME_KINDS)}"
            for _ in range(n_firms)
        ],
        "nace": nace,
        "kommunenummer": [ia[ia_home[f]][2026] if f in is_ia else rng.choice(others) for f in range(n_firms)],
        "status": [
            "bankrupt" if r < 0.01 else "active" if r < 0.5 else ""
            for r in (rng.random() for _ in range(n_firms))
        ],
    }
    for f in rng.sample(range(n_firms), int(round(n_firms * dirty))):  # extra rows, wrong check digit
        for col, values in firms.items():
            values.append(bad_check_digit(values[f]) if col == "orgnr" else values[f])

    # ---- links: groups of linked firms (2 + exponential, capped at 25), a few chains
    grouped = rng.sample(range(n_firms), int(n_firms * 0.08))
    link_orgnr: list[str] = []
    link_group: list[str] = []
    g = i = 0
    while i < len(grouped):
        size = min(2 + int(rng.expovariate(1.0)), 25)
        for f in grouped[i : i + size]:
            link_orgnr.append(firm_ids[f])
            link_group.append(f"konsern-{g:06d}")
        i += size
        g += 1
    for _ in range(max(g // 50, 1) if g > 1 else 0):
        link_orgnr.append(rng.choice(link_orgnr))
        link_group.append(f"konsern-{rng.randrange(g):06d}")
    for n, k in enumerate(rng.sample(range(len(link_orgnr)), int(round(len(link_orgnr) * dirty)))):
        link_orgnr.append(bad_check_digit(link_orgnr[k]) if n % 2 == 0 else link_orgnr[k])
        link_group.append(link_group[k] if n % 2 == 0 else "")
    links = {"orgnr": link_orgnr, "undertaking_id": link_group}

    # ---- awards
    first, last = _day(dt.date(2017, 1, 1)), _day(dt.date(2026, 10, 30))
    covid_first, covid_last = _day(dt.date(2020, 3, 19)), _day(dt.date(2022, 6, 30))
    cur_names = [c[0] for c in CURRENCIES]
    cur_div = {c[0]: c[2] for c in CURRENCIES}
    aw: dict[str, list[str]] = {k: [] for k in AWARD_COLUMNS}
    aw_file = _Blocks(out / "awards.csv", aw, stream=not extras)  # _extras reads every award
    recipients = rng.choices(range(n_firms), cum_weights=cum_weight, k=awards)
    bases = _pick(rng, BASES, awards)
    currencies = rng.choices(cur_names, weights=[c[1] for c in CURRENCIES], k=awards)
    for f, basis, cur in zip(recipients, bases, currencies, strict=True):
        covid = basis in COVID_BASES
        day = _iso(rng.randint(covid_first, covid_last) if covid else rng.randint(first, last))
        nok = rng.lognormvariate(math.log(120_000), 1.1) * (4 if covid else 1)
        amount = _amount(rng, nok / cur_div[cur], 0.2)
        if rng.random() < 0.04:
            amount = _nb_amount(amount)
        orgnr, granted = firm_ids[f], day
        if rng.random() < 0.04:
            granted = _nb_date(day)
        r = rng.random()
        if r < dirty * 0.5:  # dirty: half with a wrong orgnr, the rest a broken field
            orgnr = bad_check_digit(orgnr)
        elif r < dirty * 0.65:
            amount = "12.34.5"
        elif r < dirty * 0.8:
            granted = "2021-02-30"
        elif r < dirty * 0.9:
            cur = "XYZ"
        elif r < dirty:
            basis = ""
        aw["orgnr"].append(orgnr)
        aw["granted_on"].append(granted)
        aw["amount"].append(amount)
        aw["currency"].append(cur)
        aw["basis"].append(basis)
        aw["grantor"].append(rng.choice(GRANTORS))
        aw["reference"].append(f"{day[:4]}/{rng.randrange(1, 10_000)}")
        aw_file.add()

    # ---- applications: half drawn like award recipients (repeat applicants), half uniformly
    app: dict[str, list[str]] = {k: [] for k in APPLICATION_COLUMNS}
    app_file = _Blocks(out / "applications.csv", app, stream=not extras)
    app_first, app_last = _day(dt.date(2019, 1, 1)), _day(dt.date(2026, 12, 31))
    tf_first, tf_last = _day(dt.date(2021, 3, 1)), _day(dt.date(2022, 8, 31))
    acur_names = [c[0] for c in APP_CURRENCIES]
    acur_div = {c[0]: c[2] for c in APP_CURRENCIES}
    schemes = _pick(rng, SCHEMES, applications)
    app_curs = rng.choices(acur_names, weights=[c[1] for c in APP_CURRENCIES], k=applications)
    for i, (scheme, cur) in enumerate(zip(schemes, app_curs, strict=True), start=1):
        f = (
            rng.choices(range(n_firms), cum_weights=cum_weight)[0]
            if rng.random() < 0.5
            else rng.randrange(n_firms)
        )
        covid = scheme == "covid_tf_3_1"
        grant = _iso(rng.randint(tf_first, tf_last) if covid else rng.randint(app_first, app_last))
        amount = _amount(
            rng, rng.lognormvariate(math.log(300_000), 1.0) * (3 if covid else 1) / acur_div[cur], 0.1
        )
        orgnr = firm_ids[f]
        if rng.random() < 0.03:
            orgnr = f"{orgnr[:3]} {orgnr[3:6]} {orgnr[6:]}"
        d = rng.random()
        difficulty = ("ja" if d < 0.05 else "nei" if d < 0.9 else "") if covid else ""
        r = rng.random()
        if r < dirty * 0.3:
            orgnr = bad_check_digit(firm_ids[f])
        elif r < dirty * 0.5:
            amount = "kr 12,3,4"
        elif r < dirty * 0.7:
            grant = "31.02.2022"
        elif r < dirty * 0.85:
            scheme = "bagatell"
        elif r < dirty:
            cur = "XXX"
        app["application_id"].append(f"A{i:07d}")
        app["orgnr"].append(orgnr)
        app["amount"].append(amount)
        app["currency"].append(cur)
        app["grant_date"].append(grant)
        app["scheme"].append(scheme)
        app["nace"].append(nace[f] if rng.random() < 0.1 else "")
        app["fiscal_year_start"].append("07-01" if rng.random() < 0.1 else "")
        app["in_difficulty_2019"].append(difficulty)
        app_file.add()

    # ---- employer tax: zone Ia firms x years (the other Ia firms get employer_tax_missing)
    et: dict[str, list[str]] = {k: [] for k in ET_COLUMNS}
    et_file = _Blocks(out / "employer_tax.csv", et)
    rows = [(f, y) for f in ia_firms[:n_et_firms] for y in ET_YEARS][:employer_tax]
    for f, year in rows:
        wage = rng.lognormvariate(math.log(4_000_000), 0.9)
        declared = et_declared_only or rng.random() < 0.3
        knr = ia[ia_home[f]][year]
        row = {
            "orgnr": firm_ids[f],
            "year": str(year),
            "wage_base_nok": "" if declared else str(int(wage)),
            "kommunenummer": "" if declared else knr,
            "area": "",
            "sector": "" if declared else ("road_freight" if nace[f] == "49.410" else "general"),
            "advantage_nok": str(int(min(wage * 0.035, 500_000))) if declared else "",
        }
        r = rng.random()
        if r < dirty * 0.4:
            row["orgnr"] = bad_check_digit(row["orgnr"])
        elif r < dirty and et_declared_only:
            row["advantage_nok"] = "-500"
        elif r < dirty * 0.8 and not declared:  # a kommunenummer not valid in that year
            row["kommunenummer"] = "1211" if year >= 2020 else "4611"
        elif r < dirty:
            row["wage_base_nok"] = row["advantage_nok"] = ""
        for k, v in row.items():
            et[k].append(v)
        et_file.add()

    tables = [("links", links), ("firms", firms)]
    if extras:
        tables.append(("events", _extras(random.Random(seed + 15), firm_ids, links, aw, app)))
    paths = {"applications": app_file.close(), "awards": aw_file.close()}
    for name, columns in tables:
        paths[name] = out / f"{name}.csv"
        _write(_frame(columns), paths[name])
    paths["employer_tax"] = et_file.close()
    return {k: paths[k] for k in (*FILES, *(["events"] if extras else []))}


LINK_KINDS = (("", 0.35), ("a", 0.25), ("b", 0.05), ("c", 0.03), ("d", 0.02), ("public_body", 0.2))
LINK_KINDS += (("natural_person", 0.1),)


def _extras(
    rng: random.Random, firm_ids: list[str], links: dict, aw: dict, app: dict
) -> dict[str, list[str]]:
    """Issue 15 columns added in place (link types and validity, countries, EU funds); the events."""
    groups = sorted(set(links["undertaking_id"]))
    kind = dict(zip(groups, _pick(rng, LINK_KINDS, len(groups)), strict=True))
    span = {
        g: (_iso(rng.randint(_day(dt.date(2019, 1, 1)), _day(dt.date(2026, 6, 30)))), rng.random())
        for g in groups
    }
    links["link_type"], links["valid_from"], links["valid_to"] = [], [], []
    for g in links["undertaking_id"]:
        day, r = span.get(g, ("", 1.0))
        links["link_type"].append(kind.get(g, ""))
        links["valid_from"].append(day if r < 0.15 else "")
        links["valid_to"].append(day if 0.15 <= r < 0.25 else "")
    aw["country"] = [rng.choice(("SE", "DK", "FI", "se")) if rng.random() < 0.04 else "" for _ in aw["orgnr"]]
    aw["basis"] = [
        rng.choice(("Horizon Europe", "eu_central", "EIC Accelerator")) if rng.random() < 0.02 else b
        for b in aw["basis"]
    ]
    applicants = [o.replace(" ", "") for o in app["orgnr"]]
    recipients = aw["orgnr"]
    ev: dict[str, list[str]] = {k: [] for k in EVENT_COLUMNS}

    def add(kind: str, pred: str, succ: str, day: str, share: str = "") -> None:
        for k, v in zip(EVENT_COLUMNS, (kind, pred, succ, day, share), strict=True):
            ev[k].append(v)

    n = max(len(applicants) // 15, 3)
    for i in range(n):
        pred, succ = rng.choice(recipients), rng.choice(applicants)
        day = _iso(rng.randint(_day(dt.date(2019, 6, 1)), _day(dt.date(2026, 6, 30))))
        r = rng.random()
        if r < 0.4:
            add(rng.choice(("merger", "fusjon")), pred, succ, day)
        elif r < 0.7:
            add(rng.choice(("acquisition", "oppkjøp")), pred, succ, day)
        else:
            other = rng.choice(applicants + firm_ids)
            share = rng.choice(("0.75", "0.6", "1", "0,5", "25 %"))
            rest = {"0.75": "0.25", "0.6": "0.4", "1": "0", "0,5": "0,5", "25 %": "75 %"}[share]
            if i == n - 1:
                rest = "0.3"  # a split whose shares do not add up: a row error
            add("split", pred, succ, day, share)
            add("fisjon", pred, other, day, rest)
    for _ in range(max(n // 5, 1)):  # chains: a successor passes the aid on again later
        k = rng.randrange(len(ev["event"]))
        if ev["event"][k] in ("merger", "fusjon", "acquisition", "oppkjøp"):
            later = _iso(_day(dt.date.fromisoformat(ev["effective_date"][k])) + rng.randint(30, 900))
            add("merger", ev["successor_orgnr"][k], rng.choice(applicants), later)
    return ev


EVENT_COLUMNS = ("event", "predecessor_orgnr", "successor_orgnr", "effective_date", "share")


def generate_size(size: str, out: Path = DEFAULT_OUT, seed: int = SEED) -> dict[str, Path]:
    """The dataset of a named size in ``out/<size>`` (reused when it is already there)."""
    s = SIZES[size]
    folder = out / f"{size}-seed{seed}"
    paths = {k: folder / f"{k}.csv" for k in FILES}
    if all(p.is_file() for p in paths.values()) and (folder / "DONE").is_file():
        return paths
    paths = generate(
        folder, applications=s.applications, awards=s.awards, employer_tax=s.employer_tax, seed=seed
    )
    (folder / "DONE").write_text("ok\n")
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--force", action="store_true", help="Regenerate even if the files exist.")
    args = parser.parse_args(argv)
    folder = args.out / f"{args.size}-seed{args.seed}"
    if args.force and (folder / "DONE").is_file():
        (folder / "DONE").unlink()
    t0 = time.perf_counter()
    paths = generate_size(args.size, args.out, args.seed)
    for kind, path in paths.items():
        rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
        print(f"{kind:13s} {rows:>9,} rows  {path.stat().st_size / 1e6:8.1f} MB  {path}")
    print(f"generated in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
