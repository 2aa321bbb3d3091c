"""The single undertaking: firms linked by control form one undertaking.

Reg. 1407/2013 Art 2(2) and 2023/2831 Art 2(2): entities linked by majority voting
rights, board control, a dominant-influence contract or a shareholder agreement —
directly or through other entities — are one "single undertaking". Brreg has no group
data, so the links come from the user: rows of ``links`` sharing an ``undertaking_id``
are one undertaking, and chains (A–B in one group, B–C in another) merge into one
(connected components, found by label propagation in polars, no Python row loop).
A firm with no link is its own undertaking.
"""

from __future__ import annotations

import polars as pl

_MAX_ROUNDS = 64


def undertaking_map(links: pl.DataFrame) -> pl.DataFrame:
    """``orgnr -> undertaking_key`` for every orgnr named in ``links``.

    The key is the smallest orgnr of the component, so it is stable and readable.

    >>> links = pl.DataFrame({"orgnr": ["3", "2", "2", "1", "9"],
    ...                       "undertaking_id": ["a", "a", "b", "b", "c"]})
    >>> undertaking_map(links).sort("orgnr").rows()
    [('1', '1'), ('2', '1'), ('3', '1'), ('9', '9')]
    """
    edges = links.select("orgnr", "undertaking_id").unique()
    label = edges.group_by("orgnr").agg(pl.col("orgnr").first().alias("key"))
    for _ in range(_MAX_ROUNDS):
        group_min = (
            edges.join(label, on="orgnr").group_by("undertaking_id").agg(pl.col("key").min().alias("gkey"))
        )
        new = (
            edges.join(group_min, on="undertaking_id")
            .group_by("orgnr")
            .agg(pl.col("gkey").min().alias("key"))
        )
        changed = new.join(label, on="orgnr", suffix="_old").filter(pl.col("key") != pl.col("key_old"))
        label = new
        if changed.is_empty():
            break
    return label.rename({"key": "undertaking_key"}).select("orgnr", "undertaking_key")


def attach_undertaking(frame: pl.DataFrame, mapping: pl.DataFrame) -> pl.DataFrame:
    """Add ``undertaking_key`` (own orgnr when unlinked) to a frame with ``orgnr``."""
    return frame.join(mapping, on="orgnr", how="left").with_columns(
        pl.coalesce("undertaking_key", "orgnr").alias("undertaking_key")
    )


def members(mapping: pl.DataFrame) -> pl.DataFrame:
    """``undertaking_key -> members`` (sorted list of orgnr) for linked undertakings."""
    return mapping.group_by("undertaking_key").agg(pl.col("orgnr").sort().alias("members"))


__all__ = ["attach_undertaking", "members", "undertaking_map"]
