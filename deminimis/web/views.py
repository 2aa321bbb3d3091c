"""What the result page shows of a :class:`~deminimis.models.Decision`, ready for the template.

Why a view model: the template stays free of arithmetic. The ceiling bar's parts are the
decision's own figures (prior de minimis, employer tax, this grant, what remains), as
percentages of the larger of the ceiling and the total, so a grant over the ceiling shows
how far over it goes. Every figure shown is formatted from the decision's exact strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deminimis.models import CountedAward, Decision
from deminimis.render.letter import render_letter
from deminimis.render.row_errors import column_nb, message_nb

from .i18n import Texts, cents, day, money

ROUTE_STYLE = {"de_minimis": "ok", "covid_tf": "ok", "gber": "warn", "manual_review": "warn", "error": "stop"}


@dataclass
class BarPart:
    key: str
    label: str
    eur: str
    percent: float


@dataclass
class Bar:
    parts: list[BarPart] = field(default_factory=list)
    summary: str = ""
    ceiling_percent: float = 100.0


def _bar(d: Decision, t: Texts) -> Bar | None:
    ceiling = cents(d.ceiling_eur)
    if not ceiling or d.counted_total_eur is None or d.new_aid_eur is None:
        return None
    prior = max(cents(d.prior_de_minimis_eur) or 0, 0)
    et = max(cents(d.employer_tax_advantage_eur) or 0, 0)
    new = max(cents(d.new_aid_eur) or 0, 0)
    left = ceiling - prior - et - new
    scale = max(ceiling, prior + et + new)
    values = [("prior", prior), ("employer_tax", et), ("new", new), ("left", max(left, 0))]
    parts = [
        BarPart(key, t(f"bar_{key}"), money(f"{v / 100:.2f}", t.lang), round(100 * v / scale, 2))
        for key, v in values
        if v > 0
    ]
    used = money(f"{(prior + et) / 100:.2f}", t.lang)
    ceiling_text = money(d.ceiling_eur, t.lang)
    if left >= 0:
        summary = t(
            "bar_summary", used=f"EUR {used}", ceiling=ceiling_text, left=money(d.headroom_after_eur, t.lang)
        )
    else:
        summary = t(
            "bar_summary_over",
            used=f"EUR {used}",
            ceiling=ceiling_text,
            over=money(f"{-left / 100:.2f}", t.lang),
        )
    return Bar(parts, summary, round(100 * ceiling / scale, 2))


def _word(t: Texts, kind: str, code: str) -> str:
    """The words for a contract code (``basis_gber``), else the code itself."""
    return t(f"{kind}_{code}") if t.has(f"{kind}_{code}") else code


def _rates(d: Decision) -> dict[tuple[str, str], str]:
    return {(f.currency, f.date): f.rate for f in d.fx}


def _place(where: str, row: object, t: Texts) -> str:
    """A file and row as the officer reads them (the file's name only: never a server path)."""
    name = Path(where).name or where
    return t("source_row", file=name, row=row) if row is not None else name


def _source(a: CountedAward, t: Texts) -> str:
    """Where a counted award was read: each source (``awards.csv:3``, ``register:1000251908``)
    as file name and row; a register or ledger reference as it is."""
    if a.sources and len(a.sources) > 1:
        places = []
        for s in a.sources:
            where, _, ref = s.rpartition(":")
            is_file = bool(where) and ref.isdigit() and (Path(where).suffix or "/" in where or "\\" in where)
            places.append(_place(where, ref, t) if is_file else s)
        return " + ".join(dict.fromkeys(places))
    return _place(a.file, a.row, t) if a.file else a.source


def _counted(d: Decision, t: Texts) -> list[dict[str, Any]]:
    rates = _rates(d)
    rows = []
    for a in d.counted:
        rate = "1" if a.currency == "EUR" else rates.get((a.currency, a.granted_on), "")
        rows.append(
            {
                "date": a.period if a.source == "employer_tax" and a.period else day(a.granted_on, t.lang),
                "orgnr": a.orgnr,
                "basis": _word(t, "basis", a.basis),
                "amount": f"{a.currency} {money(a.amount, t.lang)}",
                "eur": money(a.eur, t.lang),
                "rate": rate.replace(".", ",") if t.lang == "nb" else rate,
                "counted": t("yes") if a.counted else t("no"),
                "is_counted": a.counted,
                "why": _word(t, "why", a.why),
                "source": _source(a, t),
                "grantor": a.grantor or "",
            }
        )
    return rows


def _calendar(d: Decision, t: Texts) -> list[dict[str, str]]:
    currency = d.currency or "NOK"
    return [
        {
            "date": day(s.date, t.lang),
            "iso": s.date,
            "headroom": money(s.headroom_eur, t.lang),
            "max": t("cal_max_text", currency=currency, amount=money(s.max_grant, t.lang)),
            "freed": money(s.freed_eur, t.lang),
        }
        for s in d.headroom_calendar
    ]


def decision_view(d: Decision, t: Texts) -> dict[str, Any]:
    """Everything the result template shows, in the page's language."""
    lang = t.lang
    figures = [
        (t(key), money(getattr(d, key), lang))
        for key in (
            "ceiling_eur",
            "prior_de_minimis_eur",
            "employer_tax_advantage_eur",
            "counted_total_eur",
            "new_aid_eur",
            "headroom_before_eur",
            "headroom_after_eur",
        )
        if getattr(d, key) is not None
    ]
    if d.covid_tf is not None:
        figures.append((t("covid_prior"), money(d.covid_tf.prior_eur, lang)))
        figures.append((t("covid_ceiling"), money(d.covid_tf.ceiling_eur, lang)))
    window = None
    if d.window is not None:
        window = {
            "text": t("window_text", **{"from": day(d.window.from_, lang), "to": day(d.window.to, lang)}),
            "kind": t(f"window_{d.window.kind}") if t.has(f"window_{d.window.kind}") else d.window.kind,
        }
    max_grant = None
    if d.max_de_minimis_grant is not None and d.route != "de_minimis":
        max_grant = t(
            "max_grant",
            currency=d.currency or "NOK",
            amount=money(d.max_de_minimis_grant, lang),
            eur=money(d.max_de_minimis_grant_eur, lang),
        )
    return {
        "d": d,
        "route_text": t(f"route_{d.route}"),
        "route_style": ROUTE_STYLE.get(d.route, "warn"),
        "bar": _bar(d, t),
        "figures": figures,
        "window": window,
        "max_grant": max_grant,
        "counted": _counted(d, t),
        "calendar": _calendar(d, t),
        "reasons": [getattr(r, f"text_{lang}") for r in d.reasons],
        "warnings": [getattr(w, f"text_{lang}") for w in d.warnings],
        "errors": [
            t(
                "err_file_row",
                file=Path(e.file).name,
                row=e.row if e.row is not None else "–",
                field=column_nb(e.field) if lang == "nb" else e.field,
                message=(e.message_nb or message_nb(e.message)) if lang == "nb" else e.message,
            )
            for e in d.errors
        ],
        "letter": render_letter(d, lang),
    }


__all__ = ["ROUTE_STYLE", "decision_view"]
