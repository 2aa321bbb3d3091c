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
    out["headroom_calendar"] = [
        (s.date, s.headroom_eur, s.freed_eur, s.max_grant) for s in d.headroom_calendar
    ]
    return out


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
    result = check_batch(
        paths["applications"],
        awards=paths["awards"],
        links=paths["links"],
        firms=paths["firms"],
        employer_tax=paths["employer_tax"],
        events=paths["events"],
    )
    expected = ref.decide(paths, load_rules(), load_rates())

    assert [d.application_id for d in result.decisions] == [e["application_id"] for e in expected]
    mismatches = []
    for d, e in zip(result.decisions, expected, strict=True):
        got = _engine_view(d)
        for key, want in e.items():
            if key != "application_id" and got[key] != want:
                mismatches.append(f"{d.application_id} {key}: engine {got[key]!r}, reference {want!r}")
    assert not mismatches, f"{len(mismatches)} differences:\n" + "\n".join(mismatches[:30])

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
