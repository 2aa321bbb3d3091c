"""The rendered decisions: a frame of JSON-shaped structs, ``Decision`` objects on demand.

:func:`deminimis.render.columnar.render` gives one struct per application (``doc``). The
batch writers encode or flatten that column directly; the Python API (letters, reports,
ledger, HTTP) indexes or iterates :class:`Decisions` like a list and gets each
:class:`~deminimis.models.Decision` parsed from the same JSON, so there is one engine and one
content.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, overload

import polars as pl

if TYPE_CHECKING:  # the model (and pydantic) is imported when the first object is asked for
    from deminimis.models import Decision


def position(i: int, n: int) -> int:
    """Index ``i`` of a sequence of ``n`` decisions as a position ``0 … n-1`` (negative from the
    end, like a list); ``IndexError`` outside."""
    if not -n <= i < n:
        raise IndexError("decision index out of range")
    return i % n


class DecisionSequence(Sequence["Decision"]):
    """Indexing as a list's (negative positions, slices) over :meth:`at`, one decision by its
    position ``0 … len-1``; for :class:`Decisions` and the chunked batch's sequence."""

    def at(self, i: int) -> Decision:
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> Decision: ...

    @overload
    def __getitem__(self, i: slice) -> list[Decision]: ...

    def __getitem__(self, i: int | slice) -> Decision | list[Decision]:
        if isinstance(i, slice):
            return [self.at(j) for j in range(*i.indices(len(self)))]
        return self.at(position(i, len(self)))


class Decisions(DecisionSequence):
    """A read-only list of decisions backed by ``frame`` (``idx, application_id, route, doc``)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self._texts: pl.Series | None = None
        self._parsed: dict[int, Decision] = {}

    @property
    def _json(self) -> pl.Series:
        if self._texts is None:  # encoded once, when the first object is asked for
            self._texts = self.frame.get_column("doc").struct.json_encode()
        return self._texts

    def __len__(self) -> int:
        return self.frame.height

    def at(self, i: int) -> Decision:
        if i not in self._parsed:  # the same object on every access, like a list
            from deminimis.models import Decision

            self._parsed[i] = Decision.model_validate_json(self._json[i])
        return self._parsed[i]

    def record(self, i: int) -> dict:
        """Decision ``i`` as its contract JSON dict, without building the model (``check``'s text)."""
        return json.loads(self._json[i])

    def __iter__(self) -> Iterator[Decision]:
        for i in range(len(self)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Decisions({len(self)} decisions)"

    def routes(self) -> dict[str, int]:
        """How many decisions per route, without parsing any."""
        counts = self.frame.get_column("route").value_counts(sort=False)
        return dict(sorted(zip(counts["route"].to_list(), counts["count"].to_list(), strict=True)))

    def json_expr(self) -> pl.Expr:
        """The expression that gives each decision's JSON text (over :attr:`frame`)."""
        return pl.col("doc").struct.json_encode()


__all__ = ["DecisionSequence", "Decisions", "position"]
