"""A decision as plain text for a case file (``--format text``, nb or en)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from deminimis.models import Decision, HeadroomStep
from deminimis.money import format_cents_human

LABELS = {
    "nb": {
        "route": "Resultat",
        "orgnr": "Orgnr",
        "app": "Søknad",
        "date": "Tildelingsdato",
        "reasons": "Begrunnelse",
        "warnings": "Advarsler",
        "errors": "Feil",
        "under": "Virksomhet",
        "de_minimis": "bagatellmessig støtte",
        "covid_tf": "kompensasjonsordningen (midlertidig ramme 3.1)",
        "gber": "ikke bagatellmessig støtte: gruppeunntaket (GBER), notifisert ordning eller avslag",
        "manual_review": "manuell vurdering",
        "error": "feil i inndata",
        "calendar": "Når blir det plass? (regnet med støtten som er kjent i dag, under samme forordning)",
        "step": "- fra {date}: inntil EUR {eur}{cur}; frigjør EUR {freed}",
        "about": " (ca. {amount} {currency} til kursen på tildelingsdatoen)",
    },
    "en": {
        "route": "Result",
        "orgnr": "Orgnr",
        "app": "Application",
        "date": "Grant date",
        "reasons": "Reasons",
        "warnings": "Warnings",
        "errors": "Errors",
        "under": "Single undertaking",
        "de_minimis": "de minimis aid",
        "covid_tf": "compensation scheme (Temporary Framework 3.1)",
        "gber": "not de minimis: GBER, a notified scheme, or refusal",
        "manual_review": "manual review",
        "error": "input error",
        "calendar": "When is there room? (counting the aid known today, under the same regulation)",
        "step": "- from {date}: up to EUR {eur}{cur}; frees EUR {freed}",
        "about": " (about {currency} {amount} at the grant date's rate)",
    },
}


def render_text(decision: Decision, lang: str = "nb") -> str:
    """Readable lines: route, key figures, then every reason, warning and error."""
    t = LABELS[lang]
    lines = [
        f"{t['app']} {decision.application_id} — {t['orgnr']} {decision.orgnr or '?'}"
        + (f" ({decision.name})" if decision.name else ""),
        f"{t['date']}: {decision.grant_date or '?'}",
        f"{t['route']}: {decision.route.upper()} — {t[decision.route]}",
    ]
    if len(decision.undertaking) > 1:
        lines.append(f"{t['under']}: {', '.join(decision.undertaking)}")
    if decision.ceiling_eur is not None:
        lines.append(
            f"EUR: ceiling {decision.ceiling_eur} | counted {decision.counted_total_eur} | "
            f"new {decision.new_aid_eur} | headroom after {decision.headroom_after_eur} | "
            f"max grant {decision.max_de_minimis_grant_eur} "
            f"({decision.currency} {decision.max_de_minimis_grant})"
        )
    if decision.headroom_calendar:
        lines.append(f"\n{t['calendar']}:")
        lines += [_step(decision, s, lang) for s in decision.headroom_calendar]
    for title, items in ((t["reasons"], decision.reasons), (t["warnings"], decision.warnings)):
        if items:
            lines.append(f"\n{title}:")
            lines += [f"- {getattr(f, f'text_{lang}')}" for f in items]
    if decision.errors:
        lines.append(f"\n{t['errors']}:")
        lines += [f"- {e.file}:{e.row} {e.field}: {e.message}" for e in decision.errors]
    return "\n".join(lines)


def _cents(money: str) -> int:
    return int(Decimal(money) * 100)  # contract money: exactly two decimals


def _step(decision: Decision, step: HeadroomStep, lang: str) -> str:
    """One calendar line: the date, the room in EUR (and the application's currency), what it frees."""
    t = LABELS[lang]
    day = dt.date.fromisoformat(step.date)
    cur = decision.currency or "EUR"
    about = (
        t["about"].format(amount=format_cents_human(_cents(step.max_grant), lang), currency=cur)
        if cur != "EUR"
        else ""
    )
    return t["step"].format(
        date=day.strftime("%d.%m.%Y") if lang == "nb" else step.date,
        eur=format_cents_human(max(_cents(step.headroom_eur), 0), lang),
        cur=about,
        freed=format_cents_human(_cents(step.freed_eur), lang),
    )


__all__ = ["render_text"]
