"""The case file of each application: the applicant's letter and the officer's case note.

Per route (issue 17): ``de_minimis`` and ``covid_tf`` get the applicant's letter (the vedtak);
``gber`` and ``manual_review`` a letter only on request (``letters_for="all"``), never with the
officer's notes; ``error`` none. Every application gets the officer's case note: route, figures,
every reason, warning and error, the sources the decision used, the open points and what to do
next. Each is written as text and as DOCX (python-docx) under a letterhead (kommune, adresse,
saksnummer, saksbehandler, dato, klageadgang per forvaltningsloven § 28) read from a small
TOML settings file and/or options; ``template`` is the municipality's own Jinja text template
or DOCX (its ``{{ felt }}`` fields filled, ``{{ brødtekst }}`` replaced by the letter).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import jinja2

from deminimis.errors import InputError
from deminimis.models import Decision
from deminimis.render.letter import render_letter
from deminimis.render.text import LABELS, day, error_line, money

LETTER_ROUTES = ("de_minimis", "covid_tf")
"""Routes whose applicant's letter is written by default (the others only on request)."""
ON_REQUEST = ("gber", "manual_review")
KLAGE_NB = (
    "Vedtaket kan påklages etter forvaltningsloven § 28. Klagefristen er tre uker fra det "
    "tidspunktet brevet kom fram, jf. forvaltningsloven § 29. Klagen sendes til {kommune}."
)
KLAGE_EN = (
    "This decision may be appealed under section 28 of the Public Administration Act "
    "(forvaltningsloven). The time limit is three weeks from receipt of this letter (section 29). "
    "Send the appeal to {kommune}."
)
BODY = "brødtekst"
"""The field of a DOCX template that the letter's paragraphs replace."""


@dataclass(frozen=True)
class Letterhead:
    """The fields at the top and foot of a letter (all optional; ``dato`` defaults to today)."""

    kommune: str = ""
    adresse: str = ""
    saksnummer: str = ""
    saksbehandler: str = ""
    dato: str = ""
    klageadgang: str = ""

    def filled(self, lang: str) -> Letterhead:
        """With ``dato`` (today, dd.mm.yyyy) and the klageadgang text (§ 28) when not given."""
        today = dt.date.today().strftime("%d.%m.%Y") if lang == "nb" else dt.date.today().isoformat()
        klage = (KLAGE_NB if lang == "nb" else KLAGE_EN).format(kommune=self.kommune or "oss")
        return replace(self, dato=self.dato or today, klageadgang=self.klageadgang or klage)


def load_letterhead(settings: Path | None, **options: str | None) -> Letterhead:
    """A settings file (TOML, a ``[brevhode]`` table or top-level keys) with options on top."""
    values: dict[str, Any] = {}
    if settings is not None:
        try:
            data = tomllib.loads(Path(settings).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"{settings}: not a readable settings file ({exc})") from exc
        values = data.get("brevhode", data)
        known = {f.name for f in fields(Letterhead)}
        if unknown := sorted(set(values) - known):
            raise InputError(
                f"{settings}: unknown field(s) {', '.join(unknown)} (use {', '.join(sorted(known))})"
            )
    values |= {k: v for k, v in options.items() if v}
    return Letterhead(**{k: str(v) for k, v in values.items()})


def case_note(d: Decision, lang: str = "nb") -> str:
    """The officer's case note: everything the decision knows, for the case file."""
    t, nb = LABELS[lang], lang == "nb"
    head = "Saksnotat" if nb else "Case note"
    lines = [
        f"{head} – {t['app'].lower()} {d.application_id}",
        f"{t['orgnr']} {d.orgnr or '?'}" + (f" ({d.name})" if d.name else ""),
        f"{t['date']}: {day(d.grant_date, lang)}",
        f"{t['route']}: {t[d.route]}",
    ]
    if d.ceiling_eur is not None:
        lines.append(
            f"{t['ceiling']} {money(d.ceiling_eur, 'EUR', lang)} | {t['counted']} "
            f"{money(d.counted_total_eur, 'EUR', lang)} | {t['new']} {money(d.new_aid_eur, 'EUR', lang)}"
        )
    sections = [
        (t["reasons"], [getattr(r, f"text_{lang}") for r in d.reasons]),
        (t["warnings"], [getattr(w, f"text_{lang}") for w in d.warnings]),
        (t["errors"], [error_line(e, lang) for e in d.errors]),
        ("Kilder" if nb else "Sources", _sources(d, lang)),
        ("Åpne punkter og neste steg" if nb else "Open points and next steps", _next(d, lang)),
    ]
    for title, items in sections:
        if items:
            lines += ["", f"{title}:", *(f"- {i}" for i in items)]
    return "\n".join(lines) + "\n"


def _sources(d: Decision, lang: str) -> list[str]:
    """The prior aid the decision considered (file and row) and the rates it used."""
    out = []
    for a in d.counted:
        where = f"{Path(a.file).name}, rad {a.row}" if a.file else a.source
        state = (
            ("medregnet" if a.counted else "ikke medregnet")
            if lang == "nb"
            else ("counted" if a.counted else "not counted")
        )
        out.append(f"{where}: {day(a.granted_on, lang)} {money(a.amount, a.currency, lang)} ({state})")
    for f in d.fx:
        rate = f.rate.replace(".", ",") if lang == "nb" else f.rate
        label = "ECBs referansekurs" if lang == "nb" else "ECB reference rate"
        out.append(f"{label} {f.currency} {rate} ({day(f.rate_date, lang)})")
    return out


def _next(d: Decision, lang: str) -> list[str]:
    notes = [getattr(n, f"text_{lang}") for n in d.officer_notes]
    if d.route == "error":
        notes.append(
            "Rett feilene i inndataene og kjør kontrollen på nytt; det skrives ikke brev før da."
            if lang == "nb"
            else "Correct the input errors and run the check again; no letter is written until then."
        )
    elif d.route in LETTER_ROUTES:
        notes.append(
            "Send vedtaksbrevet og registrer tildelingen i Støtteregisteret."
            if lang == "nb"
            else "Send the decision letter and register the grant in the aid register."
        )
    return notes


def letter_text(d: Decision, head: Letterhead, lang: str, template: Path | None = None) -> str:
    """The applicant's letter under the letterhead (or through a Jinja text template)."""
    body = render_letter(d, lang)
    if template is not None and template.suffix.lower() != ".docx":
        env = jinja2.Environment(
            undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
        )
        try:
            tpl = env.from_string(template.read_text(encoding="utf-8"))
            return tpl.render(**asdict(head), brødtekst=body, brodtekst=body, vedtak=d.to_json_dict())
        except jinja2.TemplateError as exc:
            raise InputError(f"{template}: the template cannot be filled ({exc})") from exc
    labels = ("Vår ref.", "Saksbehandler", "Dato") if lang == "nb" else ("Our ref.", "Officer", "Date")
    top = [head.kommune, head.adresse, ""]
    top += [
        f"{k}: {v}"
        for k, v in zip(labels, (head.saksnummer, head.saksbehandler, head.dato), strict=True)
        if v
    ]
    return "\n".join([*top, "", body.rstrip(), "", head.klageadgang]).lstrip("\n") + "\n"


def write_docx(text: str, out: Path, head: Letterhead, template: Path | None = None, body: str = "") -> None:
    """``text`` as a DOCX: first line a heading, then one paragraph per line. With a DOCX
    ``template``: its ``{{ felt }}`` fields filled and ``{{ brødtekst }}`` replaced by ``body``."""
    import docx

    if template is not None and template.suffix.lower() == ".docx":
        document = docx.Document(str(template))
        values = {**asdict(head), BODY: body, "brodtekst": body}
        for paragraph in list(document.paragraphs):
            if re.search(r"\{\{\s*(brødtekst|brodtekst)\s*\}\}", paragraph.text):
                for line in body.rstrip().split("\n"):
                    paragraph.insert_paragraph_before(line)
                paragraph._element.getparent().remove(paragraph._element)
                continue
            filled = re.sub(
                r"\{\{\s*(\w+)\s*\}\}", lambda m: values.get(m.group(1), m.group(0)), paragraph.text
            )
            if filled != paragraph.text:
                for run in paragraph.runs[1:]:
                    run.text = ""
                paragraph.runs[0].text = filled
    else:
        document = docx.Document()
        lines = text.rstrip().split("\n")
        for line in lines:
            document.add_paragraph(line)
    document.save(str(out))


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "soknad"


def write_casefile(
    decisions: list[Decision],
    out_dir: Path,
    head: Letterhead,
    *,
    lang: str = "nb",
    letters_for: str = "granted",
    template: Path | None = None,
) -> list[Path]:
    """Per application: ``<id>_vedtak.docx/.txt`` (the letter, by route, see the module
    docstring; ``letters_for="all"`` adds gber and manual_review) and ``<id>_saksnotat.docx/.txt``.
    Returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    head = head.filled(lang)
    routes = LETTER_ROUTES + (ON_REQUEST if letters_for == "all" else ())
    written = []
    for d in decisions:
        stem = out_dir / _safe(d.application_id)
        files = {}
        if d.route in routes:
            text = letter_text(d, head, lang, template)
            files["vedtak"] = (text, render_letter(d, lang))
        note = case_note(d, lang)
        files["saksnotat"] = (note, note)
        for kind, (text, body) in files.items():
            txt, docx_path = Path(f"{stem}_{kind}.txt"), Path(f"{stem}_{kind}.docx")
            txt.write_text(text, encoding="utf-8")
            write_docx(text, docx_path, head, template if kind == "vedtak" else None, body)
            written += [docx_path, txt]
    return written


__all__ = [
    "LETTER_ROUTES",
    "Letterhead",
    "case_note",
    "letter_text",
    "load_letterhead",
    "write_casefile",
    "write_docx",
]
