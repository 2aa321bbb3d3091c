"""The columnar renderer gives exactly the decisions of the former row-by-row Python renderer.

:mod:`tests.python_render` is the pre-issue-7 renderer, kept as a readable reference. Both
render the same pipeline result; every decision must be equal field by field (texts in nb and
en, counted awards, rates, ceiling tests, headroom calendar), on the fixtures, on a generated
dataset with dirty rows, and with a hand-made headroom calendar.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path

import polars as pl
import pytest

from deminimis import api
from deminimis.cumulation import Result
from deminimis.render import tables
from deminimis.render.columnar import render
from deminimis.render.decisions import Decisions
from deminimis.rules import load_rules
from tests import python_render
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]


def _result(monkeypatch: pytest.MonkeyPatch, applications: Path, **files: object) -> Result:
    seen: list[Result] = []
    run = api.run

    def keep(*args: object, **kwargs: object) -> Result:
        seen.append(run(*args, **kwargs))  # type: ignore[arg-type]
        return seen[-1]

    monkeypatch.setattr(api, "run", keep)
    api.check_batch(applications, **files)  # type: ignore[arg-type]
    return seen[-1]


def _json(result: Result) -> list[dict]:
    return [json.loads(text) for text in render(result, load_rules())["doc"].struct.json_encode()]


def _assert_same(result: Result) -> int:
    """Same JSON content, and the same CSV / Excel tables from the frame as from objects."""
    objects = python_render.build(result, load_rules())
    old = [d.to_json_dict() for d in objects]
    new = _json(result)
    assert len(old) == len(new)
    for a, b in zip(old, new, strict=True):
        assert a == b, a["application_id"]
    rendered = Decisions(render(result, load_rules()))
    assert rendered == objects
    for table in (tables.flat_rows, tables.counted_rows, tables.error_rows):
        assert table(rendered).equals(table(objects)), table.__name__
    return len(new)


@pytest.mark.parametrize("missing", ["warn", "assume-max"])
def test_fixtures_render_the_same(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    files = {k: FIXTURES / f"{k}.csv" for k in ("awards", "links", "firms", "employer_tax")}
    result = _result(monkeypatch, FIXTURES / "applications.csv", employer_tax_missing=missing, **files)
    assert _assert_same(result) == 8


def test_generated_dataset_renders_the_same(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen
    spec.loader.exec_module(gen)
    paths = gen.generate(tmp_path, applications=400, awards=4_000, employer_tax=800, seed=11)
    files = {k: paths[k] for k in ("awards", "links", "firms", "employer_tax")}
    result = _result(monkeypatch, paths["applications"], **files)
    routes = set(result.decisions.get_column("route").to_list())
    assert routes == {"de_minimis", "gber", "covid_tf", "manual_review", "error"}
    assert _assert_same(result) == 400


def test_a_headroom_calendar_renders_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    files = {k: FIXTURES / f"{k}.csv" for k in ("awards", "links", "firms")}
    result = _result(monkeypatch, FIXTURES / "applications.csv", **files)
    steps = [
        {"date": dt.date(2022, 1, 1), "headroom_cents": -1_50, "freed_cents": 12_345_67, "max_cur_cents": 0},
        {"date": dt.date(2023, 7, 1), "headroom_cents": 9_876_54, "freed_cents": 5, "max_cur_cents": 101_00},
    ]
    dtype = result.decisions.schema["headroom_calendar"]
    calendar = pl.Series("headroom_calendar", [steps] * result.decisions.height, dtype=dtype)
    result.decisions = result.decisions.with_columns(calendar)
    assert _assert_same(result) == 8
    routes = result.decisions.get_column("route").to_list()
    first = _json(result)[routes.index("de_minimis")]
    assert first["headroom_calendar"][0] == {
        "date": "2022-01-01",
        "headroom_eur": "-1.50",
        "freed_eur": "12345.67",
        "max_grant": "0.00",
    }
