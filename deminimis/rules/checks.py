"""The loader's checks beyond one entry's own fields: a file read strictly, the timelines
of ``de_minimis.toml`` and ``covid_tf.toml``, and the rules files agreeing with each other.

Its own module so :mod:`deminimis.rules` keeps the shape of the files (the rules dataclasses)
and the loader, and stays under the project's module size; it imports nothing from
:mod:`deminimis.rules` at run time (the types are for the checker only), so there is no cycle.
Its source is part of the rules cache key (:func:`deminimis.rules.load_rules`).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from deminimis.errors import RuleDataError
from deminimis.rule_model import validate

if TYPE_CHECKING:
    from deminimis.rules import CovidFile, Dated, RegimeFile, Rules


def read(path: Path, model: type) -> object:
    if not path.is_file():
        raise RuleDataError(f"{path}: rules file is missing")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RuleDataError(f"{path}: not valid TOML: {exc}") from exc
    return validate(model, data, lambda problems: RuleDataError(f"{path}: {problems}"))


def timeline(entries: list[Dated], label: str) -> None:
    """Entries must be sorted, contiguous and non-overlapping."""
    for before, after in zip(entries, entries[1:], strict=False):
        if after.valid_from <= before.valid_to:
            raise RuleDataError(
                f"{label}: '{after.id}' (from {after.valid_from}) overlaps "
                f"'{before.id}' (to {before.valid_to})"
            )
        if after.valid_from != before.valid_to + dt.timedelta(days=1):
            raise RuleDataError(
                f"{label}: gap between '{before.id}' (to {before.valid_to}) and "
                f"'{after.id}' (from {after.valid_from}); add an entry with "
                "in_force = false to say why"
            )


def check_entries(folder: Path, regimes: RegimeFile, covid: CovidFile, schemes: Iterable[str]) -> None:
    """Unique entry ids, a timeline for every scheme, and the Covid scheme inside its framework."""
    ids = [e.id for e in regimes.entries]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise RuleDataError(f"{folder / 'de_minimis.toml'}: entry ids used twice: {dupes}")
    for scheme in schemes:
        entries = [e for e in regimes.entries if scheme in e.schemes]
        if not entries:
            raise RuleDataError(f"{folder / 'de_minimis.toml'}: no entry for scheme '{scheme}'")
        timeline(entries, f"{folder / 'de_minimis.toml'} (scheme {scheme})")
    timeline(covid.framework, f"{folder / 'covid_tf.toml'} [framework]")
    timeline(covid.scheme, f"{folder / 'covid_tf.toml'} [scheme]")
    for cap in covid.scheme:
        for day in (cap.valid_from, cap.valid_to):
            frame = next((f for f in covid.framework if f.covers(day)), None)
            if frame is None or cap.cap_eur > frame.cap_eur:
                raise RuleDataError(
                    f"{folder / 'covid_tf.toml'}: scheme entry '{cap.id}' on {day} "
                    "is outside the framework or above its cap"
                )


def check_agreement(rules: Rules, known: set[str]) -> None:
    """Every basis (``known``: the basis ids and pseudo-bases), sector and regime named is defined
    (``ValueError``, as from a ``__post_init__``)."""
    sectors = {s.id for s in rules.sectors.sectors}
    for e in rules.regimes.entries:
        for lim in e.limits:
            if bad := set(lim.counts) - known:
                raise ValueError(
                    f"de_minimis.toml: entry '{e.id}' limit '{lim.id}' counts unknown basis {sorted(bad)}"
                )
            if bad := set(lim.sector_ceilings_eur) - sectors:
                raise ValueError(
                    f"de_minimis.toml: entry '{e.id}' limit '{lim.id}' names unknown sector {sorted(bad)}"
                )
    if bad := set(rules.covid.counts) - known:
        raise ValueError(f"covid_tf.toml: counts unknown basis {sorted(bad)}")
    regimes = {e.regime for e in rules.regimes.entries if e.regime}
    for g in rules.gge.entries:
        if g.regime not in regimes:
            raise ValueError(f"gge.toml: entry '{g.id}' names unknown regime '{g.regime}'")
        if bad := set(g.sector_ceilings_eur) - sectors:
            raise ValueError(f"gge.toml: entry '{g.id}' names unknown sector {sorted(bad)}")


__all__ = ["check_agreement", "check_entries", "read", "timeline"]
