"""Table headers: Norwegian and English names -> the contract's columns, and which table a
header row belongs to.

Why data in one place: a grantor's export says ``Org.nr.``, ``Beløp (EUR)`` or
``Dato for tilsagn om støtte``; every surface maps them through :func:`canonical_header`.
"""

from __future__ import annotations

import functools
import re

from deminimis import gge_input

HEADER_ALIASES: dict[str, str] = {
    # orgnr
    "organisasjonsnummer": "orgnr",
    "org.nr": "orgnr",
    "orgnr.": "orgnr",
    "org_nr": "orgnr",
    "organisasjonsnr": "orgnr",
    "orgnummer": "orgnr",
    "foretaksnummer": "orgnr",
    "organisation number": "orgnr",
    "organization number": "orgnr",
    "org number": "orgnr",
    # amount
    "beløp": "amount",
    "belop": "amount",
    "støttebeløp": "amount",
    "tilskuddsbeløp": "amount",
    "tilskudd": "amount",
    "bevilget beløp": "amount",
    "innvilget beløp": "amount",
    "tildelt beløp": "amount",
    "søkt beløp": "amount",
    "omsøkt beløp": "amount",
    "aid amount": "amount",
    "grant amount": "amount",
    # currency
    "valuta": "currency",
    "valutakode": "currency",
    "currency code": "currency",
    # granted_on (prior aid; in applications these mean grant_date, see KIND_ALIASES)
    "tildelingsdato": "granted_on",
    "vedtaksdato": "granted_on",
    "dato for tilsagn om støtte": "granted_on",
    "dato for tilsagn": "granted_on",
    "tilsagnsdato": "granted_on",
    "date granted": "granted_on",
    # basis
    "hjemmel": "basis",
    "støttegrunnlag": "basis",
    "grunnlag": "basis",
    "støtteordning": "basis",
    "støtteordning / hjemmel": "basis",
    "støtteordning/hjemmel": "basis",
    "rettslig grunnlag": "basis",
    "regelverk": "basis",
    "legal basis": "basis",
    # grantor, reference
    "støttegiver": "grantor",
    "tilskuddsgiver": "grantor",
    "granting authority": "grantor",
    "referanse": "reference",
    "saksnummer": "reference",
    "saksnr": "reference",
    "ref": "reference",
    # firms, applications
    "kommunenr": "kommunenummer",
    "knr": "kommunenummer",
    "næringskode": "nace",
    "naeringskode": "nace",
    "nace-kode": "nace",
    "søknadsid": "application_id",
    "søknadsnummer": "application_id",
    "søknadsnr": "application_id",
    "ordning": "scheme",
    "navn": "name",
    "foretaksnavn": "name",
    "firmanavn": "name",
    "foretak": "name",
    "konsern": "undertaking_id",
    "foretaksgruppe": "undertaking_id",
    "år": "year",
    "måned": "month",
    # links
    "koblingstype": "link_type",
    "tilknytning": "link_type",
    "type kobling": "link_type",
    "gyldig fra": "valid_from",
    "gyldig til": "valid_to",
    "fra dato": "valid_from",
    "til dato": "valid_to",
    # events
    "hendelse": "event",
    "overdragende foretak": "predecessor_orgnr",
    "forgjenger": "predecessor_orgnr",
    "overtakende foretak": "successor_orgnr",
    "etterfølger": "successor_orgnr",
    "virkningsdato": "effective_date",
    "andel": "share",
    # awards
    "land": "country",
    "støttegivende stat": "country",
    **gge_input.HEADER_ALIASES,
}
"""Norwegian (and spelling-variant) headers -> contract names. Matching is case-insensitive,
on the trimmed header with runs of spaces collapsed; a unit in brackets (``Beløp (NOK)``)
is removed first. Failing an exact match, the header is compared without spaces, dots,
dashes, underscores and slashes (``Org. nr.`` = ``orgnr``)."""

KIND_ALIASES: dict[str, dict[str, str]] = {
    "applications": {
        "tildelingsdato": "grant_date",
        "vedtaksdato": "grant_date",
        "dato for tilsagn om støtte": "grant_date",
        "dato for tilsagn": "grant_date",
        "tilsagnsdato": "grant_date",
        "dato": "grant_date",
        "id": "application_id",
    },
    "awards": {"grant date": "granted_on", "grant_date": "granted_on", "dato": "granted_on"},
}
"""Aliases whose meaning depends on the table (a decision date is the planned ``grant_date``
of an application but the ``granted_on`` of a prior award)."""

REQUIRED = {
    "applications": ("orgnr", "amount", "grant_date"),
    "awards": ("orgnr", "granted_on", "amount", "basis"),
    "links": ("orgnr", "undertaking_id"),
    "firms": ("orgnr",),
    "employer_tax": ("orgnr", "year"),
    "events": ("event", "predecessor_orgnr", "successor_orgnr", "effective_date"),
}
OPTIONAL = {
    "applications": (
        "application_id",
        "currency",
        "scheme",
        "nace",
        "fiscal_year_start",
        "in_difficulty_2019",
        *gge_input.APPLICATION_COLUMNS,
    ),
    "awards": ("currency", "grantor", "reference", "country", *gge_input.AWARD_COLUMNS),
    "links": ("link_type", "valid_from", "valid_to"),
    "firms": ("name", "nace", "kommunenummer", "status"),
    "employer_tax": ("month", "advantage_nok", "wage_base_nok", "kommunenummer", "area", "sector"),
    "events": ("share",),
}
KINDS = tuple(REQUIRED)
_CONTRACT = {c for k in KINDS for c in (*REQUIRED[k], *OPTIONAL[k])}
_UNIT_RE = re.compile(
    r"^(?P<base>.*?)\s*(?:[(\[]\s*(?:i\s+)?(?P<u1>nok|eur|kr|sek|dkk|usd|gbp)\.?\s*[)\]]"
    r"|,?\s+i\s+(?P<u2>nok|eur)|\s+(?P<u3>nok|eur))$"
)


def _header_key(name: object) -> tuple[str, str | None]:
    """Normalised header text and the currency unit it names (``Beløp (EUR)`` -> EUR)."""
    key = " ".join(str(name or "").replace("\u00a0", " ").split()).lower().strip().rstrip(":*").strip()
    unit = None
    if (m := _UNIT_RE.match(key)) and m["base"]:
        key = m["base"].strip()
        unit = (m["u1"] or m["u2"] or m["u3"]).upper()
        unit = "NOK" if unit == "KR" else unit
    return key, unit


def _squash(key: str) -> str:
    return re.sub(r"[\s._\-/()]", "", key)


_SQUASHED = {_squash(k): v for k, v in HEADER_ALIASES.items()} | {_squash(c): c for c in _CONTRACT}
_SQUASHED_KIND = {kind: {_squash(k): v for k, v in table.items()} for kind, table in KIND_ALIASES.items()}


def canonical_header(name: object, kind: str) -> str:
    """The contract name of a header in a table of ``kind`` (unchanged, lower-cased, if unknown)."""
    return _canonical_text(name, kind) if isinstance(name, str) else _canonical(name, kind)


@functools.lru_cache(maxsize=4096)
def _canonical_text(name: str, kind: str) -> str:
    return _canonical(name, kind)  # every file and request names its columns again


def _canonical(name: object, kind: str) -> str:
    key, _ = _header_key(name)
    kind_table = KIND_ALIASES.get(kind, {})
    if key in kind_table:
        return kind_table[key]
    if key in HEADER_ALIASES:
        return HEADER_ALIASES[key]
    squashed = _squash(key)
    if squashed in _SQUASHED_KIND.get(kind, {}):
        return _SQUASHED_KIND[kind][squashed]
    return _SQUASHED.get(squashed, key)


_canonical_header = canonical_header


def _satisfied(cells: list, kind: str) -> bool:
    names = {canonical_header(c, kind) for c in cells if c is not None and str(c).strip()}
    return all(c in names for c in REQUIRED[kind])


def guess_kind(headers: list) -> str | None:
    """The table kind whose required columns the headers hold (the most specific one), or None.

    >>> guess_kind(["Org.nr.", "Støttegiver", "Støtteordning", "Støttebeløp", "Dato for tilsagn om støtte"])
    'awards'
    >>> guess_kind(["orgnr", "amount", "grant_date"]), guess_kind(["navn"])
    ('applications', None)
    """
    fits = []
    for kind in KINDS:
        if _satisfied(headers, kind):
            names = {canonical_header(c, kind) for c in headers if c is not None}
            fits.append((len(REQUIRED[kind]), len(names & {*REQUIRED[kind], *OPTIONAL[kind]}), kind))
    return max(fits)[2] if fits else None


def _header_ok(cells: list, kind: str | None) -> bool:
    return guess_kind(cells) is not None if kind is None else _satisfied(cells, kind)


__all__ = [
    "HEADER_ALIASES",
    "KINDS",
    "KIND_ALIASES",
    "OPTIONAL",
    "REQUIRED",
    "canonical_header",
    "guess_kind",
]
