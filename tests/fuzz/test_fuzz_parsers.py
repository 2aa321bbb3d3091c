"""Fuzzing the orgnr, date and amount parsers: no exception escapes, and the fast polars rules
agree with their plain definitions (orgnr: 9 digits and MOD11; dates: a real calendar day)."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from deminimis import orgnr
from deminimis.sources import tables

from .conftest import seen

DIGITS = st.text(alphabet="0123456789 ", min_size=0, max_size=12)
TEXT = st.one_of(
    DIGITS, st.text(max_size=15), st.sampled_from(["１２３４５６７８９", "٩١٢٣٤٦٨٠٣", "912 346 803"])
)


def _mod11(text: str) -> bool:
    digits = re.sub(r"\s", "", text)
    if not re.fullmatch(r"[0-9]{9}", digits):
        return False
    return sum(int(d) * w for d, w in zip(digits, (3, 2, 7, 6, 5, 4, 3, 2, 1), strict=True)) % 11 == 0


@given(values=st.lists(TEXT, min_size=1, max_size=20))
def test_orgnr_rules_agree_with_mod11_on_any_text(values: list[str]) -> None:
    seen("parsers: orgnr texts")
    frame = tables.orgnr_problems(pl.DataFrame({"orgnr": values}, schema={"orgnr": pl.Utf8}))
    for value, problem in zip(values, frame.get_column("_orgnr_problem").to_list(), strict=True):
        if value.isascii():
            assert (problem is None) == _mod11(value), value
        assert (problem is None) == (orgnr.problem(re.sub(r"\s", " ", value)) is None), value


DATES = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1)).map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%d.%m.%Y") if d.year >= 1000 else d.isoformat()),
    st.from_regex(r"\A\d{1,4}[-.]\d{1,2}[-.]\d{1,4}\Z"),
    st.text(max_size=12),
)


def _real_day(text: str) -> bool:
    text = text.strip()
    for fmt, pattern in (("%Y-%m-%d", r"\d{4}-\d{1,2}-\d{1,2}"), ("%d.%m.%Y", r"\d{1,2}\.\d{1,2}\.\d{4}")):
        if re.fullmatch(pattern, text, flags=re.ASCII):
            try:
                day = dt.datetime.strptime(text, fmt).date()
            except ValueError:
                return False
            return tables.DATE_RANGE[0] <= day <= tables.DATE_RANGE[1]  # the reader's plausible years
    return False


@given(values=st.lists(DATES, min_size=1, max_size=20))
def test_date_rules_accept_every_real_calendar_day_of_plausible_years(values: list[str]) -> None:
    seen("parsers: date texts")
    frame = pl.DataFrame({"d": values}, schema={"d": pl.Utf8}).with_columns(
        parsed=tables.date_expr("d"), problem=tables.date_problem("d")
    )
    for value, parsed, problem in frame.iter_rows():
        if _real_day(value):
            assert parsed is not None and problem is None, value
        if problem is None:
            assert parsed is not None


AMOUNTS = st.one_of(
    st.text(max_size=20),
    st.decimals(allow_nan=False).map(str),
    st.sampled_from(["١٢٣", "１２３", "१२३", "EUR 250000", "٣٠٠٠٠٠٠", "kr 1 234 567,89"]),
)


@given(values=st.lists(AMOUNTS, min_size=1, max_size=20))
def test_the_amount_rules_never_raise_and_flag_every_unparsed_amount(values: list[str]) -> None:
    seen("parsers: amount texts")
    frame = pl.DataFrame({"a": values}, schema={"a": pl.Utf8})
    out = tables.with_amount(frame, "a", "p", "c")
    for value, problem, cents in out.select("a", "p", "c").iter_rows():
        assert (problem is None) <= (cents is not None), value  # no amount passes as null
