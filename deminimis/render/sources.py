"""The decision's ``sources``: each source consulted and what it cannot contain (nb and en).

One entry per source of the case (declaration file, register file / snapshot / live register,
employer-tax file), in the order :func:`deminimis.sources.register_evidence.consulted_sources`
gives them, plus a register entry saying it was not consulted when it was not. For the register,
the limits come from ``register.toml`` ``[[coverage]]``: the periods the decision's window touches
(before 1 July 2016 nothing; to 10 December 2023 only awards of EUR 500 000 or more; then
EUR 100 000; de minimis from 2026), and, while the register covers fewer than three years of de
minimis aid, the sentence that the self-declaration is still required (2023/2831 Art 7(4)).
``unverified`` names the coverage entries whose source is not verified (officer's note).
"""

from __future__ import annotations

import functools
from typing import Any

import polars as pl

from deminimis.render.messages import messages
from deminimis.rule_cache import per_rules
from deminimis.sources.register_rules import RegisterRules

C = pl.col
REGISTER_KINDS = ("register_file", "register_snapshot", "register_online")
ITEM = ("kind", "name", "date", "url", "sha256", "consulted", "text_nb", "text_en", "limits_nb", "limits_en")


def _periods(rules: RegisterRules) -> pl.LazyFrame:
    """The register's coverage periods with their texts (built once per rules)."""
    return pl.LazyFrame(
        [
            {
                "c_from": c.valid_from,
                "c_to": c.valid_to,
                "c_nb": c.text_nb,
                "c_en": c.text_en,
                "c_u": c.id if c.confidence in ("U", "T") else None,
            }
            for c in rules.coverage
        ]
    )


def _coverage(d: pl.LazyFrame, rules: RegisterRules) -> pl.LazyFrame:
    """``idx, cov_nb, cov_en, unverified``: the register's limits over each decision's window."""
    cov = per_rules(_periods, rules)
    start = pl.coalesce(C("window_from"), C("grant_date").dt.offset_by("-3y"))
    decl = rules.self_declaration
    hit = (
        d.select("idx", "grant_date", _start=start)
        .join(cov, how="cross")
        .filter((C("c_to") >= C("_start")) & (C("c_from") <= C("grant_date")))
        .sort("idx", "c_from")
        .group_by("idx", maintain_order=True)
        .agg(
            cov_nb=C("c_nb").str.join(" "),
            cov_en=C("c_en").str.join(" "),
            unverified=C("c_u").drop_nulls(),
            _gd=C("grant_date").first(),
        )
    )
    need = C("_gd") <= pl.lit(decl.required_until)
    return hit.with_columns(
        cov_nb=pl.when(need).then(pl.concat_str(C("cov_nb"), pl.lit(" " + decl.text_nb))).otherwise("cov_nb"),
        cov_en=pl.when(need).then(pl.concat_str(C("cov_en"), pl.lit(" " + decl.text_en))).otherwise("cov_en"),
    ).drop("_gd")


def _nb(day: str | None) -> str | None:
    """ISO date -> dd.mm.yyyy for the Norwegian text."""
    return f"{day[8:10]}.{day[5:7]}.{day[:4]}" if day and len(day) >= 10 else day


def _unavailable(d: pl.LazyFrame, consulted: pl.DataFrame) -> pl.LazyFrame:
    """``idx, down``: members of the undertaking the live register could not answer for."""
    bad = consulted.lazy().filter(C("outcome") != "found").select(m="orgnr")
    return (
        d.select("idx", m=C("members"))
        .explode("m")
        .join(bad, on="m")
        .group_by("idx")
        .agg(down=C("m").unique().sort().str.join(", "))
    )


@functools.lru_cache(maxsize=64)
def _base(rows: tuple[tuple[tuple[str, str | None], ...], ...]) -> pl.LazyFrame:
    """The sources consulted with their texts (a few rows; the same for most checks)."""
    msgs = messages()
    return pl.LazyFrame(
        [
            {
                "k": k,
                **(s := dict(row)),
                "t_nb": msgs[f"source_{s['kind']}"]["nb"].format(name=s["name"], date=_nb(s["date"])),
                "t_en": msgs[f"source_{s['kind']}"]["en"].format(name=s["name"], date=s["date"]),
                "l_nb": msgs[f"source_{s['kind']}"].get("limits_nb"),
                "l_en": msgs[f"source_{s['kind']}"].get("limits_en"),
            }
            for k, row in enumerate(rows)
        ],
        schema={
            "k": pl.Int64,
            **dict.fromkeys(
                ("kind", "name", "date", "url", "sha256", "t_nb", "t_en", "l_nb", "l_en"), pl.Utf8
            ),
        },
    )


def sources(
    d: pl.LazyFrame,
    consulted: list[dict[str, Any]],
    register_answers: pl.DataFrame | None,
    rules: RegisterRules,
) -> pl.LazyFrame:
    """``idx, sources``: the list described in the module docstring, for every decision."""
    rows = list(consulted)
    if not any(s["kind"] in REGISTER_KINDS for s in rows):
        rows.append({"kind": "register_not_consulted", "name": "Støtteregisteret"})
    base = _base(tuple(tuple((k, s.get(k)) for k in ("kind", "name", "date", "url", "sha256")) for s in rows))
    full = (
        d.select("idx", "window_from", "grant_date", "members")
        .join(base, how="cross")
        .join(_coverage(d, rules), on="idx", how="left")
    )
    if register_answers is None:  # no live register asked: no member without an answer
        full = full.with_columns(down=pl.lit(None, pl.Utf8))
    else:
        full = full.join(_unavailable(d, register_answers), on="idx", how="left")
    return full.sort("idx", "k").group_by("idx", maintain_order=True).agg(_item())


@functools.cache
def _item() -> pl.Expr:
    """One entry of ``sources`` (built once)."""
    down = messages()["source_register_unavailable"]
    is_reg = C("kind").is_in([*REGISTER_KINDS, "register_not_consulted"])
    online_down = (C("kind") == "register_online") & C("down").is_not_null()
    item = pl.struct(
        "kind",
        "name",
        "date",
        "url",
        "sha256",
        consulted=~online_down & (C("kind") != "register_not_consulted"),
        text_nb=pl.when(online_down)
        .then(
            pl.concat_str(C("t_nb"), pl.lit(" "), pl.format(down["nb"].replace("{orgnr}", "{}"), C("down")))
        )
        .otherwise("t_nb"),
        text_en=pl.when(online_down)
        .then(
            pl.concat_str(C("t_en"), pl.lit(" "), pl.format(down["en"].replace("{orgnr}", "{}"), C("down")))
        )
        .otherwise("t_en"),
        limits_nb=pl.when(is_reg).then(C("cov_nb")).otherwise("l_nb"),
        limits_en=pl.when(is_reg).then(C("cov_en")).otherwise("l_en"),
        unverified=pl.when(is_reg)
        .then(C("unverified"))
        .otherwise(pl.lit([], pl.List(pl.Utf8)))
        .fill_null([]),
    )
    return item.alias("sources")


__all__ = ["ITEM", "REGISTER_KINDS", "sources"]
