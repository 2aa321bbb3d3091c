"""The single undertaking: firms linked by control form one undertaking.

Reg. 1407/2013 Art 2(2) and 2023/2831 Art 2(2): entities linked by majority voting
rights, board control, a dominant-influence contract or a shareholder agreement —
directly or through other entities — are one "single undertaking". Brreg has no group
data, so the links come from the user: rows of ``links`` sharing an ``undertaking_id``
are one undertaking, and chains (A–B in one group, B–C in another) merge into one, however
long (connected components of the orgnr–group graph, :func:`networkx.connected_components`).
A firm with no link is its own undertaking.
"""

from __future__ import annotations

import networkx as nx
import polars as pl


def undertaking_map(links: pl.DataFrame) -> pl.DataFrame:
    """``orgnr -> undertaking_key`` for every orgnr named in ``links``.

    The key is the smallest orgnr of the component, so it is stable and readable.

    >>> links = pl.DataFrame({"orgnr": ["3", "2", "2", "1", "9"],
    ...                       "undertaking_id": ["a", "a", "b", "b", "c"]})
    >>> undertaking_map(links).sort("orgnr").rows()
    [('1', '1'), ('2', '1'), ('3', '1'), ('9', '9')]
    """
    edges = links.select("orgnr", "undertaking_id").unique()
    graph = nx.Graph()
    graph.add_edges_from(((0, o), (1, g)) for o, g in edges.iter_rows())
    orgnr, key = [], []
    for component in nx.connected_components(graph):
        firms = [name for side, name in component if side == 0]
        orgnr += firms
        key += [min(firms)] * len(firms)
    return pl.DataFrame(
        {"orgnr": orgnr, "undertaking_key": key}, schema={"orgnr": pl.Utf8, "undertaking_key": pl.Utf8}
    )


def attach_undertaking(frame: pl.DataFrame, mapping: pl.DataFrame) -> pl.DataFrame:
    """Add ``undertaking_key`` (own orgnr when unlinked) to a frame with ``orgnr``."""
    return frame.join(mapping, on="orgnr", how="left").with_columns(
        pl.coalesce("undertaking_key", "orgnr").alias("undertaking_key")
    )


def members(mapping: pl.DataFrame) -> pl.DataFrame:
    """``undertaking_key -> members`` (sorted list of orgnr) for linked undertakings."""
    return mapping.group_by("undertaking_key").agg(pl.col("orgnr").sort().alias("members"))


__all__ = ["attach_undertaking", "members", "undertaking_map"]
