"""A decision as plain text for a case file (``--format text``, nb or en).

The nb text is the bokmål of a Norwegian vedtak: dates dd.mm.yyyy, amounts «kr 1 234 567,89»
and «EUR 1 234,56», route words rather than codes, columns by their Norwegian names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from deminimis.money import contract_cents, format_cents_human
from deminimis.render.row_errors import column_nb, message_nb

if TYPE_CHECKING:
    from deminimis.models import Decision

LABELS = {
    "nb": {
        "route": "Resultat",
        "orgnr": "Org.nr.",
        "app": "Søknad",
        "date": "Tildelingsdato",
        "reasons": "Begrunnelse",
        "warnings": "Merknader",
        "errors": "Feil i inndataene",
        "notes": "Til saksbehandler",
        "under": "Ett enkelt foretak",
        "ceiling": "Støttetak",
        "counted": "medregnet tidligere",
        "new": "ny støtte",
        "after": "gjenstående etter tildelingen",
        "max": "høyeste beløp som kan gis",
        "de_minimis": "bagatellmessig støtte",
        "covid_tf": "kompensasjonsordningen (den midlertidige rammen punkt 3.1)",
        "gber": "ikke bagatellmessig støtte: gruppeunntaket, en godkjent ordning eller avslag",
        "manual_review": "manuell vurdering",
        "error": "feil i inndataene",
    },
    "en": {
        "route": "Result",
        "orgnr": "Orgnr",
        "app": "Application",
        "date": "Grant date",
        "reasons": "Reasons",
        "warnings": "Warnings",
        "errors": "Errors",
        "notes": "For the officer",
        "under": "Single undertaking",
        "ceiling": "ceiling",
        "counted": "counted",
        "new": "new",
        "after": "headroom after",
        "max": "max grant",
        "de_minimis": "de minimis aid",
        "covid_tf": "compensation scheme (Temporary Framework 3.1)",
        "gber": "not de minimis: GBER, a notified scheme, or refusal",
        "manual_review": "manual review",
        "error": "input error",
    },
}


FILE_NB = {"check options": "oppgitte verdier", "brreg": "Enhetsregisteret"}
"""Sources that are not files, by their Norwegian names."""


def day(iso: str | None, lang: str) -> str:
    """``2021-05-17`` as ``17.05.2021`` in nb (ISO in en); ``?`` when missing."""
    if not iso:
        return "?"
    return dt.date.fromisoformat(iso).strftime("%d.%m.%Y") if lang == "nb" else iso


def money(text: str | None, currency: str | None, lang: str) -> str:
    """A contract amount with its currency: ``kr 1 234 567,89`` / ``EUR 1 234,56`` (nb)."""
    if text is None:
        return "?"
    code = currency or "NOK"
    if lang == "nb" and code == "NOK":
        code = "kr"
    return f"{code} {format_cents_human(contract_cents(text), lang)}"


def _get(item: object, name: str) -> object:
    """A field of a decision part: a key of its JSON dict or an attribute of its model."""
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def error_line(e: object, lang: str) -> str:
    """One row error: file name (never a server path), row, column and message."""
    file, row, field, message = (_get(e, k) for k in ("file", "row", "field", "message"))
    if lang != "nb":
        return f"{file}:{row} {field}: {message}"
    name = FILE_NB.get(file, Path(file).name)  # type: ignore[arg-type]
    where = f"{name}, rad {row}" if row is not None else name
    text = _get(e, "message_nb") or message_nb(message)  # type: ignore[arg-type]
    return f"{where}, kolonne «{column_nb(field)}»: {text}"  # type: ignore[arg-type]


def _nominal(d: Mapping) -> str:
    """A safe-harbour loan or guarantee: ``max_de_minimis_grant`` is its largest nominal amount."""
    g = d.get("gge")
    return f"{g['instrument']} " if g is not None and g.get("max_nominal") is not None else ""


def _figures(d: Mapping, lang: str) -> str:
    t = LABELS[lang]
    figures = (
        (t["ceiling"], d["ceiling_eur"]),
        (t["counted"], d["counted_total_eur"]),
        (t["new"], d["new_aid_eur"]),
        (t["after"], d["headroom_after_eur"]),
        (t["max"], d["max_de_minimis_grant_eur"]),
    )
    line = " | ".join(f"{label} {money(value, 'EUR', lang)}" for label, value in figures)
    return f"{line} ({_nominal(d)}{money(d['max_de_minimis_grant'], d.get('currency'), lang)})"


def render_text(decision: Decision | Mapping, lang: str = "nb") -> str:
    """Readable lines: route, key figures, then every reason, warning, error and officer note.

    ``decision``: a :class:`~deminimis.models.Decision` or its contract JSON as a dict (what
    ``deminimis check`` prints, without building the model)."""
    t = LABELS[lang]
    d = decision if isinstance(decision, Mapping) else decision.to_json_dict()
    route = f"{t[d['route']]}" if lang == "nb" else f"{d['route'].upper()} — {t[d['route']]}"
    name = f" ({d['name']})" if d.get("name") else ""
    lines = [
        f"{t['app']} {d['application_id']} — {t['orgnr']} {d['orgnr'] or '?'}{name}",
        f"{t['date']}: {day(d['grant_date'], lang)}",
        f"{t['route']}: {route}",
    ]
    if len(d["undertaking"]) > 1:
        lines.append(f"{t['under']}: {', '.join(d['undertaking'])}")
    if d["ceiling_eur"] is not None:
        lines.append(_figures(d, lang))
    for title, items in ((t["reasons"], d["reasons"]), (t["warnings"], d["warnings"])):
        if items:
            lines.append(f"\n{title}:")
            lines += [f"- {f[f'text_{lang}']}" for f in items]
    if d["errors"]:
        lines.append(f"\n{t['errors']}:")
        lines += [f"- {error_line(e, lang)}" for e in d["errors"]]
    if d.get("officer_notes"):
        lines.append(f"\n{t['notes']}:")
        lines += [f"- {f[f'text_{lang}']}" for f in d["officer_notes"]]
    return "\n".join(lines)


__all__ = ["LABELS", "day", "error_line", "money", "render_text"]
