"""The shortcuts of one check's small tables give what the general rules give.

A small table of plain cells is typed by one query with the plain readings of its fields
(issue 13/18: each polars step costs 30-200 us on a few rows); these tests read the same
tables with the shortcuts switched off and compare every value, dtype and error.
"""

from __future__ import annotations

import polars as pl
import pytest

from deminimis import case, employer_tax, employer_tax_rows
from deminimis.rules import SCHEMES
from deminimis.sources import (
    inputs,
    table_awards,
    table_canonical,
    table_fields,
    table_links,
    table_rows,
    tables,
)
from deminimis.sources.inputs import read_input

FIXTURES = "fixtures"


def _rows(result: tuple[pl.DataFrame, ...]) -> list:
    return [(list(f.schema.items()), sorted(f.rows(), key=repr)) for f in result]


def _general(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (table_awards, table_canonical, table_links, table_rows, employer_tax_rows):
        monkeypatch.setattr(module, "all_plain", lambda *_: False)
    monkeypatch.setattr(table_fields, "SMALL", -1)
    monkeypatch.setattr(inputs, "_clean_records", lambda *_: None)
    monkeypatch.setattr(case, "SMALL", -1)


AWARDS = [
    {
        "orgnr": "912346803",
        "granted_on": "2021-03-02",
        "amount": "100000",
        "currency": "NOK",
        "basis": "de_minimis",
    },
    {"orgnr": "974760673", "granted_on": "2022-12-31", "amount": "5.5", "basis": "bagatellmessig støtte"},
    {"orgnr": "912346803", "granted_on": "2023-01-15", "amount": "7", "currency": "EUR", "basis": "Tilskudd"},
    {"orgnr": "974760673", "granted_on": "2020-02-29", "amount": "1.25", "basis": "???", "reference": "x"},
]


@pytest.mark.parametrize("unrecognised", ["count", "exclude"])
def test_a_plain_awards_table_is_typed_as_the_field_rules_type_it(monkeypatch, unrecognised) -> None:
    ctx = case.Context.load()
    aliases = ctx.rules.basis_aliases()
    for rows in (AWARDS[:1], AWARDS[:3], AWARDS):
        raw = read_input(rows, "awards", label="request.awards")
        assert table_awards._plain_awards(raw, ctx.currencies) is not None  # the shortcut is taken
        fast = tables.canonical_awards(raw, ctx.currencies, aliases, unrecognised)
        with monkeypatch.context() as m:
            _general(m)
            slow = tables.canonical_awards(
                read_input(rows, "awards", label="request.awards"), ctx.currencies, aliases, unrecognised
            )
        assert _rows(fast) == _rows(slow)


def test_a_plain_application_is_typed_as_the_field_rules_type_it(monkeypatch) -> None:
    ctx = case.Context.load()
    rows = [
        {"orgnr": "912346803", "amount": "150000", "grant_date": "2023-06-01", "application_id": "A"},
        {
            "orgnr": "974760673",
            "amount": "10.5",
            "grant_date": "2021-05-17",
            "currency": "EUR",
            "nace": "56.101",
        },
        {
            "orgnr": "974760673",
            "amount": "10",
            "grant_date": "2021-05-17",
            "scheme": "x",
            "application_id": "A",
        },
        {
            "orgnr": "912346803",
            "amount": "1",
            "grant_date": "2024-02-29",
            "fiscal_year_start": "07-01",
            "in_difficulty_2019": "nei",
        },
    ]
    raw = read_input(rows, "applications", label="request")
    assert table_canonical._plain_applications(raw, ctx.currencies) is not None
    fast = table_canonical._canonical_applications(raw, ctx.currencies, list(SCHEMES))
    with monkeypatch.context() as m:
        _general(m)
        slow = table_canonical._canonical_applications(
            read_input(rows, "applications", label="request"), ctx.currencies, list(SCHEMES)
        )
    assert _rows(fast) == _rows(slow)


@pytest.mark.parametrize("kind", ["awards", "links", "firms", "employer_tax"])
def test_a_small_plain_file_is_read_and_typed_as_the_general_rules_read_it(monkeypatch, kind) -> None:
    ctx = case.Context.load()

    def typed(raw: pl.DataFrame) -> tuple[pl.DataFrame, ...]:
        if kind == "awards":
            return tables.canonical_awards(raw, ctx.currencies, ctx.rules.basis_aliases())
        if kind == "links":
            return tables.canonical_links(raw)
        if kind == "firms":
            return tables.canonical_firms(raw)
        return employer_tax.canonical_rows(raw, employer_tax.load(ctx.rules.directory))

    path = f"{FIXTURES}/{kind}.csv"
    fast = (*tables.read_table_report(path, kind), *typed(read_input(path, kind)))
    with monkeypatch.context() as m:
        _general(m)
        slow = (*tables.read_table_report(path, kind), *typed(read_input(path, kind)))
    assert _rows(fast) == _rows(slow)


def test_clean_records_become_the_same_text_table_as_by_the_general_way(monkeypatch) -> None:
    rows = [
        {"Org.nr.": "912346803", "undertaking_id": "G1", "note": 3},
        {"Org.nr.": "9747", "undertaking_id": ""},
    ]
    fast = read_input(rows, "links", label="request.links", first_row=0)
    with pytest.raises(Exception, match="float"):
        read_input([{"orgnr": "912346803", "undertaking_id": "G", "x": 1.5}], "links")
    with monkeypatch.context() as m:
        _general(m)
        slow = read_input(rows, "links", label="request.links", first_row=0)
    assert fast.schema == slow.schema and fast.rows() == slow.rows()


def test_the_members_of_a_few_links_are_the_components_undertaking_map_finds(monkeypatch) -> None:
    links = pl.DataFrame(
        {"orgnr": ["1", "2", "2", "3", "4", "5", "6"], "undertaking_id": ["a", "a", "b", "b", "c", "c", None]}
    )
    apps = pl.DataFrame({"orgnr": ["3", "9", "6", "4"], "has_error": [False, False, False, True]})
    fast = case._members(apps, links)
    with monkeypatch.context() as m:
        _general(m)
        slow = case._members(apps, links)
    assert fast == slow == ["1", "2", "3", "6", "9"]
