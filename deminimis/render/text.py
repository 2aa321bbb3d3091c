"""A decision as plain text for a case file (``--format text``, nb or en)."""

from __future__ import annotations

from deminimis.models import Decision

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
    },
}


def _nominal(decision: Decision) -> str:
    """A safe-harbour loan or guarantee: ``max_de_minimis_grant`` is its largest nominal amount."""
    g = decision.gge
    return f"{g.instrument} " if g is not None and g.max_nominal is not None else ""


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
            f"({_nominal(decision)}{decision.currency} {decision.max_de_minimis_grant})"
        )
    for title, items in ((t["reasons"], decision.reasons), (t["warnings"], decision.warnings)):
        if items:
            lines.append(f"\n{title}:")
            lines += [f"- {getattr(f, f'text_{lang}')}" for f in items]
    if decision.errors:
        lines.append(f"\n{t['errors']}:")
        lines += [f"- {e.file}:{e.row} {e.field}: {e.message}" for e in decision.errors]
    return "\n".join(lines)


__all__ = ["render_text"]
