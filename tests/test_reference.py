"""The batch engine agrees with a slow, obviously correct reference on every decision.

The dataset is the benchmark's generator (``bench/generate.py``) at a small seeded size: heavy-
tailed awards per firm, linked groups (with chains), NOK/EUR/SEK/USD, bases in officers'
spellings, grant dates 2019-2026 (the 2024 gap), the four schemes, road freight, agriculture and
aquaculture NACE codes, fiscal years from 1 July, declared employer-tax advantages and about
1 % dirty rows; with ``extras`` (issue 15) link types and validity, other states' awards, EU
funds and corporate events (mergers, acquisitions, splits, chains, one broken split). The
reference (:mod:`tests.reference_impl`) is plain Python over the CSV files.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

from deminimis import check_batch
from deminimis.case import BatchResult
from deminimis.fx import load_rates
from deminimis.rules import load_rules
from tests import reference_impl as ref

ROOT = Path(__file__).resolve().parents[1]
FIELDS = (
    "route",
    "regime",
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
    "undertaking",
)


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _engine_view(d) -> dict:
    out = {f: getattr(d, f) for f in FIELDS}
    out["window"] = (d.window.from_, d.window.to, d.window.kind) if d.window else None
    c = d.covid_tf
    out["covid_tf"] = (c.ceiling_eur, c.prior_eur, c.headroom_before_eur) if c else None
    out["gge"] = (d.gge.method, d.gge.gge_eur) if d.gge is not None and d.gge.method else None
    out["headroom_calendar"] = [
        (s.date, s.headroom_eur, s.freed_eur, s.max_grant) for s in d.headroom_calendar
    ]
    return out


def _decided_alike(paths: dict[str, Path], *extra: str) -> tuple[BatchResult, list[dict]]:
    """The engine's and the reference's decisions of ``paths`` (with the side tables ``extra``
    beyond awards, links, firms and employer tax), asserted equal on every key the reference gives."""
    tables = {t: paths[t] for t in ("awards", "links", "firms", "employer_tax", *extra)}
    # the reference decides each application alone (no cumulative batch)
    result = check_batch(paths["applications"], independent=True, **tables)
    expected = ref.decide(paths, load_rules(), load_rates())
    assert [d.application_id for d in result.decisions] == [e["application_id"] for e in expected]
    mismatches = []
    for d, e in zip(result.decisions, expected, strict=True):
        got = _engine_view(d)
        for key, want in e.items():
            if key != "application_id" and got[key] != want:
                mismatches.append(f"{d.application_id} {key}: engine {got[key]!r}, reference {want!r}")
    assert not mismatches, f"{len(mismatches)} differences:\n" + "\n".join(mismatches[:30])
    return result, expected


def test_reference_basics() -> None:
    assert ref.orgnr_ok("974760673") and not ref.orgnr_ok("974760674")
    assert ref.parse_cents("1 234 567,89") == 123456789 and ref.parse_cents("kr 1 234 567") == 123456700
    assert ref.parse_cents("12.34.5") is None and ref.parse_cents("-500") is None
    assert ref.parse_date("31.02.2022") is None and ref.parse_date("17.05.2021") == dt.date(2021, 5, 17)
    assert ref.shift_years(dt.date(2028, 2, 29), -3) == dt.date(2025, 2, 28)
    rates = ref.Rates(load_rates())
    # NOK 1,000,000 on 2021-05-17 at 10.0665 (tests/test_engine.py) and on a Saturday (Friday's fixing)
    assert rates.to_eur_cents(100_000_000, "NOK", dt.date(2021, 5, 17)) == 9_933_939
    assert rates.to_eur_cents(100_000_000, "NOK", dt.date(2021, 5, 15)) == 9_992_605


@pytest.mark.parametrize(
    ("seed", "size"),
    [(20261123, (300, 3_000, 600)), (7, (300, 3_000, 600)), (1, "S")],
    ids=["small-a", "small-b", "S"],
)
def test_engine_agrees_with_reference_on_every_decision(tmp_path: Path, seed: int, size: object) -> None:
    gen = _generator()
    apps, awards, et = (
        (gen.SIZES["S"].applications, gen.SIZES["S"].awards, gen.SIZES["S"].employer_tax)
        if size == "S"
        else size
    )  # the benchmark's S dataset: 1,000 applications, 10,000 awards
    paths = gen.generate(
        tmp_path,
        applications=apps,
        awards=awards,
        employer_tax=et,
        seed=seed,
        et_declared_only=True,
        extras=True,
    )
    result, expected = _decided_alike(paths, "events")

    # The dataset exercises what it should: every route, groups, currencies, employer tax.
    routes = Counter(e["route"] for e in expected)
    assert set(routes) == {"de_minimis", "gber", "covid_tf", "manual_review", "error"}, routes
    decided = [(d, e) for d, e in zip(result.decisions, expected, strict=True) if e["route"] != "error"]
    assert sum(len(e["undertaking"]) > 1 for _, e in decided) >= 5
    assert len({d.currency for d, _ in decided}) >= 3
    assert sum(e["employer_tax_advantage_nok"] not in (None, "0.00") for _, e in decided) >= 5
    assert sum(e["window"] is not None and e["window"][2] == "rolling_three_years" for _, e in decided) >= 20
    assert sum(e["ceiling_eur"] == "100000.00" for _, e in decided) >= 1  # road freight under 1407/2013
    assert sum(e["prior_de_minimis_eur"] not in (None, "0.00") for _, e in decided) >= 50
    counted = [a for d, _ in decided for a in d.counted]  # issue 15: events, other states, EU funds, links
    assert sum(a.events is not None and a.counted for a in counted) >= 5
    assert {"other_state", "eu_central"} <= {a.why for a in counted}
    assert {"public_body", "linked"} <= {x.why for d, _ in decided for x in d.undertaking_links}
    calendars = [e["headroom_calendar"] for _, e in decided if e["headroom_calendar"]]
    assert len(calendars) >= 5 and any(len(c) > 1 for c in calendars)  # the headroom calendar is exercised


def _with_instruments(paths: dict[str, Path], seed: int) -> None:
    """Rewrite the generated applications (and firm statuses) so that about half the rows carry a
    form of aid: loans and guarantees in and outside the safe harbours, officer GGEs, capital
    injections around the ceiling, instalments, fixed sums, intermediaries, exclusions, and some
    broken cells; a few firms are in konkurs."""
    import csv
    import random

    rnd = random.Random(seed)
    with paths["applications"].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        kind = rnd.random()
        amount = row["amount"]
        if kind < 0.15:
            row.update(instrument="loan", amount="", nominal_amount=str(rnd.randrange(1, 25) * 500_000))
            row.update(term_years=rnd.choice(["1", "4", "5", "7,5", "10", "12", ""]))
            row.update(collateral_pct=rnd.choice(["40", "50", "75", ""]))
        elif kind < 0.25:
            row.update(instrument="guarantee", amount="", nominal_amount=str(rnd.randrange(1, 40) * 500_000))
            row.update(
                term_years=rnd.choice(["3", "5", "10"]), guarantee_pct=rnd.choice(["50", "80", "80.01", "90"])
            )
            if rnd.random() < 0.3:
                row["gge"] = str(rnd.randrange(1, 400) * 1000)
        elif kind < 0.32:
            row.update(
                instrument="capital_injection", amount="", nominal_amount=str(rnd.randrange(1, 8) * 500_000)
            )
        elif kind < 0.40:
            cents = int(float(amount) * 100) if amount.replace(".", "").isdigit() else 100_000_00
            first = cents // 3
            grant = row["grant_date"]
            later = f"{int(grant[:4]) + rnd.choice([1, 2])}{grant[4:]}".replace("-02-29", "-02-28")
            row.update(
                amount=ref.money(cents),
                payments=f"{grant}:{ref.money(first)};{later}:{ref.money(cents - first)}",
                discount_rate_pct=rnd.choice(["5.30", "3", "0"]),
            )
        elif kind < 0.44:
            row["scheme_max_amount"] = str(rnd.randrange(1, 30) * 100_000)
        elif kind < 0.48:
            row["via_intermediary"] = "ja"
        elif kind < 0.50:
            row[rnd.choice(["export_linked", "domestic_preference", "insolvency_proceedings"])] = "yes"
        elif kind < 0.51:
            row[rnd.choice(["instrument", "term_years", "payments"])] = "x?"
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with paths["applications"].open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    with paths["firms"].open(encoding="utf-8", newline="") as fh:
        firms = list(csv.DictReader(fh))
    for firm in firms[::7]:
        firm["status"] = rnd.choice(["bankrupt", "under_liquidation"])
    with paths["firms"].open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(firms[0]))
        writer.writeheader()
        writer.writerows(firms)


@pytest.mark.parametrize("seed", [16, 2831])
def test_engine_agrees_with_reference_on_loans_guarantees_injections_and_instalments(
    tmp_path: Path, seed: int
) -> None:
    paths = _generator().generate(
        tmp_path, applications=400, awards=3_000, employer_tax=300, seed=seed, et_declared_only=True
    )
    _with_instruments(paths, seed)
    result, _ = _decided_alike(paths)
    methods = Counter(d.gge.method for d in result.decisions if d.gge is not None)
    assert {"loan_safe_harbour", "guarantee_safe_harbour", "officer_gge", "capital_injection"} <= set(methods)
    assert {"instalments_discounted", "scheme_fixed_sum", None} <= set(methods), methods
    assert sum(d.signing_date is not None for d in result.decisions) >= 5


def _rewrite(path: Path, rows: list[dict]) -> None:
    import csv

    columns = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)


def _with_samordning(paths: dict[str, Path], seed: int) -> None:
    """Rewrite the generated wage-base employer-tax rows so that about 40 % of the firms give
    twelve (uneven) monthly rows instead of a yearly one, add other de minimis aid inside most of
    their years (mostly late in the year, in NOK and EUR) and applications granted before, on and
    after that aid and in the following years: yearly rows meet other aid later in their year."""
    import csv
    import random

    rnd = random.Random(seed)
    read = lambda kind: list(csv.DictReader(paths[kind].open(encoding="utf-8", newline="")))  # noqa: E731
    et_rows, awards, apps = read("employer_tax"), read("awards"), read("applications")
    monthly = {r["orgnr"] for r in et_rows if r["wage_base_nok"] and rnd.random() < 0.4}
    out, years = [], []
    for row in et_rows:
        base = row["wage_base_nok"]
        if not base or not base.isdigit():
            out.append(row)
            continue
        years.append((row["orgnr"], int(row["year"])))
        if row["orgnr"] not in monthly:
            out.append(row)
            continue
        weights = [rnd.uniform(0.5, 1.5) for _ in range(12)]
        cents = [int(int(base) * 100 * w / sum(weights)) for w in weights]
        cents[11] += int(base) * 100 - sum(cents)
        out += [{**row, "month": str(m + 1), "wage_base_nok": ref.money(c)} for m, c in enumerate(cents)]
    for n, (orgnr, year) in enumerate(years):
        if rnd.random() < 0.3:
            continue
        day = dt.date(year, rnd.choice([2, 5, 8, 9, 10, 11, 11, 12, 12]), rnd.randrange(1, 29))
        eur = rnd.random() < 0.3
        amount = str(rnd.randrange(5, 60) * 1000 if eur else rnd.randrange(2, 70) * 10_000)
        basis = rnd.choice(["de_minimis", "bagatellmessig støtte", "Bagatellstøtte"])
        awards.append(
            {
                "orgnr": orgnr,
                "granted_on": day.isoformat(),
                "amount": amount,
                "currency": "EUR" if eur else "NOK",
            }
            | {"basis": basis, "grantor": "Kommunen", "reference": f"SAM-{n}"}
        )
        after = day + dt.timedelta(days=rnd.choice([0, 1, 20]))
        for k, grant in enumerate(
            [day - dt.timedelta(days=15), after, after.replace(year=year + rnd.choice([1, 2]))]
        ):
            if grant.year > 2026 or (grant.month, grant.day) == (2, 29):
                continue
            apps.append(
                {
                    "application_id": f"SAM{n:05d}-{k}",
                    "orgnr": orgnr,
                    "amount": str(rnd.randrange(1, 150) * 1000),
                }
                | {
                    "currency": rnd.choice(["EUR", "NOK"]),
                    "grant_date": grant.isoformat(),
                    "scheme": "ad_hoc",
                }
            )
    _rewrite(paths["employer_tax"], out)
    _rewrite(paths["awards"], awards)
    _rewrite(paths["applications"], apps)


@pytest.mark.parametrize("seed", [15, 2022])
def test_engine_agrees_with_reference_on_employer_tax_from_wage_bases_and_other_aid(
    tmp_path: Path, seed: int
) -> None:
    """Wage bases by zone, yearly and monthly rows, and other de minimis aid of the same year
    before and after the grant date: the reference reads a yearly row as twelve equal months
    (rules/employer_tax.toml [monthly_reading]) on its own and agrees on every figure."""
    paths = _generator().generate(
        tmp_path, applications=300, awards=2_000, employer_tax=800, seed=seed, extras=True
    )
    _with_samordning(paths, seed)
    result, _ = _decided_alike(paths, "events")
    decided = [d for d in result.decisions if d.route != "error"]
    read = [d for d in decided if any(n.code == "employer_tax_monthly_reading" for n in d.officer_notes)]
    assert len(read) >= 20, len(read)  # yearly rows met other aid of their year
    months = [a for d in decided for a in d.counted if a.source == "employer_tax" and "-" in (a.period or "")]
    assert (
        len(months) >= 100 and sum(d.employer_tax_advantage_nok not in (None, "0.00") for d in decided) >= 50
    )
