"""A big batch decided, rendered and written a chunk of applications at a time.

Why: the plan and the renderer hold every application x prior-aid pair of the batch; at
national scale (a million applications, ten million awards) that is more memory than a
machine has. The decisions of two firms that no link row or corporate event connects are
independent (a batch is cumulative only within one single undertaking,
:mod:`deminimis.batch_order`), so each chunk needs only the rows of its own firms.

How (the output is the same, byte for byte, as deciding the batch at once, in input order):

1. the inputs are read and validated once (:func:`deminimis.case.assemble`);
2. the rank of each application in its undertaking for the whole batch (as
   :func:`deminimis.batch_order.run_batch` ranks them), and the final route of every
   application that shares its undertaking with another one: settled as ``run_batch`` settles
   it, from the routes of each pass only (:func:`deminimis.batch_order.settled_routes`), over
   chunks of whole groups of firms (:mod:`deminimis.chunk_tables`) (:func:`counting_routes`);
3. each run of ``chunk_size`` applications in input order is decided with the tables cut to
   the firms of its groups (:func:`deminimis.chunk_tables.restricted`): an application alone
   in its undertaking as ``run_batch``'s first pass decides it, one sharing it as the last pass
   does (the batch's counting applications of those firms as prior awards); then rendered
   (:class:`ChunkedDecisions`; the writers of :mod:`deminimis.render.tables` write each chunk
   while the next one is decided);
4. the broken side-file rows that belong to no application are found once for the batch
   (:func:`deminimis.chunk_tables.input_errors`), not per chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import polars as pl

from deminimis.batch_order import (
    as_awards,
    mapped_back,
    marked,
    merged_passes,
    ranks_in_batch,
    settled_routes,
)
from deminimis.case import BatchResult, row_errors
from deminimis.chunk_tables import FirmRows, firm_index, firms_of, groups, input_errors, restricted
from deminimis.cumulation import Inputs, Result, run
from deminimis.errors import InputError
from deminimis.models import Decision
from deminimis.plan import sized
from deminimis.prior_awards import with_origin
from deminimis.render.columnar import build
from deminimis.render.decisions import Decisions, DecisionSequence
from deminimis.rules import Rules
from deminimis.undertaking import perimeters

DEFAULT_CHUNK = 20_000
"""Applications per chunk of the CLI ``batch`` (about 1 GiB of plan and renderer on the bench data)."""
Progress = Callable[[int, int], None]


def counting_routes(
    inputs: Inputs,
    rules: Rules,
    rates: pl.DataFrame,
    apps: pl.DataFrame,
    grouped: pl.DataFrame,
    size: int,
    index: dict[str, FirmRows] | None = None,
) -> pl.DataFrame:
    """``idx, route`` of the applications in ``apps`` (``idx``: input order) whose route counts
    for the later ones of their undertaking, settled as ``run_batch`` settles them
    (:func:`~deminimis.batch_order.settled_routes`) over chunks of whole groups of about
    ``size`` applications (a group larger than that is one chunk)."""
    keyed = apps.join(grouped, on="orgnr", how="left", maintain_order="left").with_columns(
        group=pl.coalesce("group", "orgnr")
    )
    sizes = keyed.group_by("group", maintain_order=True).agg(n=pl.len())
    sizes = sizes.with_columns(chunk=(pl.col("n").cum_sum() - pl.col("n")) // size)
    keyed = keyed.join(sizes.select("group", "chunk"), on="group", how="left", maintain_order="left")
    found = []
    for (_,), part in keyed.group_by("chunk", maintain_order=True):
        part = part.sort("idx")
        case = restricted(inputs, firms_of(part["orgnr"], grouped), part.drop("idx", "group", "chunk"), index)
        with sized(part.height):
            decided = settled_routes(case, rules, rates)
        ids = part.select(
            pl.col("idx").alias("global"), local=pl.int_range(pl.len()).cast(decided["idx"].dtype)
        )
        found.append(decided.join(ids, left_on="idx", right_on="local").select(idx="global", route="route"))
    return pl.concat(found) if found else pl.DataFrame(schema={"idx": pl.UInt32, "route": pl.Utf8})


class ChunkedDecisions(DecisionSequence):
    """The decisions of a batch, decided and rendered ``size`` applications at a time when
    :meth:`parts` (or iteration) asks for them; nothing of a chunk is kept after it is read
    but its route counts. Indexing decides the chunk of that index again (the last is kept)."""

    def __init__(
        self, inputs: Inputs, rules: Rules, rates: pl.DataFrame, size: int, *, independent: bool = False
    ) -> None:
        self.inputs, self.rules, self.rates, self.size = inputs, rules, rates, size
        self.independent = independent
        self.progress: Progress | None = None
        apps = inputs.applications.with_row_index("idx")
        found, member = perimeters(apps, inputs.links)
        self.members = member.get_column("orgnr").unique()
        self.ranks = ranks_in_batch(found)
        self.grouped = groups(inputs.links, inputs.events)
        self._apps = apps
        self._counts: pl.DataFrame | None = None
        self._routes: dict[int, dict[str, int]] = {}
        self._last: tuple[int, Decisions] | None = None
        self._firm_rows: dict[str, FirmRows] | None = None

    def __len__(self) -> int:
        return self.inputs.applications.height

    def _index(self) -> dict[str, FirmRows]:
        """The side tables' rows by orgnr (:func:`~deminimis.chunk_tables.firm_index`), built once."""
        if self._firm_rows is None:
            self._firm_rows = firm_index(self.inputs)
        return self._firm_rows

    def _cumulative(self) -> bool:
        return not self.independent and bool((self.ranks["batch_others_n"] > 0).any())

    def _counting(self) -> pl.DataFrame:
        """The applications that count for later ones of their undertaking (decided once)."""
        if self._counts is None:
            ids = self.ranks.filter(pl.col("batch_others_n") > 0).get_column("idx")
            shared = self._apps.filter(pl.col("idx").is_in(ids.implode()))
            self._counts = counting_routes(
                self.inputs, self.rules, self.rates, shared, self.grouped, self.size, self._index()
            )
        return self._counts

    def part(self, start: int) -> Decisions:
        """The rendered decisions of applications ``start`` … ``start + size - 1``."""
        if self._last is not None and self._last[0] == start:
            return self._last[1]
        own = self._apps.slice(start, self.size).with_row_index("_local")
        firms = firms_of(own["orgnr"], self.grouped)
        case = restricted(self.inputs, firms, own.drop("idx", "_local"), self._index())
        with sized(own.height):
            result = self._decided(case, own, firms)
            ranks = self.ranks.filter(pl.col("idx").is_between(start, start + self.size - 1)).with_columns(
                (pl.col("idx") - start).cast(result.decisions["idx"].dtype)
            )
            decisions = build(marked(result, ranks, self.independent), self.rules)
        self._routes[start] = decisions.routes()
        self._last = (start, decisions)
        return decisions

    def _decided(self, case: Inputs, own: pl.DataFrame, firms: pl.Series) -> Result:
        """The chunk as run_batch's passes leave it: an application alone in its undertaking as
        the first pass decides it; one sharing it as the last pass does, with the batch's
        counting applications of the chunk's firms as prior awards, ranked."""
        memo: dict[str, Any] = {}
        if not self._cumulative():
            return run(case, self.rules, self.rates, memo)
        shared = pl.col("idx").is_in(self.ranks.filter(pl.col("batch_others_n") > 0)["idx"].implode())
        alone, together = own.filter(~shared), own.filter(shared)
        dtype = pl.UInt32
        parts: list[tuple[Result, pl.Series]] = []
        if not alone.is_empty():
            apps = alone.drop("idx", "_local")
            first = run(replace(case, applications=apps), self.rules, self.rates, memo)
            parts.append((first, alone["_local"].cast(dtype)))
        if not together.is_empty():
            counts = self._counting()
            rank = self.ranks.select("idx", batch_rank=pl.col("rank"))
            earlier = self._apps.filter(
                pl.col("idx").is_in(counts["idx"].implode()) & pl.col("orgnr").is_in(firms.implode())
            ).join(rank, on="idx", how="left", maintain_order="left")
            awards = pl.concat([with_origin(case.awards), as_awards(earlier, counts)], how="diagonal_relaxed")
            apps = together.join(rank, on="idx", how="left", maintain_order="left").drop("idx", "_local")
            again = run(replace(case, applications=apps, awards=awards), self.rules, self.rates, memo)
            parts.append((again, together["_local"].cast(dtype)))
        (first, at), *rest = parts
        result = mapped_back(first, at)
        if rest:
            again, todo = rest[0]
            result = merged_passes(result, [(todo, mapped_back(again, todo))])
        return replace(result, decisions=result.decisions.drop("batch_rank", strict=False))  # as merged

    def parts(self) -> Iterator[tuple[int, Decisions]]:
        """``(start, decisions)`` of each chunk in input order; ``progress`` before each."""
        total = len(self)
        for start in range(0, total, self.size):
            if self.progress is not None:
                self.progress(start, total)
            yield start, self.part(start)
        if self.progress is not None:
            self.progress(total, total)

    def at(self, i: int) -> Decision:
        start = i - i % self.size
        return self.part(start)[i - start]

    def __iter__(self) -> Iterator[Decision]:
        for _, part in self.parts():
            yield from part

    def concat(self) -> Decisions:
        """Every chunk in one :class:`Decisions` (for the .xlsx workbook, built whole)."""
        return Decisions(pl.concat([part.frame for _, part in self.parts()]))

    def routes(self) -> dict[str, int]:
        """Decisions per route (the chunks not yet read are decided for it)."""
        for start in range(0, len(self), self.size):
            if start not in self._routes:
                self.part(start)
        counts: dict[str, int] = {}
        for part in self._routes.values():
            for route, n in part.items():
                counts[route] = counts.get(route, 0) + n
        return dict(sorted(counts.items()))

    def __repr__(self) -> str:
        return f"ChunkedDecisions({len(self)} decisions, {self.size} a chunk)"


def decide_chunked(
    inputs: Inputs,
    rules: Rules,
    rates: pl.DataFrame,
    size: int,
    *,
    independent: bool = False,
    progress: Progress | None = None,
) -> BatchResult:
    """The batch of ``inputs`` as :class:`ChunkedDecisions` (decided as they are read) and the
    input errors of the whole batch."""
    if size < 1:
        raise InputError(f"chunk size {size}: use a whole number of applications, 1 or more (0: all at once)")
    decisions = ChunkedDecisions(inputs, rules, rates, size, independent=independent)
    decisions.progress = progress
    return BatchResult(decisions, row_errors(input_errors(inputs, decisions.members, rates)))


__all__ = ["DEFAULT_CHUNK", "ChunkedDecisions", "counting_routes", "decide_chunked"]
