"""A big batch decided, rendered and written a chunk of applications at a time.

Why: the plan and the renderer hold every application x prior-aid pair of the batch; at
national scale (a million applications, ten million awards) that is more memory than a
machine has. The decisions of two firms that no link row or corporate event connects are
independent (a batch is cumulative only within one single undertaking,
:mod:`deminimis.batch_order`), so each chunk needs only the rows of its own firms.

How (the output is the same, byte for byte, as deciding the batch at once, in input order):

1. the inputs are read and validated once (:func:`deminimis.case.assemble`);
2. *groups*: firms connected by a link row (on any date) or a corporate event, a superset of
   every single undertaking on any grant date (:func:`groups`);
3. the rank of each application in its undertaking for the whole batch (as
   :func:`deminimis.batch_order.run_batch` ranks them), and the final route of every
   application that shares its undertaking with another one: decided by ``run_batch`` over
   chunks of whole groups, without rendering (:func:`counting_routes`);
4. each run of ``chunk_size`` applications in input order is decided in one pass of
   :func:`deminimis.cumulation.run` with the tables restricted to the firms of its groups (a
   semi join) and the batch's counting applications of those firms as prior awards, then
   rendered (:class:`ChunkedDecisions`; the writers in :mod:`deminimis.render.tables`
   write each chunk while the next is decided);
5. the broken side-file rows that belong to no application are found once for the batch
   (:func:`input_errors`), not per chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any, overload

import polars as pl

from deminimis import fx
from deminimis.batch_order import COUNTS_FOR_LATER, _as_awards, _back, _marked, _merged, _ranks, run_batch
from deminimis.case import BatchResult
from deminimis.cumulation import Inputs, Result, run
from deminimis.models import Decision, RowError
from deminimis.plan import sized
from deminimis.prior_awards import ERROR_COLUMNS, fx_errors, with_origin
from deminimis.render.columnar import build
from deminimis.render.decisions import Decisions
from deminimis.rules import Rules
from deminimis.sources.tables import ERRORS_SCHEMA
from deminimis.undertaking import perimeters, undertaking_map

DEFAULT_CHUNK = 20_000
"""Applications per chunk for the CLI ``batch`` (about 1 GiB of plan and renderer each at the bench data)."""
Progress = Callable[[int, int], None]


def groups(links: pl.DataFrame, events: pl.DataFrame | None) -> pl.DataFrame:
    """``orgnr, group``: every firm named by a link row or an event, keyed by the smallest
    orgnr of the firms connected to it by link rows (any date, any type) and events."""
    edges = links.select("orgnr", "undertaking_id")
    if events is not None and not events.is_empty():
        ids = pl.format("\x00event {}", pl.int_range(pl.len()))
        pairs = events.select(pred="predecessor_orgnr", succ="successor_orgnr").with_columns(
            undertaking_id=ids
        )
        edges = pl.concat(
            [
                edges,
                pairs.select(orgnr="pred", undertaking_id="undertaking_id"),
                pairs.select(orgnr="succ", undertaking_id="undertaking_id"),
            ]
        )
    edges = edges.drop_nulls()
    return undertaking_map(edges).rename({"undertaking_key": "group"})


def _firms_of(orgnrs: pl.Series, grouped: pl.DataFrame) -> pl.Series:
    """The orgnrs of every group of ``orgnrs`` (an orgnr in no group is its own)."""
    own = orgnrs.drop_nulls().unique()
    keys = grouped.filter(pl.col("orgnr").is_in(own.implode())).get_column("group").unique()
    members = grouped.filter(pl.col("group").is_in(keys.implode())).get_column("orgnr")
    return pl.concat([own, members]).unique()


def restricted(inputs: Inputs, orgnrs: pl.Series, applications: pl.DataFrame) -> Inputs:
    """``inputs`` for ``applications`` whose groups hold exactly ``orgnrs``: every side table
    and its row errors cut to those firms; the errors of no firm are left to :func:`input_errors`."""
    firms = orgnrs.implode()

    def cut(frame: pl.DataFrame | None, *cols: str) -> pl.DataFrame | None:
        if frame is None:
            return None
        return frame.filter(pl.any_horizontal(pl.col(c).is_in(firms) for c in cols))

    return replace(
        inputs,
        applications=applications,
        awards=cut(inputs.awards, "orgnr") if "orgnr" in inputs.awards.columns else inputs.awards,
        award_errors=cut(inputs.award_errors, "orgnr"),  # type: ignore[arg-type]
        links=cut(inputs.links, "orgnr"),  # type: ignore[arg-type]
        firms=cut(inputs.firms, "orgnr"),
        other_errors=inputs.other_errors.clear(),
        employer_tax=cut(inputs.employer_tax, "orgnr"),
        employer_tax_errors=cut(inputs.employer_tax_errors, "orgnr"),
        events=cut(inputs.events, "predecessor_orgnr", "successor_orgnr"),
        event_errors=cut(inputs.event_errors, "orgnr"),
    )


def counting_routes(
    inputs: Inputs, rules: Rules, rates: pl.DataFrame, apps: pl.DataFrame, grouped: pl.DataFrame, size: int
) -> pl.DataFrame:
    """``idx, route`` of the applications in ``apps`` (``idx``: input order) whose route counts
    for the later ones of their undertaking, decided by ``run_batch`` over chunks of whole
    groups of about ``size`` applications (a group larger than that is one chunk)."""
    keyed = apps.join(grouped, on="orgnr", how="left", maintain_order="left").with_columns(
        group=pl.coalesce("group", "orgnr")
    )
    sizes = keyed.group_by("group", maintain_order=True).agg(n=pl.len())
    sizes = sizes.with_columns(chunk=(pl.col("n").cum_sum() - pl.col("n")) // size)
    keyed = keyed.join(sizes.select("group", "chunk"), on="group", how="left", maintain_order="left")
    found = []
    for (_,), part in keyed.group_by("chunk", maintain_order=True):
        part = part.sort("idx")
        case = restricted(inputs, _firms_of(part["orgnr"], grouped), part.drop("idx", "group", "chunk"))
        with sized(part.height):
            decided = run_batch(case, rules, rates).decisions.select("idx", "route")
        ids = part.select(
            pl.col("idx").alias("global"), local=pl.int_range(pl.len()).cast(decided["idx"].dtype)
        )
        found.append(
            decided.filter(pl.col("route").is_in(COUNTS_FOR_LATER))
            .join(ids, left_on="idx", right_on="local")
            .select(idx="global", route="route")
        )
    return pl.concat(found) if found else pl.DataFrame(schema={"idx": pl.UInt32, "route": pl.Utf8})


def input_errors(inputs: Inputs, members: pl.Series, rates: pl.DataFrame) -> list[RowError]:
    """The broken side-file rows that belong to no application of the batch, in the order
    :func:`deminimis.cumulation.run` lists them (``members``: every firm of every undertaking)."""
    given = [inputs.award_errors.select(ERROR_COLUMNS)]
    if inputs.register:
        given.append(inputs.register.errors.select(ERROR_COLUMNS))
    if inputs.event_errors is not None:
        given.append(inputs.event_errors.select(ERROR_COLUMNS))
    awards = inputs.awards
    if "orgnr" in awards.columns:  # rates only for the awards of no member: the others are used
        others = with_origin(awards.filter(~pl.col("orgnr").is_in(members.implode())))
        dated = fx.attach_rates(others.lazy(), rates, currency="currency", on="granted_on").collect()
        given.append(fx_errors(dated, "granted_on", ["file", "row", "orgnr"]).select(ERROR_COLUMNS))
    if inputs.employer_tax_errors is not None:
        given.append(inputs.employer_tax_errors.select(ERROR_COLUMNS))
    errors = pl.concat(given)
    used = errors.filter(pl.col("orgnr").is_in(members.implode())).select("file", "row").unique()
    rows = pl.concat(
        [
            errors.join(used, on=["file", "row"], how="anti").select(*ERRORS_SCHEMA),
            inputs.other_errors.select(*ERRORS_SCHEMA),
        ]
    ).unique(maintain_order=True)
    return [RowError(**r) for r in rows.iter_rows(named=True)]


class ChunkedDecisions(Sequence[Decision]):
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
        self.ranks = _ranks(found)
        self.grouped = groups(inputs.links, inputs.events)
        self._apps = apps
        self._counts: pl.DataFrame | None = None
        self._routes: dict[int, dict[str, int]] = {}
        self._last: tuple[int, Decisions] | None = None

    def __len__(self) -> int:
        return self.inputs.applications.height

    def _cumulative(self) -> bool:
        return not self.independent and bool((self.ranks["batch_others_n"] > 0).any())

    def _counting(self) -> pl.DataFrame:
        """The applications that count for later ones of their undertaking (decided once)."""
        if self._counts is None:
            ids = self.ranks.filter(pl.col("batch_others_n") > 0).get_column("idx")
            shared = self._apps.filter(pl.col("idx").is_in(ids.implode()))
            self._counts = counting_routes(
                self.inputs, self.rules, self.rates, shared, self.grouped, self.size
            )
        return self._counts

    def part(self, start: int) -> Decisions:
        """The rendered decisions of applications ``start`` … ``start + size - 1``."""
        if self._last is not None and self._last[0] == start:
            return self._last[1]
        own = self._apps.slice(start, self.size).with_row_index("_local")
        firms = _firms_of(own["orgnr"], self.grouped)
        case = restricted(self.inputs, firms, own.drop("idx", "_local"))
        with sized(own.height):
            result = self._decided(case, own, firms)
            ranks = self.ranks.filter(pl.col("idx").is_between(start, start + self.size - 1)).with_columns(
                (pl.col("idx") - start).cast(result.decisions["idx"].dtype)
            )
            decisions = build(_marked(result, ranks, self.independent), self.rules)
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
            awards = pl.concat(
                [with_origin(case.awards), _as_awards(earlier, counts)], how="diagonal_relaxed"
            )
            apps = together.join(rank, on="idx", how="left", maintain_order="left").drop("idx", "_local")
            again = run(replace(case, applications=apps, awards=awards), self.rules, self.rates, memo)
            parts.append((again, together["_local"].cast(dtype)))
        (first, at), *rest = parts
        result = _back(first, at)
        for again, todo in rest:
            result = _merged(result, _back(again, todo), todo)
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

    @overload
    def __getitem__(self, i: int) -> Decision: ...

    @overload
    def __getitem__(self, i: slice) -> list[Decision]: ...

    def __getitem__(self, i: int | slice) -> Decision | list[Decision]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError("decision index out of range")
        i %= n
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
        raise ValueError("chunk size must be at least 1")
    decisions = ChunkedDecisions(inputs, rules, rates, size, independent=independent)
    decisions.progress = progress
    return BatchResult(decisions, input_errors(inputs, decisions.members, rates))


__all__ = ["DEFAULT_CHUNK", "ChunkedDecisions", "decide_chunked", "groups", "input_errors", "restricted"]
