"""Issue 15, error (b): the single undertaking is a real connected component, with no round limit."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from deminimis import check
from deminimis.undertaking import undertaking_map
from tests.conftest import write_csv

WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def valid_orgnrs(n: int, start: int = 91000000) -> list[str]:
    """``n`` organisation numbers with a valid MOD11 check digit."""
    out = []
    base = start
    while len(out) < n:
        digits = f"{base:08d}"
        check = 11 - sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=True)) % 11
        if check != 10:
            out.append(digits + str(0 if check == 11 else check))
        base += 1
    return out


def _chain(tmp_path: Path, firms: list[str]) -> Path:
    rows = [{"orgnr": o, "undertaking_id": f"G{i}"} for i in range(len(firms) - 1) for o in firms[i : i + 2]]
    return write_csv(tmp_path / "links.csv", rows)


def _decide_chain(tmp_path: Path, n_links: int):
    firms = valid_orgnrs(n_links + 1)
    awards = write_csv(
        tmp_path / "awards.csv",
        [
            {
                "orgnr": firms[-1],
                "granted_on": "2021-03-01",
                "amount": "150000",
                "currency": "EUR",
                "basis": "de_minimis",
            }
        ],
    )
    d = check(
        orgnr=firms[0],
        amount="100000",
        currency="EUR",
        grant_date="2022-06-01",
        awards=awards,
        links=_chain(tmp_path, firms),
    )
    return d, firms


def test_a_chain_of_65_links_gives_one_undertaking_of_66_firms(tmp_path: Path) -> None:
    d, firms = _decide_chain(tmp_path, 65)
    assert d.undertaking == sorted(firms) and len(d.undertaking) == 66
    assert d.prior_de_minimis_eur == "150000.00"
    assert d.route == "gber"


def test_a_chain_of_10000_firms_gives_one_undertaking(tmp_path: Path) -> None:
    d, firms = _decide_chain(tmp_path, 9_999)
    assert len(d.undertaking) == 10_000
    assert d.prior_de_minimis_eur == "150000.00" and d.route == "gber"


def _union_find(edges: list[tuple[str, str]]) -> dict[str, str]:
    """orgnr -> smallest orgnr of its component, by a plain union-find over shared groups."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    first_of_group: dict[str, str] = {}
    for orgnr, group in edges:
        find(orgnr)
        if group in first_of_group:
            a, b = find(orgnr), find(first_of_group[group])
            if a != b:
                parent[max(a, b)] = min(a, b)
        else:
            first_of_group[group] = orgnr
    return {o: find(o) for o in parent}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 40).map(lambda i: f"{i:03d}"), st.integers(0, 25).map(lambda g: f"g{g}")),
        max_size=120,
    )
)
def test_components_agree_with_a_plain_union_find_on_random_link_graphs(edges: list[tuple[str, str]]) -> None:
    frame = pl.DataFrame(
        {"orgnr": [o for o, _ in edges], "undertaking_id": [g for _, g in edges]},
        schema={"orgnr": pl.Utf8, "undertaking_id": pl.Utf8},
    )
    got = dict(undertaking_map(frame).iter_rows())
    assert got == _union_find(edges)
