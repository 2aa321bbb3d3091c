"""Decision-letter text an officer pastes into the vedtak (``deminimis letter``).

For a grant routed ``de_minimis`` the text follows the NFD grant-letter template
(rules.md §5.2, R30): the grant «i medhold av Kommisjonsforordning (EU) nr. 1407/2013,
publisert i EU-tidende den 24.12.2013 (OJ L 352, 24.12.2013, s. 1-8)» — or Regulation
2023/2831 (EUT L, 2023/2831, 15.12.2023) and «de siste tre år» from 11.11.2024 — the amount
in the application's currency and in EUR with the ECB rate and its date, the period, the
de minimis aid counted, what remains under the ceiling, and the duty to keep the records
for ten years (Art 6(4)). Every other route gets a plain statement that the grant cannot be
given as de minimis aid, with the decisive reasons of the decision.

The wording lives in jinja2 templates (``templates/letter_nb.txt.j2``,
``letter_en.txt.j2``); this module only prepares the figures (formatted for the language)
from a :class:`~deminimis.models.Decision`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from deminimis import orgnr
from deminimis.models import Decision
from deminimis.money import (
    contract_cents,
    format_cents,
    format_cents_human,
    from_eur_cents_floor,
    rate_to_micro,
)

TEMPLATES = Path(__file__).with_name("templates")
LANGS = ("nb", "en")
DECISIVE = (
    "error",
    "sector_excluded",
    "regime_gap",
    "no_rule_data",
    "exceeds",
    "covid_tf_closed",
    "covid_tf_difficulty",
    "covid_tf_exceeds",
    "covid_tf_fits",
    "gber",
    "excluded_export",
    "excluded_domestic",
    "gge_insolvent",
    "gge_missing",
    "loan_collateral_low",
    "guarantee_cover_high",
    "outside_safe_harbour",
    "no_gge_rule",
    "capital_injection_not_transparent",
)
"""Reason codes that say why a grant is not de minimis aid (the letter quotes these)."""
GGE_LINES = (
    "intermediary_grant_date",
    "gge_loan_safe_harbour",
    "gge_guarantee_safe_harbour",
    "gge_officer",
    "gge_capital_injection",
    "gge_instalments",
    "gge_instalment",
    "gge_fixed_sum",
)
"""Reasons the letter of a granted aid repeats: the aid's form and its GGE with the arithmetic
(Art 6(1): the notice states the aid amount as a gross grant equivalent)."""
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # plain text, not HTML
    )


def _cents(text: str | None) -> int | None:
    return None if text is None else contract_cents(text)


def _day(iso: str | None, lang: str) -> str:
    if not iso:
        return "?"
    d = dt.date.fromisoformat(iso)
    return d.strftime("%d.%m.%Y") if lang == "nb" else f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def _orgnr(number: str | None) -> str:
    """``912346803`` -> ``912 346 803`` (as Brreg writes it); anything else unchanged."""
    if number and len(number) == 9 and number.isdigit():
        return orgnr.format(number)
    return number or "?"


def _max_aid(d: Decision, fx: Any) -> str | None:
    """The largest aid that fits, in the currency: for a safe-harbour loan or guarantee the decision's
    ``max_de_minimis_grant`` is the nominal amount; the letter states the aid (GGE) instead."""
    if d.gge is None or d.gge.max_nominal is None or d.max_de_minimis_grant_eur is None:
        return d.max_de_minimis_grant
    eur = contract_cents(d.max_de_minimis_grant_eur)
    cur = eur if fx is None else from_eur_cents_floor(eur, rate_to_micro(fx.rate))
    return format_cents(cur)


def _money(text: str | None, lang: str) -> str:
    """A contract amount (``"1234.50"``) as the letter writes it; ``?`` when unknown."""
    return "?" if text is None else format_cents_human(_cents(text) or 0, lang)


def _rate(text: str, lang: str) -> str:
    """An ECB rate with the language's decimal mark."""
    return text.replace(".", ",") if lang == "nb" else text


def _cur(code: str | None, lang: str) -> str:
    """A currency as the letter names it (``kr`` for NOK in bokmål)."""
    code = code or "NOK"
    return "kr" if lang == "nb" and code == "NOK" else code


def _grant_part(d: Decision, fx: Any, lang: str) -> dict[str, Any]:
    """The recipient, the grant's amount (nominal, GGE, EUR) and the exchange rate used."""
    return {
        "d": d,
        "route": d.route,
        "regime": d.regime,
        "recipient_name": d.name,
        "orgnr": _orgnr(d.orgnr),
        "members": [_orgnr(m) for m in d.undertaking if m != d.orgnr],
        "currency": d.currency or "NOK",
        "cur": _cur(d.currency, lang),
        "amount": _money(d.gge.nominal if d.gge and d.amount is None else d.amount, lang),
        "gge": _money(d.amount, lang) if d.gge is None else None,
        "declaration_only": any(w.code == "no_prior_aid_source" for w in d.warnings),
        "new_aid_eur": _money(d.new_aid_eur, lang),
        "fx": fx is not None and d.gge is None,
        "gge_lines": [getattr(r, f"text_{lang}") for r in d.reasons if r.code in GGE_LINES],
        "rate": _rate(fx.rate, lang) if fx else None,
        "rate_date": _day(fx.rate_date, lang) if fx else None,
        "grant_date": _day(d.grant_date, lang),
    }


def _headroom_part(d: Decision, fx: Any, lang: str) -> dict[str, Any]:
    """The period, the ceiling, the aid counted in it and what remains (in EUR and the currency)."""
    after_cur = None
    if d.headroom_after_eur is not None and _cents(d.headroom_after_eur) > 0:
        after = _cents(d.headroom_after_eur)
        after_cur = after if fx is None else from_eur_cents_floor(after, rate_to_micro(fx.rate))
    total = None
    if d.counted_total_eur is not None and d.new_aid_eur is not None:
        total = format_cents_human(_cents(d.counted_total_eur) + _cents(d.new_aid_eur), lang)
    return {
        "window_kind": d.window.kind if d.window else None,
        "window_from": _day(d.window.from_, lang) if d.window else None,
        "window_to": _day(d.window.to, lang) if d.window else None,
        "ceiling_eur": _money(d.ceiling_eur, lang),
        "counted_total_eur": _money(d.counted_total_eur, lang),
        "employer_tax_nok": _money(d.employer_tax_advantage_nok, lang)
        if d.employer_tax_advantage_nok and _cents(d.employer_tax_advantage_nok)
        else None,
        "total_eur": total,
        "headroom_after_eur": _money(d.headroom_after_eur, lang),
        "after_cur": format_cents_human(after_cur, lang) if after_cur is not None else None,
        "max_grant": _money(_max_aid(d, fx), lang),
        "max_grant_eur": _money(d.max_de_minimis_grant_eur, lang),
        "max_positive": bool(d.max_de_minimis_grant_eur and _cents(d.max_de_minimis_grant_eur) > 0),
    }


def _counted(d: Decision, lang: str) -> list[dict[str, Any]]:
    """The earlier aid counted in the period, one row each (a zero employer-tax advantage left out)."""
    return [
        {
            "source": a.source,
            "date": _day(a.granted_on, lang),
            "period": a.period,
            "zone": a.zone,
            "grantor": a.grantor,
            "reference": a.reference,
            "basis": a.basis,
            "member": _orgnr(a.orgnr) if a.orgnr != d.orgnr else None,
            "currency": a.currency,
            "cur": _cur(a.currency, lang),
            "amount": _money(a.amount, lang),
            "eur": _money(a.eur, lang),
            "via": _via(a.events, lang),
        }
        for a in d.counted
        if a.counted and not (a.source == "employer_tax" and _cents(a.amount) == 0)
    ]


def _calendar(d: Decision, lang: str) -> list[dict[str, str]]:
    """The dates on which headroom frees up, with the headroom in EUR and the largest grant then."""
    return [
        {
            "date": _day(c.date, lang),
            "eur": _money(c.headroom_eur, lang),
            "cur": _money(c.max_grant, lang),
        }
        for c in d.headroom_calendar
        if _cents(c.headroom_eur) > 0
    ]


def _outcome_part(d: Decision, lang: str) -> dict[str, Any]:
    """The decisive reasons (else the first three), the input errors and the stale-rate warnings."""
    return {
        "reasons": [getattr(r, f"text_{lang}") for r in d.reasons if r.code in DECISIVE]
        or [getattr(r, f"text_{lang}") for r in d.reasons[:3]],
        "errors": [f"{e.file}:{e.row} {e.field}: {e.message}" for e in d.errors],
        "stale": [getattr(w, f"text_{lang}") for w in d.warnings if w.code == "fx_rate_stale"],
    }


def _context(decision: Decision, lang: str) -> dict[str, Any]:
    d = decision
    fx = next((f for f in d.fx if f.currency == d.currency and f.date == d.grant_date), None)
    return {
        **_grant_part(d, fx, lang),
        **_headroom_part(d, fx, lang),
        "counted": _counted(d, lang),
        "calendar": _calendar(d, lang),
        **_outcome_part(d, lang),
    }


EVENT_WORDS = {
    "nb": {"merger": "fusjon", "acquisition": "oppkjøp", "split": "fisjon"},
    "en": {"merger": "merger", "acquisition": "acquisition", "split": "split"},
}


def _via(events: list | None, lang: str) -> str | None:
    """How a predecessor's aid reached the applicant: ``overført ved fusjon 01.01.2024 til …``."""
    if not events:
        return None
    word = "overført ved" if lang == "nb" else "passed on by"
    to = "til org.nr." if lang == "nb" else "to"

    def share(text: str) -> str:
        if text == "1":
            return ""
        pct = f"{Decimal(text) * 100:f}".rstrip("0").rstrip(".")
        return f" ({pct.replace('.', ',')}\u00a0%)" if lang == "nb" else f" ({pct}%)"

    steps = [
        f"{EVENT_WORDS[lang][e.event]} {_day(e.effective_date, lang)}{share(e.share)} {to} "
        f"{_orgnr(e.successor_orgnr)}"
        for e in events
    ]
    return f"{word} {', '.join(steps)}"


def render_letter(decision: Decision, lang: str = "nb") -> str:
    """The applicant's letter for one decision, in bokmål (``nb``) or English (``en``); empty
    for route ``error`` (nothing can be decided). Officer notes never appear in it."""
    if lang not in LANGS:
        raise ValueError(f"lang '{lang}': use one of {', '.join(LANGS)}")
    if decision.route == "error":
        return ""  # no letter until the input errors are corrected: the case note says what to fix
    text = _environment().get_template(f"letter_{lang}.txt.j2").render(_context(decision, lang))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


__all__ = ["DECISIVE", "render_letter"]
