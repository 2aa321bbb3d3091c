"""Cumulative batches: an earlier application of the same undertaking counts for the later ones.

Why: two grants to one single undertaking in one list are two grants; deciding each as if the
other did not exist lets the pair pass the ceiling together. Within a batch the applications of
one undertaking are ranked by grant date, then input order (``batch_rank``). An application
routed ``de_minimis`` (or ``covid_tf``, which counts against the scheme cap) becomes a prior
award of the later ones (``source`` ``application:<id>``, provenance its file and row); the
pipeline pairs it only with applications of a higher rank.

How, without a pass per rank: guess which applications count (first guess: each decided
alone), decide the batch once with that guess, and compare. The guess is right exactly when
every application's route agrees with it; where it does not, the first disagreeing application
of each undertaking was decided from a right prefix, so each pass fixes at least one more
application per undertaking and the next guess is the routes just found. A batch without two
applications of one undertaking takes one pass, a typical cumulative one two or three. A later
pass decides again only the applications whose prior aid the last guess changed: those a
changed application reaches (:class:`_Reach`: ranked after it in an undertaking holding its
orgnr, and on the safe side a few more), against the awards of their undertakings' members and
of the parties to events; the others are settled.

The employer-tax advantage is not reduced by the batch's own applications (the fribeløp
reduction uses the other aid of the files and the ledger): the advantage then counts in full,
the conservative reading. ``independent=True`` decides each application alone (one pass), and
the reasons say which other applications of the undertaking the batch held.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import polars as pl

from deminimis.cumulation import Inputs, Result, routes, run
from deminimis.plan import steps
from deminimis.prior_awards import with_origin
from deminimis.rules import Rules
from deminimis.undertaking import perimeters

COUNTS_FOR_LATER = ("de_minimis", "covid_tf")
SHOWN_OTHERS = 10
"""How many of the undertaking's other applications a reason names (the count is always given):
a list of every other id per application would grow with the square of a firm's applications."""


_ranked = pl.col("grant_date").is_not_null() & pl.col("undertaking_key").is_not_null()
"""Applications that have a place in their undertaking's order (a date and an undertaking)."""


def ranks_in_batch(decisions: pl.DataFrame) -> pl.DataFrame:
    """``idx, rank, batch_others, batch_others_n``: the rank in the undertaking (grant date, input
    order), up to :data:`SHOWN_OTHERS` ids of its other applications in the batch, and their count."""
    if decisions.height == 1 and decisions.select(_ranked).item():  # one check: first and alone
        return decisions.select(
            "idx",
            rank=pl.lit(1, pl.Int64),
            batch_others=pl.lit([], pl.List(pl.Utf8)),
            batch_others_n=pl.lit(0, pl.Int64),
        )
    ranked = (
        decisions.lazy()
        .filter(_ranked)
        .sort("grant_date", "idx")
        .with_columns(
            rank=pl.int_range(1, pl.len() + 1).over("undertaking_key"),
            n=pl.len().over("undertaking_key"),
        )
    )
    heads = ranked.group_by("undertaking_key").agg(ids=pl.col("application_id").head(SHOWN_OTHERS + 1))
    return (
        ranked.join(heads, on="undertaking_key", how="left")
        .select(
            "idx",
            "rank",
            batch_others=pl.col("ids")
            .list.set_difference(pl.concat_list("application_id"))
            .list.sort()
            .list.head(SHOWN_OTHERS),
            batch_others_n=(pl.col("n") - 1).cast(pl.Int64),
        )
        .collect(**steps())
    )


def as_awards(apps: pl.DataFrame, counts: pl.DataFrame) -> pl.DataFrame:
    """Applications that count for later ones, as prior-award rows (provenance: the application)."""
    source = pl.format("application:{}", pl.col("application_id"))
    return apps.join(counts, on="idx").select(
        "file",
        "row",
        "orgnr",
        granted_on=pl.col("grant_date"),
        amount_cents=pl.col("amount_cents"),
        currency=pl.col("currency"),
        basis=pl.when(pl.col("route") == "covid_tf")
        .then(pl.lit("covid_tf_3_1"))
        .when(pl.col("scheme") == "sgei")
        .then(pl.lit("de_minimis_sgei"))
        .otherwise(pl.lit("de_minimis")),
        grantor=pl.lit(None, pl.Utf8),
        reference=pl.col("application_id"),
        origin=source,
        source=source,
        batch_rank=pl.col("batch_rank"),
    )


def _counting(decisions: pl.DataFrame, grouped: pl.Series) -> pl.DataFrame:
    """``idx, route`` of the grouped applications whose route counts for later ones."""
    return decisions.filter(
        pl.col("idx").is_in(grouped.implode()) & pl.col("route").is_in(COUNTS_FOR_LATER)
    ).select("idx", "route")


def run_batch(inputs: Inputs, rules: Rules, rates: pl.DataFrame, *, independent: bool = False) -> Result:
    """Decide every application; cumulative within each undertaking unless ``independent``."""
    memo: dict[str, Any] = {}
    first = run(inputs, rules, rates, memo)
    ranks = ranks_in_batch(first.decisions)
    grouped = ranks.filter(pl.col("batch_others_n") > 0).get_column("idx").sort()
    if independent or grouped.is_empty():
        return marked(first, ranks, independent)

    def decide(case: Inputs, todo: pl.Series) -> tuple[Result, pl.DataFrame]:
        part = mapped_back(run(case, rules, rates, memo), todo)
        return part, part.decisions

    passes, _ = _passes(inputs, first.decisions, ranks, grouped, decide)
    return marked(merged_passes(first, passes), ranks, independent)


def settled_routes(inputs: Inputs, rules: Rules, rates: pl.DataFrame) -> pl.DataFrame:
    """``idx, route`` of the applications whose route counts for later ones of their undertaking,
    as :func:`run_batch` settles them, from the routes of each pass only (``cumulation.routes``):
    no pass's counted rows, headroom or links are built, and none is merged. What a batch decided
    in chunks needs first (:func:`deminimis.batch_chunks.counting_routes`)."""
    memo: dict[str, Any] = {}
    found, _ = perimeters(inputs.applications.with_row_index("idx"), inputs.links)
    ranks = ranks_in_batch(found)
    grouped = ranks.filter(pl.col("batch_others_n") > 0).get_column("idx").sort()
    if grouped.is_empty():
        return pl.DataFrame(schema={"idx": pl.UInt32, "route": pl.Utf8})

    def decide(case: Inputs, todo: pl.Series) -> tuple[None, pl.DataFrame]:
        decided = routes(case, rules, rates, memo)
        return None, decided.with_columns(idx=todo.gather(decided.get_column("idx")))

    _, guess = _passes(inputs, found, ranks, grouped, decide, first_decided=False)
    return guess.sort("idx")


def _passes(
    inputs: Inputs,
    first: pl.DataFrame,
    ranks: pl.DataFrame,
    grouped: pl.Series,
    decide: Callable[[Inputs, pl.Series], tuple[Any, pl.DataFrame]],
    *,
    first_decided: bool = True,
) -> tuple[list[tuple[pl.Series, Any]], pl.DataFrame]:
    """The passes after the first (``first``: its decisions) until the guess holds: each pass's
    applications and what ``decide`` kept of it, and the last guess (``idx, route`` of the
    grouped applications that count for later ones). ``first_decided=False``: ``first`` holds
    the perimeters only (``idx, orgnr, members``), and the first pass here decides only the
    applications that can reach another one; the route of one that reaches none matters to
    no other application, and the guess leaves it out."""
    apps = (
        inputs.applications.with_row_index("idx")
        .join(ranks.select("idx", batch_rank=pl.col("rank")), on="idx", how="left", maintain_order="left")
        .filter(pl.col("idx").is_in(grouped.implode()))
    )
    given = with_origin(inputs.awards)
    reach = _Reach(first, apps, given, inputs)
    if first_decided:
        guess = _counting(first, grouped)
        todo = reach.of(guess.get_column("idx"))  # the first pass counted none of them
    else:
        guess = pl.DataFrame(schema={"idx": grouped.dtype, "route": pl.Utf8})
        todo = reach.reaching()
    passes: list[tuple[pl.Series, Any]] = []
    if todo.is_empty():
        return passes, guess
    for _ in range(grouped.len() + 1):  # each pass settles at least one application per undertaking
        mine = pl.col("idx").is_in(todo.implode())
        own = given.filter(pl.col("orgnr").is_in(_relevant(first, todo, inputs).implode()))
        awards = pl.concat([own, as_awards(apps, guess)], how="diagonal_relaxed")
        case = replace(inputs, applications=apps.filter(mine).drop("idx"), awards=awards)
        kept, decided = decide(case, todo)
        found = _counting(decided, todo)
        passes.append((todo, kept))
        changed = _changed(guess.filter(mine), found)
        guess = pl.concat([guess.filter(~mine), found])
        if changed.is_empty():
            break
        todo = reach.of(changed)
        if todo.is_empty():
            break
    return passes, guess


def _relevant(first: pl.DataFrame, todo: pl.Series, inputs: Inputs) -> pl.Series:
    """The orgnr whose awards a pass over ``todo`` can count: the members of their undertakings
    and every party to an event (an event passes a predecessor's awards on)."""
    members = first.filter(pl.col("idx").is_in(todo.implode())).get_column("members").explode()
    parties = [members]
    if inputs.events is not None:
        parties += [
            inputs.events.get_column("predecessor_orgnr"),
            inputs.events.get_column("successor_orgnr"),
        ]
    return pl.concat(parties).drop_nulls().unique()


def _changed(guess: pl.DataFrame, found: pl.DataFrame) -> pl.Series:
    """``idx`` of the applications whose counting route differs from the guess."""
    keys = ["idx", "route"]
    return pl.concat(
        [guess.join(found, on=keys, how="anti"), found.join(guess, on=keys, how="anti")]
    ).get_column("idx")


class _Reach:
    """Which grouped applications a change in the guess can reach: those that would pair with
    a changed application as a prior award, so that only they are decided again.

    An application of the batch is paired only with the applications ranked after it whose
    undertaking holds its orgnr (:func:`deminimis.pairs.pairs_of`). Three more cases are counted
    as reached, to stay on the safe side: every application whose undertaking holds a party to
    a corporate event (its awards may be passed on to another holder), and every application
    whose undertaking holds the orgnr of a changed one that looks like a row of the awards
    files (same orgnr, date, amount, currency and reference: the duplicate warning of that row
    depends on it) or whose orgnr the register holds rows for (a register row may be matched to
    the application instead of a declared one). The others get, pass after pass, the same prior
    aid as in the pass that last decided them, so their decisions stand. On the L bench data the
    second pass decides 17,841 of the 46,941 applications that share an undertaking."""

    def __init__(self, first: pl.DataFrame, apps: pl.DataFrame, given: pl.DataFrame, inputs: Inputs) -> None:
        grouped = apps.get_column("idx").implode()
        held = first.filter(pl.col("idx").is_in(grouped)).select("idx", orgnr="members").explode("orgnr")
        self.held = held.join(apps.select("idx", x_rank="batch_rank"), on="idx", how="left")
        twins = apps.join(
            given.select("orgnr", "granted_on", "amount_cents", "currency", "reference"),
            left_on=["orgnr", "grant_date", "amount_cents", "currency", "application_id"],
            right_on=["orgnr", "granted_on", "amount_cents", "currency", "reference"],
            how="semi",
            nulls_equal=True,
        )
        twin = pl.col("idx").is_in(twins.get_column("idx").implode())
        if inputs.register is not None:  # a register row may match the application, not a file row
            twin = twin | pl.col("orgnr").is_in(inputs.register.rows.get_column("orgnr").implode())
        self.apps = apps.select("idx", "orgnr", y_rank="batch_rank", twin=twin)
        self.parties = pl.Series("orgnr", [], pl.Utf8)
        events = inputs.events
        if events is not None and not events.is_empty():
            parties = pl.concat([events.get_column(c) for c in ("predecessor_orgnr", "successor_orgnr")])
            self.parties = parties.drop_nulls().unique()
        self.always = held.filter(pl.col("orgnr").is_in(self.parties.implode())).get_column("idx")

    def of(self, changed: pl.Series) -> pl.Series:
        """``idx`` (sorted) of the grouped applications that ``changed`` (``idx``) can reach."""
        ys = self.apps.filter(pl.col("idx").is_in(changed.implode())).drop("idx")
        hit = self.held.join(ys, on="orgnr").filter(_PAIRED).get_column("idx")
        return pl.concat([hit, self.always.cast(hit.dtype)]).unique().sort()

    def reaching(self) -> pl.Series:
        """``idx`` (sorted) of the grouped applications that can reach at least one (a party
        to an event among them: its awards may be passed on)."""
        ys = self.apps.rename({"idx": "y"})
        hit = self.held.join(ys, on="orgnr").filter(_PAIRED).get_column("y")
        party = self.apps.filter(pl.col("orgnr").is_in(self.parties.implode())).get_column("idx")
        return pl.concat([hit, party.cast(hit.dtype)]).unique().sort()


_PAIRED = pl.col("y_rank").is_null() | (pl.col("y_rank") < pl.col("x_rank")) | pl.col("twin")
"""An application ``y`` of the batch reaches ``x`` (whose undertaking holds y's orgnr): ranked
before it (or unranked), or looking like a declared or register row."""


def mapped_back(part: Result, grouped: pl.Series) -> Result:
    """A pass over the grouped applications, its ``idx`` mapped back to the whole batch's."""

    def back(frame: pl.DataFrame | None) -> pl.DataFrame | None:
        if frame is None:
            return None
        return frame.with_columns(idx=grouped.gather(frame.get_column("idx")))

    return replace(
        part,
        decisions=back(part.decisions),
        counted=back(part.counted),
        errors=back(part.errors),
        links=back(part.links),
    )


def merged_passes(first: Result, passes: list[tuple[pl.Series, Result]]) -> Result:
    """Each application's rows from the last pass that decided it (the first pass for the
    others), every frame in ``idx`` order with the rows of one ``idx`` in their own order. The
    input errors, sources and register lookups are the first pass's: it saw every application."""
    decided = [
        pl.DataFrame({"idx": todo, "k": pl.repeat(k, todo.len(), eager=True)})
        for k, (todo, _) in enumerate(passes, 1)
    ]
    last = pl.concat(decided).group_by("idx").agg(pl.col("k").max())
    redone = pl.col("idx").is_in(last.get_column("idx").implode())
    owned = [last.filter(pl.col("k") == k).get_column("idx").implode() for k in range(1, len(passes) + 1)]

    def merge(name: str) -> pl.DataFrame | None:
        whole = getattr(first, name)
        if whole is None:
            return None
        news = [getattr(part, name) for _, part in passes]
        pieces = [
            new.filter(pl.col("idx").is_in(ids))
            for new, ids in zip(news, owned, strict=True)
            if new is not None
        ]
        pieces = [p.select(whole.columns) for p in pieces if not p.is_empty()]
        kept = whole.filter(~redone)  # no idx is in two pieces: a stable sort by idx interleaves them
        if not pieces:
            return kept
        return pl.concat([kept, *pieces], how="vertical_relaxed").sort("idx", maintain_order=True)

    return replace(
        first,
        decisions=merge("decisions"),
        counted=merge("counted"),
        errors=merge("errors"),
        links=merge("links"),
    )


def marked(result: Result, ranks: pl.DataFrame, independent: bool) -> Result:
    """The decisions with ``batch_others`` and ``batch_independent`` (for the reasons)."""
    decisions = (
        result.decisions.lazy()
        .join(ranks.lazy().select("idx", "batch_others", "batch_others_n"), on="idx", how="left")
        .with_columns(batch_independent=pl.lit(independent))
        .collect(**steps())
    )
    return replace(result, decisions=decisions)


__all__ = [
    "COUNTS_FOR_LATER",
    "as_awards",
    "mapped_back",
    "marked",
    "merged_passes",
    "ranks_in_batch",
    "run_batch",
    "settled_routes",
]
