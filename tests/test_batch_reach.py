"""A later pass of a cumulative batch decides again only the applications a change can reach."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from deminimis import batch_order, cumulation
from deminimis.api import check_batch
from deminimis.batch_order import _Reach
from deminimis.cumulation import Inputs
from deminimis.render.tables import write
from tests.generated import bench_generate

SIDE = ("awards", "links", "firms", "employer_tax", "events")
DAY = dt.date(2025, 3, 1)


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "with-events"])
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reach")
    return bench_generate().generate(
        folder, applications=400, awards=4_000, employer_tax=800, seed=5, extras=request.param
    )


def _sides(paths: dict[str, Path]) -> dict[str, Path]:
    return {k: paths[k] for k in SIDE if k in paths}


def _decided(paths: dict[str, Path], out: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, list[int]]:
    """The JSONL of the batch decided at once, and the applications of each ``run`` call."""
    sizes: list[int] = []
    real = cumulation.run

    def counted(inputs: Inputs, *args, **kwargs):  # type: ignore[no-untyped-def]
        sizes.append(inputs.applications.height)
        return real(inputs, *args, **kwargs)

    monkeypatch.setattr(batch_order, "run", counted)
    result = check_batch(paths["applications"], **_sides(paths))
    write(result.decisions, out, input_errors=result.input_errors, extra=result.extra)
    return out.read_bytes(), sizes


def test_deciding_only_the_reached_applications_writes_what_deciding_all_of_them_writes(
    generated: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reached, passes = _decided(generated, tmp_path / "reached.jsonl", monkeypatch)
    everyone = lambda self, changed: self.held.get_column("idx").unique().sort()  # noqa: E731
    monkeypatch.setattr(_Reach, "of", everyone)
    every, all_passes = _decided(generated, tmp_path / "all.jsonl", monkeypatch)
    assert reached == every
    assert passes[0] == all_passes[0] == 400
    assert len(passes) >= 2 and passes[1] < all_passes[1]  # the second pass decides fewer


def _reach(events: pl.DataFrame | None = None, awards: pl.DataFrame | None = None) -> _Reach:
    """Applications 0, 1 (firm A, ranks 1 and 2) and 2 (firm B, linked to A, rank 3)."""
    apps = pl.DataFrame(
        {
            "idx": [0, 1, 2],
            "orgnr": ["A", "A", "B"],
            "grant_date": [DAY] * 3,
            "amount_cents": [100_00, 200_00, 300_00],
            "currency": ["NOK"] * 3,
            "application_id": ["a1", "a2", "b1"],
            "batch_rank": [1, 2, 3],
        },
        schema_overrides={"idx": pl.UInt32},
    )
    first = apps.select("idx", members=pl.lit(["A", "B"]))
    given = awards if awards is not None else pl.DataFrame(
        schema={"orgnr": pl.Utf8, "granted_on": pl.Date, "amount_cents": pl.Int64,
                "currency": pl.Utf8, "reference": pl.Utf8}
    )  # fmt: skip
    empty = pl.DataFrame()
    inputs = Inputs(apps, empty, given, empty, empty, events=events)
    return _Reach(first, apps, given, inputs)


def _of(reach: _Reach, *changed: int) -> list[int]:
    return reach.of(pl.Series("idx", changed, pl.UInt32)).to_list()


def test_a_change_reaches_the_applications_ranked_after_it_only() -> None:
    reach = _reach()
    assert _of(reach, 0) == [1, 2]
    assert _of(reach, 1) == [2]
    assert _of(reach, 2) == []


def test_an_application_that_looks_like_a_declared_award_reaches_every_member() -> None:
    row = {"orgnr": "B", "granted_on": DAY, "amount_cents": 300_00, "currency": "NOK", "reference": "b1"}
    twin = pl.DataFrame([row])
    assert _of(_reach(awards=twin), 2) == [0, 1, 2]
    assert _of(_reach(awards=twin.with_columns(reference=pl.lit("other"))), 2) == []


def test_an_undertaking_holding_a_party_to_an_event_is_always_reached() -> None:
    events = pl.DataFrame({"predecessor_orgnr": ["B"], "successor_orgnr": ["C"]})
    assert _of(_reach(events=events), 2) == [0, 1, 2]


def test_settled_routes_are_the_final_routes_of_every_application_that_reaches_another(
    generated: dict[str, Path],
) -> None:
    d = check_batch(generated["applications"], chunk_size=50, **_sides(generated)).decisions
    settled = batch_order.settled_routes(d.inputs, d.rules, d.rates)
    final = batch_order.run_batch(d.inputs, d.rules, d.rates).decisions.select("idx", "route")
    shared = d.ranks.filter(pl.col("batch_others_n") > 0).get_column("idx")
    counting = final.filter(
        pl.col("idx").is_in(shared.implode()) & pl.col("route").is_in(batch_order.COUNTS_FOR_LATER)
    )
    assert settled.join(final, on="idx").filter(pl.col("route") != pl.col("route_right")).is_empty()
    assert 0 < settled.height < counting.height  # the last of each undertaking is left out
    assert settled.join(counting, on=["idx", "route"], how="anti").is_empty()
