"""The rules data the decision texts cite, as small frames to join onto the decisions.

Rule objects are few (a dozen entries, sectors, caps, bases), so their citations, reasons
and "UNVERIFIED" notes are formatted here once in Python; the columnar renderer joins them
by id onto a hundred thousand decisions instead of looking them up per row.
"""

from __future__ import annotations

import polars as pl

from deminimis.rules import Citation, Rules


def cite(c: Citation | None) -> str | None:
    """``title, article`` as the reasons cite it."""
    return f"{c.title}, {c.article}" if c else None


def cite_nb(c: Citation | None) -> str | None:
    """The citation in a Norwegian sentence (the data's ``nb``; the English one if it has none)."""
    return (c.nb or cite(c)) if c else None


def _unverified(what: str, confidence: str) -> str | None:
    return what if confidence == "UNVERIFIED" else None


def _eur(n: int, lang: str) -> str:
    return f"EUR {n:,}".replace(",", "\u00a0" if lang == "nb" else ",")


def _period(e: object) -> str:
    return f"{e.valid_from:%d.%m.%Y}–{e.valid_to:%d.%m.%Y}"  # type: ignore[attr-defined]


def entries(rules: Rules) -> pl.DataFrame:
    """``entry_id`` -> citation, gap reasons, the UNVERIFIED note and the first limit's id."""
    rows = [
        {
            "entry_id": e.id,
            "e_cite": cite(e.citation),
            "e_cite_nb": cite_nb(e.citation),
            "e_cite_en": cite(e.citation),
            "e_name_nb": e.name_nb or e.regime,
            "e_name_en": e.regime,
            "e_reason_nb": e.reason_nb,
            "e_reason_en": e.reason_en,
            "e_note_nb": e.officer_note_nb,
            "e_note_en": e.officer_note_en,
            "e_unverified": _unverified(f"{e.id} ({e.valid_from} – {e.valid_to})", e.confidence),
            "e_unverified_nb": _unverified(
                f"{e.name_nb or cite_nb(e.citation)} ({_period(e)})", e.confidence
            ),
            "e_unverified_en": _unverified(f"{e.id} ({e.valid_from} – {e.valid_to})", e.confidence),
            "first_limit_id": e.limits[0].id if e.limits else None,
        }
        for e in rules.regimes.entries
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.Utf8)).unique("entry_id", keep="first")


def limits(rules: Rules) -> pl.DataFrame:
    """``entry_id, limit_id`` -> citation and UNVERIFIED note."""
    rows = [
        {
            "entry_id": e.id,
            "limit_id": lim.id,
            "l_cite": cite(lim.citation),
            "l_cite_nb": cite_nb(lim.citation),
            "l_cite_en": cite(lim.citation),
            "l_unverified": _unverified(f"EUR {lim.ceiling_eur:,} ({lim.id})", lim.confidence),
            "l_unverified_nb": _unverified(
                f"støttetaket på {_eur(lim.ceiling_eur, 'nb')} ({cite_nb(lim.citation)})", lim.confidence
            ),
            "l_unverified_en": _unverified(f"EUR {lim.ceiling_eur:,} ({lim.id})", lim.confidence),
        }
        for e in rules.regimes.entries
        for lim in e.limits
    ]
    schema = dict.fromkeys(
        ("entry_id", "limit_id", "l_cite", "l_cite_nb", "l_cite_en", "l_unverified")
        + ("l_unverified_nb", "l_unverified_en"),
        pl.Utf8,
    )
    return pl.DataFrame(rows, schema=schema).unique(["entry_id", "limit_id"], keep="first")


def first_limit_sectors(rules: Rules) -> pl.DataFrame:
    """``entry_id, sector`` pairs with a sector ceiling in the entry's first limit."""
    rows = [
        {"entry_id": e.id, "sector": s, "sc_first": True}
        for e in rules.regimes.entries
        if e.limits
        for s in e.limits[0].sector_ceilings_eur
    ]
    schema = {"entry_id": pl.Utf8, "sector": pl.Utf8, "sc_first": pl.Boolean}
    return pl.DataFrame(rows, schema=schema).unique(["entry_id", "sector"])


def sectors(rules: Rules) -> pl.DataFrame:
    """``sector`` -> treatment, citation, reasons."""
    rows = [
        {
            "sector": s.id,
            "s_treatment": s.treatment,
            "s_cite": cite(s.citation),
            "s_cite_nb": cite_nb(s.citation),
            "s_cite_en": cite(s.citation),
            "s_reason_nb": s.reason_nb,
            "s_reason_en": s.reason_en,
            "s_note_nb": s.officer_note_nb,
            "s_note_en": s.officer_note_en,
        }
        for s in rules.sectors.sectors
    ]
    schema = dict.fromkeys(
        ("sector", "s_treatment", "s_cite", "s_cite_nb", "s_cite_en", "s_reason_nb", "s_reason_en")
        + ("s_note_nb", "s_note_en"),
        pl.Utf8,
    )
    return pl.DataFrame(rows, schema=schema).unique("sector", keep="first")


def caps(rules: Rules) -> pl.DataFrame:
    """``cap_id`` (Covid TF 3.1 scheme cap) -> citation and UNVERIFIED note."""
    rows = [
        {
            "cap_id": c.id,
            "c_cite": cite(c.citation),
            "c_cite_nb": cite_nb(c.citation),
            "c_cite_en": cite(c.citation),
            "c_unverified": _unverified(f"EUR {c.cap_eur:,} ({c.id})", c.confidence),
            "c_unverified_nb": _unverified(
                f"taket på {_eur(c.cap_eur, 'nb')} ({cite_nb(c.citation)})", c.confidence
            ),
            "c_unverified_en": _unverified(f"EUR {c.cap_eur:,} ({c.id})", c.confidence),
        }
        for c in rules.covid.scheme
    ]
    schema = dict.fromkeys(
        ("cap_id", "c_cite", "c_cite_nb", "c_cite_en", "c_unverified", "c_unverified_nb", "c_unverified_en"),
        pl.Utf8,
    )
    return pl.DataFrame(rows, schema=schema).unique("cap_id", keep="first")


def bases(rules: Rules) -> pl.DataFrame:
    """``basis`` -> label in nb and en."""
    rows = [{"basis": b.id, "label_nb": b.label_nb, "label_en": b.label_en} for b in rules.bases.bases]
    schema = dict.fromkeys(("basis", "label_nb", "label_en"), pl.Utf8)
    return pl.DataFrame(rows, schema=schema).unique("basis", keep="first")


__all__ = ["bases", "caps", "cite", "cite_nb", "entries", "first_limit_sectors", "limits", "sectors"]
