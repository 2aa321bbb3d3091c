"""Støtteregisteret's values as data: ``rules/register.toml`` loaded strictly, and the classification.

The register gives a legal basis (``Primærrettslig grunnlag``), a measure type
(``Støttetiltakstype``), a scheme id and name, a status and an instrument as free text or API
codes. Which of those mean de minimis, SGEI de minimis, GBER, a notified scheme or Covid TF is
read from the rules file, never guessed: a row no rule names is ``other`` (not summed) with a
warning for the officer. Sources: ``register_and_law.md`` §2.

>>> rules = load_register_rules()
>>> classify(rules, "1000031862", None, None, None)
('de_minimis', 'scheme 1000031862', True)
>>> classify(rules, None, "Forordning (EU) 2023/2832 (SGEI)", None, None)[0]
'de_minimis_sgei'
>>> classify(rules, None, None, "Støttetildeling med statsstøtte", None)
('other', None, False)
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

import polars as pl

from deminimis import rules_cache
from deminimis.errors import RuleDataError
from deminimis.rule_model import check, rule, validate
from deminimis.rules import RULES_DIR

FILE = "register.toml"
Confidence = Literal["V", "T", "D", "U"]
BASES = (
    "de_minimis",
    "de_minimis_sgei",
    "de_minimis_agriculture",
    "de_minimis_fishery",
    "gber",
    "covid_tf_3_1",
    "covid_tf_3_12",
    "notified_scheme",
    "other",
)


@rule
class Scheme:
    id: str
    name: str
    basis: Literal[BASES]  # type: ignore[valid-type]
    employer_tax: bool = False
    source: str
    confidence: Confidence


@rule
class Pattern:
    contains: list[str]
    basis: Literal[BASES]  # type: ignore[valid-type]
    source: str
    confidence: Confidence


@rule
class Statuses:
    registered: list[str]
    source: str
    confidence: Confidence


@rule
class Instruments:
    values: dict[str, str]
    nominal: list[str]
    source: str
    confidence: Confidence


@rule
class Coverage:
    id: str
    valid_from: dt.date
    valid_to: dt.date
    threshold_eur: int
    de_minimis: bool
    text_nb: str
    text_en: str
    source: str
    confidence: Confidence


@rule
class SelfDeclaration:
    required_until: dt.date
    text_nb: str
    text_en: str
    source: str
    confidence: Confidence


@rule
class Registration:
    working_days: int
    calendar: str
    keep_years: int
    keep_fiscal_years_regimes: list[str]
    routes: list[str]
    required_from: dt.date
    citation: str
    source: str
    confidence: Confidence


@rule
class RegisterRules:
    description: str
    schemes: list[Scheme]
    patterns: list[Pattern]
    statuses: Statuses
    instruments: Instruments
    coverage: list[Coverage]
    self_declaration: SelfDeclaration
    registration: Registration

    def __post_init__(self) -> None:
        for a, b in zip(self.coverage, self.coverage[1:], strict=False):
            check(
                b.valid_from == a.valid_to + dt.timedelta(days=1),
                f"coverage '{b.id}' must start the day after '{a.id}' ends",
            )

    @property
    def employer_tax_schemes(self) -> list[str]:
        return [s.id for s in self.schemes if s.employer_tax]


@lru_cache(maxsize=8)
def _load(path: Path) -> RegisterRules:
    """The file validated, or a copy validated before from the same file (:mod:`deminimis.rules_cache`)."""
    modules = (__name__, "deminimis.rules", "deminimis.rule_model")
    return rules_cache.cached("register", [path], modules, lambda: _validated(path))


def _validated(path: Path) -> RegisterRules:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleDataError(f"{path.name}: {exc}") from exc
    return validate(RegisterRules, data, lambda problems: RuleDataError(f"{path.name}: {problems}"))


def load_register_rules(rules_dir: Path | None = None) -> RegisterRules:
    """``register.toml`` of ``rules_dir`` (or the shipped one when that directory has none)."""
    path = Path(rules_dir or RULES_DIR) / FILE
    return _load(path if path.is_file() else RULES_DIR / FILE)


def classify(
    rules: RegisterRules,
    scheme_id: str | None,
    legal_basis: str | None,
    measure_type: str | None,
    scheme_name: str | None,
) -> tuple[str, str | None, bool]:
    """(basis, what matched, employer-tax scheme?) for one combination of register values."""
    for s in rules.schemes:
        if scheme_id and scheme_id.strip() == s.id:
            return s.basis, f"scheme {s.id}", s.employer_tax
    for field, text in (
        ("legal basis", legal_basis),
        ("measure type", measure_type),
        ("scheme", scheme_name),
    ):
        low = (text or "").lower()
        for p in rules.patterns:
            if hit := next((w for w in p.contains if w in low), None):
                return p.basis, f"{field} '{hit}'", False
    return "other", None, False


KEYS = ("scheme_id", "legal_basis", "measure_type", "scheme_name")


def with_classification(frame: pl.DataFrame, rules: RegisterRules) -> pl.DataFrame:
    """Add ``basis``, ``basis_rule``, ``employer_tax``, ``registered`` and ``instrument_id``,
    classifying each distinct combination of values once (a few hundred, not a row each)."""
    combos = frame.select(KEYS).unique()
    read = [classify(rules, *row) for row in combos.iter_rows()]
    table = combos.with_columns(
        basis=pl.Series([r[0] for r in read], dtype=pl.Utf8),
        basis_rule=pl.Series([r[1] for r in read], dtype=pl.Utf8),
        employer_tax=pl.Series([r[2] for r in read], dtype=pl.Boolean),
    )
    status = pl.col("status").fill_null("").str.strip_chars().str.to_lowercase()
    instrument = pl.col("instrument").fill_null("").str.strip_chars().str.to_lowercase()
    return frame.join(table, on=list(KEYS), how="left", nulls_equal=True).with_columns(
        registered=status.is_in(rules.statuses.registered),
        instrument_id=instrument.replace_strict(
            rules.instruments.values, default="other", return_dtype=pl.Utf8
        ),
    )


__all__ = [
    "BASES", "Coverage", "RegisterRules", "classify", "load_register_rules", "with_classification",
]  # fmt: skip
