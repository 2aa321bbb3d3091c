"""The former row-by-row Python renderer, kept as the reference for the columnar one.

Until issue 7 this was ``deminimis/render/decision.py``: each row of the pipeline's frames
became a :class:`~deminimis.models.Decision` in Python. The engine now renders columnar
(:mod:`deminimis.render.columnar`); ``tests/test_render_equivalence.py`` checks that both give
the same decisions, so this file is the readable specification of every text and field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from deminimis.cumulation import Result
from deminimis.models import (
    CountedAward,
    CovidTF,
    Decision,
    Finding,
    FxRate,
    HeadroomStep,
    LimitTest,
    RowError,
    UndertakingLink,
    Window,
)
from deminimis.money import format_cents, format_cents_human
from deminimis.render.messages import messages
from deminimis.rules import Citation, Rules


def _date(value: dt.date | None, lang: str) -> str:
    if value is None:
        return ""
    return value.strftime("%d.%m.%Y") if lang == "nb" else value.isoformat()


def _cite(c: Citation | None) -> str | None:
    return f"{c.title}, {c.article}" if c else None


class _Texts:
    """Collects findings; each placeholder value may be a per-language callable."""

    def __init__(self) -> None:
        self.items: list[Finding] = []

    def add(self, code: str, cite: str | None = None, /, **values: Any) -> None:
        msg = messages()[code]
        texts = {}
        for lang in ("nb", "en"):
            filled = {k: (v(lang) if callable(v) else v) for k, v in values.items()}
            texts[lang] = msg[lang].format(**filled)
        self.items.append(
            Finding.model_construct(code=code, citation=cite, text_nb=texts["nb"], text_en=texts["en"])
        )


def _money(cents: int | None) -> Any:
    return lambda lang: format_cents_human(cents or 0, lang)


def _day(value: dt.date | None) -> Any:
    return lambda lang: _date(value, lang)


def _rate(text: str | None) -> Any:
    """A rate as published (``10.0665``), with a decimal comma in nb."""
    return lambda lang: (text or "").replace(".", ",") if lang == "nb" else text


def _s(cents: int | None) -> str | None:
    return None if cents is None else format_cents(cents)


def build(result: Result, rules: Rules, progress: Callable[[int, int], None] | None = None) -> list[Decision]:
    """One Decision per application row, in input order; ``progress(done, total)`` now and then."""
    counted: dict[int, list[dict]] = {}
    for a in result.counted.iter_rows(named=True):  # already sorted by idx, granted_on, file, row
        counted.setdefault(a["idx"], []).append(a)
    links: dict[int, list[dict]] = {}
    if result.links is not None:
        for r in result.links.iter_rows(named=True):  # sorted by idx, orgnr, undertaking_id, row
            links.setdefault(r["idx"], []).append(r)
    errors: dict[int, list[dict]] = {}
    for e in result.errors.iter_rows(named=True):
        errors.setdefault(e["idx"], []).append(e)
    bases = {b.id: b for b in rules.bases.bases}
    entries = {e.id: e for e in rules.regimes.entries}
    sectors = {s.id: s for s in rules.sectors.sectors}
    caps = {c.id: c for c in rules.covid.scheme}
    out = []
    total = result.decisions.height
    for row in result.decisions.iter_rows(named=True):
        idx = row["idx"]
        if progress is not None and idx % 500 == 0:
            progress(idx, total)
        decision = _decision(row, counted.get(idx), errors.get(idx), rules, bases, entries, sectors, caps)
        if decision.route != "error":
            decision.undertaking_links = [_link(r) for r in links.get(idx, [])]
        out.append(decision)
    return out


def _decision(
    row: dict,
    counted: list[dict] | None,
    errors: list[dict] | None,
    rules: Rules,
    bases: dict,
    entries: dict,
    sectors: dict,
    caps: dict,
) -> Decision:
    reasons, warnings = _Texts(), _Texts()
    route = row["route"]
    entry = entries.get(row["entry_id"]) if row["entry_id"] else None
    sector = sectors.get(row["sector"]) if row["sector"] else None
    limit = next((lim for lim in entry.limits if lim.id == row["limit_id"]), None) if entry else None
    grant_date = row["grant_date"]
    cur = row["currency"]
    counted_rows = counted or []
    decided = route != "error"

    if not decided:
        reasons.add("error", n=len(errors) if errors is not None else 0)
    elif sector is not None and sector.treatment == "manual_review":
        reasons.add(
            "sector_excluded",
            _cite(sector.citation),
            nace=row["nace"],
            reason=lambda lang: getattr(sector, f"reason_{lang}"),
        )
    elif entry is None:
        reasons.add("no_rule_data", grant_date=_day(grant_date), scheme=row["scheme"])
    elif not entry.in_force:
        reasons.add(
            "regime_gap",
            _cite(entry.citation),
            grant_date=_day(grant_date),
            reason=lambda lang: getattr(entry, f"reason_{lang}"),
        )
    else:
        _explain_de_minimis(row, entry, limit, sector, counted_rows, bases, reasons)

    if decided and row["scheme"] == "covid_tf_3_1" and route != "de_minimis":
        _explain_covid(row, rules, caps, reasons, warnings)
    if route == "gber":
        reasons.add("gber", "Regulation (EU) No 651/2014 (GBER), Art 6 and Art 11")
    for step in row["headroom_calendar"] or [] if decided else []:
        if step["headroom_cents"] > 0:
            reasons.add(
                "headroom_calendar",
                None,
                date=_day(step["date"]),
                eur=_money(step["headroom_cents"]),
                max=_money(step["max_cur_cents"]),
                currency=cur,
                freed=_money(step["freed_cents"]),
            )
    if decided:
        _warn(row, counted_rows, warnings, cur)
        covid_cap = caps.get(row["cap_id"]) if route in ("covid_tf", "gber") and row["cap_id"] else None
        for what, conf in _confidences(entry, limit, covid_cap):
            if conf == "UNVERIFIED":
                reasons.add("unverified", None, what=what)

    fx_list = []
    if row["app_rate_date"] is not None and cur != "EUR":
        fx_list.append(
            FxRate(
                currency=cur,
                date=grant_date.isoformat(),
                rate_date=row["app_rate_date"].isoformat(),
                rate=row["app_rate"],
                source=row["app_rate_source"],
            )
        )
    seen = {(f.currency, f.date) for f in fx_list}
    for a in counted_rows:
        if a["currency"] != "EUR" and (a["currency"], a["fx_date"].isoformat()) not in seen:
            seen.add((a["currency"], a["fx_date"].isoformat()))
            fx_list.append(
                FxRate(
                    currency=a["currency"],
                    date=a["fx_date"].isoformat(),
                    rate_date=a["rate_date"].isoformat(),
                    rate=a["rate"],
                    source=a["rate_source"],
                )
            )

    in_force = route not in ("error", "manual_review") and limit is not None
    window = None
    if decided and row["window_from"] is not None:
        window = Window(
            from_=row["window_from"].isoformat(), to=grant_date.isoformat(), kind=row["window_kind"]
        )
    covid = None
    if decided and row["scheme"] == "covid_tf_3_1":
        cap = row["cap_cents"]
        covid = CovidTF(
            ceiling_eur=_s(cap),
            prior_eur=format_cents(row["tf_prior_cents"] or 0),
            headroom_before_eur=_s(row["tf_headroom_cents"]),
            max_grant_eur=_s(max(row["tf_headroom_cents"], 0)) if cap is not None else None,
            scheme_open=cap is not None,
            rule_id=row["cap_id"],
        )
    tests = []
    for t in row["limits"] or []:
        tests.append(
            LimitTest(
                id=t["limit_id"],
                ceiling_eur=format_cents(t["ceiling_cents"]),
                counted_eur=format_cents(t["prior_cents"]),
                headroom_before_eur=format_cents(t["headroom_cents"]),
            )
        )
    return Decision(
        application_id=row["application_id"],
        orgnr=row["orgnr"],
        grant_date=grant_date.isoformat() if grant_date else None,
        undertaking=list(row["members"] or ([row["orgnr"]] if row["orgnr"] else [])),
        route=route,
        regime=entry.regime if entry is not None and decided else None,
        window=window,
        ceiling_eur=_s(row["ceiling_cents"]) if in_force else None,
        prior_de_minimis_eur=_s(row["prior_cents"]) if in_force else None,
        employer_tax_advantage_nok=_s(row["et_nok_cents"]) if decided else None,
        employer_tax_advantage_eur=_s(row["et_eur_cents"]) if decided else None,
        counted_total_eur=_s(row["counted_total_cents"]) if in_force else None,
        new_aid_eur=_s(row["new_cents"]) if decided else None,
        headroom_before_eur=_s(row["headroom_cents"]) if in_force else None,
        headroom_after_eur=_s(row["headroom_after_cents"]) if in_force else None,
        max_de_minimis_grant_eur=_s(row["max_cents"]) if in_force else None,
        max_de_minimis_grant=_s(row["max_cur_cents"]) if in_force else None,
        covid_tf=covid,
        fx=fx_list if decided else [],
        counted=[_counted(a) for a in counted_rows] if decided else [],
        reasons=reasons.items,
        warnings=warnings.items,
        errors=[
            RowError(file=e["file"], row=e["row"], field=e["field"], message=e["message"]) for e in errors
        ]
        if errors
        else [],
        amount=_s(row["amount_cents"]),
        currency=cur,
        scheme=row["scheme"],
        name=row["name"],
        nace=row["nace"],
        ceiling_test=row["limit_id"] if in_force else None,
        ceiling_tests=tests if in_force else [],
        rules_entry=row["entry_id"] if decided else None,
        headroom_calendar=[_step(s) for s in row["headroom_calendar"] or []] if in_force else [],
    )


def _step(s: dict) -> HeadroomStep:
    return HeadroomStep.model_construct(
        date=s["date"].isoformat(),
        headroom_eur=format_cents(s["headroom_cents"]),
        freed_eur=format_cents(s["freed_cents"]),
        max_grant=format_cents(s["max_cur_cents"]),
    )


def _counted(a: dict) -> CountedAward:
    # model_construct: the values come from the typed pipeline, not from users
    return CountedAward.model_construct(
        source=a["source"],
        period=a["period"],
        zone=a["zone"],
        assumed=bool(a["assumed"]) if a["source"] == "employer_tax" else None,
        orgnr=a["orgnr"],
        granted_on=a["granted_on"].isoformat(),
        basis=a["basis"],
        amount=format_cents(a["amount_cents"]),
        currency=a["currency"],
        eur=format_cents(a["eur_cents"]),
        counted=a["counted"],
        why=a["why"],
        file=a["file"],
        row=a["row"],
        grantor=a["grantor"],
        reference=a["reference"],
        country=a.get("country"),
    )


def _link(r: dict) -> UndertakingLink:
    return UndertakingLink.model_construct(
        orgnr=r["orgnr"],
        undertaking_id=r["undertaking_id"],
        link_type=r["link_type"],
        valid_from=r["valid_from"].isoformat() if r["valid_from"] else None,
        valid_to=r["valid_to"].isoformat() if r["valid_to"] else None,
        counted=r["counted"],
        why=r["why"],
        file=r["file"],
        row=r["row"],
    )


def _explain_de_minimis(
    row: dict, entry: Any, limit: Any, sector: Any, counted_rows: list[dict], bases: dict, reasons: _Texts
) -> None:
    kind_msgs = messages()["window_kind"]
    reasons.add(
        "regime",
        _cite(entry.citation),
        grant_date=_day(row["grant_date"]),
        regime=entry.regime,
        citation=_cite(entry.citation),
    )
    if len(row["members"] or []) > 1:
        reasons.add(
            "undertaking", "Regulation 1407/2013 / 2023/2831, Art 2(2)", members=", ".join(row["members"])
        )
    reasons.add(
        "window",
        _cite(entry.citation),
        **{"from": _day(row["window_from"])},
        to=_day(row["grant_date"]),
        kind=lambda lang: kind_msgs[f"{row['window_kind']}_{lang}"],
    )
    if (
        sector is not None
        and sector.treatment == "sector_ceiling"
        and row["limit_id"] == entry.limits[0].id
        and sector.id in entry.limits[0].sector_ceilings_eur
    ):
        reasons.add(
            "sector_ceiling",
            _cite(sector.citation),
            nace=row["nace"],
            ceiling=_money(row["ceiling_cents"]),
            reason=lambda lang: getattr(sector, f"reason_{lang}"),
        )
    shown = [a for a in counted_rows if a["counted"] and a["source"] == "awards"]
    for a in shown:
        reasons.add(
            "counted_award_eur" if a["currency"] == "EUR" else "counted_award",
            None,
            amount=_money(a["amount_cents"]),
            currency=a["currency"],
            granted_on=_day(a["granted_on"]),
            basis=lambda lang, b=a["basis"]: getattr(bases[b], f"label_{lang}"),
            grantor=f", {a['grantor']}" if a["grantor"] else "",
            eur=_money(a["eur_cents"]),
            rate=_rate(a["rate"]),
            rate_date=_day(a["rate_date"]),
            source=a["rate_source"],
        )
    if not shown:
        reasons.add("no_prior")
    _explain_employer_tax(counted_rows, reasons)
    reasons.add(
        "new_aid_eur" if row["currency"] == "EUR" else "new_aid",
        None,
        amount=_money(row["amount_cents"]),
        currency=row["currency"],
        eur=_money(row["new_cents"]),
        rate=_rate(row["app_rate"]),
        rate_date=_day(row["app_rate_date"]),
        source=row["app_rate_source"],
    )
    reasons.add(
        "ceiling",
        _cite(limit.citation),
        ceiling=_money(row["ceiling_cents"]),
        citation=_cite(limit.citation),
        counted=_money(row["counted_total_cents"]),
        headroom=_money(row["headroom_cents"]),
    )
    total = row["counted_total_cents"] + row["new_cents"]
    values = dict(
        counted=_money(row["counted_total_cents"]),
        new=_money(row["new_cents"]),
        total=_money(total),
        ceiling=_money(row["ceiling_cents"]),
    )
    if row["new_cents"] <= row["headroom_cents"]:
        reasons.add(
            "fits",
            _cite(limit.citation),
            regime=entry.regime,
            after=_money(row["headroom_after_cents"]),
            **values,
        )
    else:
        reasons.add(
            "exceeds",
            f"{entry.regime} Art 3(7); CJEU C-608/19 Zennaro",
            max_eur=_money(row["max_cents"]),
            max_cur=_money(row["max_cur_cents"]),
            currency=row["currency"],
            **values,
        )


def _explain_employer_tax(counted_rows: list[dict], reasons: _Texts) -> None:
    """One reason per employer-tax period counted; one for periods that are not de minimis."""
    cite = "Stortingets vedtak om arbeidsgiveravgift § 4; Skatte-ABC A-14-6.6"
    et_rows = [a for a in counted_rows if a["source"] == "employer_tax"]
    for a in et_rows:
        if a["counted"]:
            reasons.add(
                "employer_tax_assumed" if a["assumed"] else "employer_tax_year",
                cite,
                period=a["period"],
                zone=a["zone"] or "?",
                nok=_money(a["amount_cents"]),
                eur=_money(a["eur_cents"]),
                rate=_rate(a["rate"]),
                rate_date=_day(a["rate_date"]),
            )
    if any(not a["counted"] for a in et_rows):
        zones = ", ".join(sorted({f"{a['period']} {a['zone']}" for a in et_rows if not a["counted"]}))
        reasons.add("employer_tax_not_aid", cite, periods=zones)


def _explain_covid(row: dict, rules: Rules, caps: dict, reasons: _Texts, warnings: _Texts) -> None:
    covid = rules.covid
    cap = caps.get(row["cap_id"]) if row["cap_id"] else None
    if cap is None:
        reasons.add(
            "covid_tf_closed",
            "ESA decision 031/21/COL",
            grant_date=_day(row["grant_date"]),
            first=_day(covid.scheme[0].valid_from),
            last=_day(covid.scheme[-1].valid_to),
        )
        return
    if row["in_difficulty_2019"]:
        reasons.add(
            "covid_tf_difficulty",
            _cite(covid.difficulty_citation),
            date=_day(covid.difficulty_date),
            citation=_cite(covid.difficulty_citation),
        )
    elif row["in_difficulty_2019"] is None:
        warnings.add("difficulty_not_declared", _cite(covid.difficulty_citation))
    total = row["tf_prior_cents"] + row["new_cents"]
    code = "covid_tf_fits" if total <= row["cap_cents"] else "covid_tf_exceeds"
    reasons.add(
        code,
        _cite(cap.citation),
        cap=_money(row["cap_cents"]),
        citation=_cite(cap.citation),
        prior=_money(row["tf_prior_cents"]),
        total=_money(total),
        max=_money(max(row["tf_headroom_cents"], 0)),
    )


def _warn(row: dict, counted_rows: list[dict], warnings: _Texts, cur: str) -> None:
    if row["app_fx_status"] == "stale":
        warnings.add(
            "fx_rate_stale",
            "Contract §4 (exchange rate)",
            currency=cur,
            date=_day(row["grant_date"]),
            rate=_rate(row["app_rate"]),
            rate_date=_day(row["app_rate_date"]),
        )
    for a in counted_rows:
        if a["counted"] and a["rate_date"] is not None and a["rate_date"] in (row["stale_dates"] or []):
            warnings.add(
                "fx_rate_stale",
                "Contract §4 (exchange rate)",
                currency=a["currency"],
                date=_day(a["granted_on"]),
                rate=_rate(a["rate"]),
                rate_date=_day(a["rate_date"]),
            )
    for a in counted_rows:
        if a["source"] == "awards" and a.get("basis_nearest") is not None:
            warnings.add(
                "basis_unrecognised",
                "Regulation 2023/2831 Art 6(4); Regulation 1407/2013 Art 6(3)",
                text=a["basis_text"],
                nearest=a["basis_nearest"],
                amount=_money(a["amount_cents"]),
                currency=a["currency"],
                granted_on=_day(a["granted_on"]),
            )
    for code, n in (
        ("award_after_grant_date", row["n_after"]),
        ("duplicate_award", row["n_duplicate"]),
        ("basis_other", row["n_other"]),
    ):
        if n:
            warnings.add(code, None, n=n, grant_date=_day(row["grant_date"]))
    if row["et_missing"]:
        warnings.add(
            "employer_tax_missing",
            "Stortingets vedtak om arbeidsgiveravgift § 4",
            orgnr=", ".join(row["et_missing"]),
            what=lambda lang: messages()["employer_tax_missing"][
                f"{'assumed' if row['et_assumed'] else 'not_counted'}_{lang}"
            ],
        )
    if row["nace"] is None:
        warnings.add("sector_not_checked", "Regulation 1407/2013 / 2023/2831, Art 1(1)")
    status_texts = messages()["firm_status"]
    if row["status"] and row["status"] not in ("active", "unknown"):
        known = f"{row['status']}_nb" in status_texts
        warnings.add(
            "firm_status",
            "Enhetsregisteret (Brønnøysundregistrene)",
            orgnr=row["orgnr"],
            status=lambda lang: status_texts[f"{row['status']}_{lang}"] if known else row["status"],
            source=row["firm_source"] or "?",
        )
    if row["firm_problem"] and row["firm_problem_kind"] == "unavailable":
        warnings.add("firm_facts_unverified", None, orgnr=row["orgnr"], problem=row["firm_problem"])


def _confidences(entry: Any, limit: Any, cap: Any) -> list[tuple[str, str]]:
    out = []
    if entry is not None:
        out.append((f"{entry.id} ({entry.valid_from} – {entry.valid_to})", entry.confidence))
    if limit is not None:
        out.append((f"EUR {limit.ceiling_eur:,} ({limit.id})", limit.confidence))
    if cap is not None:
        out.append((f"EUR {cap.cap_eur:,} ({cap.id})", cap.confidence))
    return out


__all__ = ["build", "messages"]
