"""The naive pandas baseline: read with pandas, then loop over the applicants.

This is how the job is usually first written: vectorised parsing and exchange rates
(``merge_asof``), then ``for app in applications`` with a boolean filter of the whole awards
table (and the employer-tax table) per applicant: time grows with applications × awards.

It computes the core of the decision (regime, window, sector, prior de minimis aid and
employer-tax advantage in EUR, every ceiling test, Covid TF 3.1 cap, route) and writes one JSON
line per application with those figures and its counted awards. Simplifications against the
engine (so it is a lower bound of the work): floats for the EUR conversion, no samordning of
the employer-tax fribeløp with other aid, no monthly employer-tax rows, no firm-status or other
warnings, no reason texts. ``bench/run.py`` reports how often its route agrees with the engine.

Needs pandas (``pip install pandas``); the test suite does not.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from deminimis.fx import rates_path
from deminimis.rules import EMPLOYER_TAX, load_rules

ZONES_CSV = Path(__file__).resolve().parents[1] / "deminimis" / "rules" / "aga_zones.csv"
FRIBELOP = {**dict.fromkeys(range(2019, 2024), 500_000_00), **dict.fromkeys(range(2024, 2027), 850_000_00)}
IA_GAP = 0.035  # 14.1 % - 10.6 %
_W = (3, 2, 7, 6, 5, 4, 3, 2)


def _mod11_ok(text: str) -> bool:
    if len(text) != 9 or not text.isdigit():
        return False
    check = (11 - sum(int(c) * w for c, w in zip(text[:8], _W, strict=True)) % 11) % 11
    return check == int(text[8])


def _dates(s: pd.Series) -> pd.Series:
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    nb = pd.to_datetime(s, format="%d.%m.%Y", errors="coerce")
    return iso.fillna(nb)


def _cents(s: pd.Series) -> pd.Series:
    clean = (
        s.str.lower()
        .str.replace(r"^(kr\.?|nok|eur)\s*", "", regex=True)
        .str.replace(r"[\s\u00a0']", "", regex=True)
        .str.replace(",", ".", regex=False)
    )
    ok = clean.str.fullmatch(r"\d+(\.\d{1,2})?")
    value = pd.to_numeric(clean.where(ok), errors="coerce")
    return (value * 100).round()


def _shift_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _window_from(grant: dt.date, kind: str, years: int, fys: str) -> dt.date:
    if kind == "rolling_three_years":
        return _shift_years(grant, -years)
    month, day = (int(x) for x in fys.split("-"))
    start = dt.date(grant.year, month, day)
    if grant < start:
        start = _shift_years(start, -1)
    return _shift_years(start, -(years - 1))


def run_baseline(paths: dict[str, Path], out: Path, limit: int | None = None) -> int:
    """Decide the applications (the first ``limit`` when given); return how many were decided."""
    rules = load_rules()
    aliases = rules.basis_aliases()
    rates = pd.read_csv(rates_path(), comment="#", dtype=str)
    rates["rdate"] = pd.to_datetime(rates["date"])
    rates["rate_f"] = rates["rate"].astype(float)
    rates = rates.rename(columns={"currency": "cur"}).sort_values("rdate")
    known = set(rates["cur"]) | {"EUR"}
    by_cur = {
        c: ([d.date() for d in g["rdate"]], g["rate_f"].tolist()) for c, g in rates.groupby("cur", sort=False)
    }

    def rate_at(cur: str, day: dt.date) -> float:
        if cur == "EUR":
            return 1.0
        days, values = by_cur[cur]
        return values[bisect.bisect_right(days, day) - 1]

    read = {k: pd.read_csv(p, dtype=str, keep_default_na=False) for k, p in paths.items()}
    apps, awards, links, firms, et = (
        read[k] for k in ("applications", "awards", "links", "firms", "employer_tax")
    )

    # single undertaking: union-find over the links
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    links["o"] = links["orgnr"].str.replace(r"\s", "", regex=True)
    links = links[links["o"].map(_mod11_ok) & (links["undertaking_id"] != "")]
    for _, group in links.groupby("undertaking_id"):
        members = group["o"].tolist()
        for other in members[1:]:
            a, b = find(members[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)

    def key_of(o: str) -> str:
        return find(o) if o in parent else o

    # awards: parse, validate, EUR at their own date
    awards["o"] = awards["orgnr"].str.replace(r"\s", "", regex=True)
    awards["ok_org"] = awards["o"].map(_mod11_ok)
    awards["date"] = _dates(awards["granted_on"])
    awards["cents"] = _cents(awards["amount"])
    awards["cur"] = awards["currency"].replace("", "NOK").str.upper()
    awards["basis_id"] = awards["basis"].map(
        lambda t: None if not t.strip() else aliases.get(" ".join(t.lower().split()), "other")
    )
    bad = (
        ~awards["ok_org"]
        | awards["date"].isna()
        | awards["cents"].isna()
        | ~awards["cur"].isin(known)
        | awards["basis_id"].isna()
    )
    awards["ukey"] = awards["o"].map(key_of)
    bad_awards = awards[bad & awards["ok_org"]]
    good = awards[~bad].sort_values("date")
    good = pd.merge_asof(
        good,
        rates[["cur", "rdate", "rate_f"]],
        left_on="date",
        right_on="rdate",
        by="cur",
        direction="backward",
    )
    good["rate_f"] = np.where(good["cur"] == "EUR", 1.0, good["rate_f"])
    good["eur_cents"] = np.floor(good["cents"] / good["rate_f"] + 0.5)

    # employer tax: declared advantage, or wage base x 3.5 pp capped at the fribeløp in zone Ia
    zones = pd.read_csv(ZONES_CSV, comment="#", dtype=str, keep_default_na=False)
    ia = set()
    for r in zones[(zones["zone"] == "Ia") & (zones["area"] == "")].itertuples():
        for y in range(int(r.year_from), int(r.year_to) + 1):
            ia.add((y, r.kommunenummer))
    valid_knr = {
        (y, r.kommunenummer) for r in zones.itertuples() for y in range(int(r.year_from), int(r.year_to) + 1)
    }
    et["o"] = et["orgnr"].str.replace(r"\s", "", regex=True)
    et["ok_org"] = et["o"].map(_mod11_ok)
    et["y"] = pd.to_numeric(et["year"], errors="coerce")
    et["adv"] = _cents(et["advantage_nok"])
    et["base"] = _cents(et["wage_base_nok"])
    has_adv, has_base = et["advantage_nok"] != "", et["wage_base_nok"] != ""
    knr_ok = [
        (int(y), k) in valid_knr if y == y else False
        for y, k in zip(et["y"], et["kommunenummer"], strict=True)
    ]
    et_bad = (
        ~et["ok_org"]
        | et["y"].isna()
        | (has_adv == has_base)
        | (has_adv & et["adv"].isna())
        | (has_base & (et["base"].isna() | ~pd.Series(knr_ok, index=et.index)))
    )
    et["ukey"] = et["o"].map(key_of)
    bad_et = et[et_bad & et["ok_org"]]
    et = et[~et_bad].copy()
    et["y"] = et["y"].astype(int)
    computed = [
        min(round(b * IA_GAP), FRIBELOP.get(y, 0)) if (y, k) in ia else 0
        for b, y, k in zip(et["base"].fillna(0), et["y"], et["kommunenummer"], strict=True)
    ]
    et["adv_cents"] = np.where(has_adv[et.index], et["adv"], computed)

    firm_nace = dict(zip(firms["orgnr"], firms["nace"], strict=True))
    sectors = [(p, s.id, s.treatment) for s in rules.sectors.sectors for p in s.nace_prefixes]
    caps = rules.covid.scheme
    covid = rules.covid
    member_lists: dict[str, list[str]] = {}
    for o in parent:
        member_lists.setdefault(find(o), []).append(o)

    if limit is not None:
        apps = apps.head(limit)
    apps["grant"] = _dates(apps["grant_date"])
    apps["cents"] = _cents(apps["amount"])
    done = 0
    with out.open("w", encoding="utf-8") as fh:
        for app in apps.itertuples(index=False):
            done += 1
            o = app.orgnr.replace(" ", "")
            grant, cents = app.grant, app.cents
            cur = (app.currency or "NOK").upper()
            scheme = (app.scheme or "ad_hoc").lower()
            rec: dict = {"application_id": app.application_id, "orgnr": o}
            if (
                not _mod11_ok(o)
                or pd.isna(grant)
                or pd.isna(cents)
                or cur not in known
                or scheme not in ("ad_hoc", "de_minimis_scheme", "covid_tf_3_1", "sgei")
            ):
                fh.write(json.dumps({**rec, "route": "error"}) + "\n")
                continue
            grant = grant.date()
            key = key_of(o)
            if (bad_awards["ukey"] == key).any() or (bad_et["ukey"] == key).any():
                fh.write(json.dumps({**rec, "route": "error"}) + "\n")
                continue
            new = int(np.floor(cents / rate_at(cur, grant) + 0.5))
            entry = next((e for e in rules.regimes.entries if scheme in e.schemes and e.covers(grant)), None)
            nace = app.nace or firm_nace.get(o, "")
            hits = sorted((t != "manual_review", s) for p, s, t in sectors if nace and nace.startswith(p))
            sector = hits[0][1] if hits else None
            sub = good[good["ukey"] == key]  # the naive per-applicant filter
            et_sub = et[et["ukey"] == key]
            rec.update(undertaking=sorted(member_lists.get(key, [o])), new_aid_eur=new / 100)
            excluded = bool(hits) and not hits[0][0]
            if excluded or entry is None or not entry.in_force:
                route, wfrom = "manual_review", None
            else:
                wfrom = _window_from(
                    grant, entry.window, entry.window_years, app.fiscal_year_start or "01-01"
                )
                in_win = sub[(sub["date"].dt.date >= wfrom) & (sub["date"].dt.date <= grant)]
                et_in = et_sub[(et_sub["y"] >= wfrom.year) & (et_sub["y"] <= grant.year)]
                et_eur = sum(
                    float(
                        np.floor(a / rate_at("NOK", grant if y == grant.year else dt.date(y, 12, 31)) + 0.5)
                    )
                    for a, y in zip(et_in["adv_cents"], et_in["y"], strict=True)
                )
                tests = []
                for order, lim in enumerate(entry.limits):
                    prior = float(in_win[in_win["basis_id"].isin(lim.counts)]["eur_cents"].sum())
                    et_part = et_eur if EMPLOYER_TAX in lim.counts else 0.0
                    ceiling = lim.sector_ceilings_eur.get(sector, lim.ceiling_eur) * 100
                    tests.append((ceiling - prior - et_part, order, ceiling, prior, et_part))
                headroom, _, ceiling, prior, et_part = min(tests)
                rec.update(
                    regime=entry.regime,
                    window={"from": wfrom.isoformat(), "to": grant.isoformat()},
                    ceiling_eur=ceiling / 100,
                    prior_de_minimis_eur=prior / 100,
                    employer_tax_advantage_eur=et_part / 100,
                    headroom_before_eur=headroom / 100,
                    headroom_after_eur=(headroom - new) / 100,
                    max_de_minimis_grant_eur=max(headroom, 0) / 100,
                )
                route = "de_minimis" if new <= headroom else None
                if route is None:
                    cap = next((c for c in caps if c.covers(grant)), None)
                    tf = sub[
                        sub["basis_id"].isin(covid.counts)
                        & (sub["date"].dt.date >= covid.counts_from)
                        & (sub["date"].dt.date <= grant)
                    ]["eur_cents"].sum()
                    ok = (
                        scheme == "covid_tf_3_1"
                        and cap is not None
                        and tf + new <= cap.cap_eur * 100
                        and app.in_difficulty_2019.lower() not in ("ja", "yes")
                    )
                    route = "covid_tf" if ok else "gber"
            rec["route"] = route
            rec["counted"] = [
                {
                    "orgnr": r.o,
                    "granted_on": r.date.date().isoformat(),
                    "basis": r.basis_id,
                    "amount": r.cents / 100,
                    "currency": r.cur,
                    "eur": r.eur_cents / 100,
                    "counted": bool(wfrom is not None and wfrom <= r.date.date() <= grant),
                }
                for r in sub.itertuples()
            ]
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return done


__all__ = ["run_baseline"]
