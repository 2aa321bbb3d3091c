"""A batch decided in chunks writes the same bytes as the batch decided at once."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from deminimis.api import check_batch
from deminimis.batch_chunks import ChunkedDecisions
from deminimis.chunk_tables import FirmRows, groups
from deminimis.cli import main
from deminimis.render.decisions import Decisions
from deminimis.render.tables import read_decision_texts, write
from tests.generated import bench_generate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SIDE = ("awards", "links", "firms", "employer_tax", "events")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """300 applications with linked groups, chains, corporate events, employer tax, dirty rows."""
    folder = tmp_path_factory.mktemp("gen")
    return bench_generate().generate(
        folder, applications=300, awards=3_000, employer_tax=600, seed=11, extras=True
    )


def _files(paths: dict[str, Path]) -> dict[str, Path]:
    return {k: paths[k] for k in SIDE if k in paths}


def _written(result, out: Path, **options) -> bytes:
    write(result.decisions, out, input_errors=result.input_errors, extra=result.extra, **options)
    return out.read_bytes()


def test_generated_set_in_chunks_of_37_writes_the_same_jsonl_and_csv_and_errors(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    whole = check_batch(generated["applications"], **_files(generated))
    chunked = check_batch(generated["applications"], chunk_size=37, **_files(generated))
    assert isinstance(chunked.decisions, ChunkedDecisions)
    assert isinstance(whole.decisions, Decisions)
    for name in ("d.jsonl", "d.json", "d.csv"):
        assert _written(chunked, tmp_path / f"c-{name}") == _written(whole, tmp_path / f"w-{name}"), name
    assert chunked.input_errors == whole.input_errors and whole.input_errors
    assert chunked.routes() == whole.routes()
    assert chunked.exit_code == whole.exit_code == 3
    assert set(whole.routes()) >= {"de_minimis", "gber", "manual_review", "error"}


def test_generated_set_decided_independently_in_chunks_is_the_same(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    whole = check_batch(generated["applications"], independent=True, **_files(generated))
    chunked = check_batch(generated["applications"], independent=True, chunk_size=50, **_files(generated))
    assert _written(chunked, tmp_path / "c.jsonl") == _written(whole, tmp_path / "w.jsonl")


def test_cumulative_batch_in_chunks_is_not_the_independent_one(generated: dict[str, Path]) -> None:
    """The chunks keep the batch's own applications counting for later ones of one undertaking."""
    cumulative = check_batch(generated["applications"], chunk_size=40, **_files(generated)).routes()
    alone = check_batch(generated["applications"], chunk_size=40, independent=True, **_files(generated))
    assert cumulative != alone.routes()


@pytest.mark.parametrize("size", [1, 3])
def test_fixtures_in_chunks_write_the_same_files(size: int, tmp_path: Path) -> None:
    side = {k: FIXTURES / f"{k}.csv" for k in ("awards", "links", "firms", "employer_tax")}
    whole = check_batch(FIXTURES / "applications.csv", **side)
    chunked = check_batch(FIXTURES / "applications.csv", chunk_size=size, **side)
    for name, options in (
        ("d.jsonl", {}),
        ("d.json", {}),
        ("d.csv", {"headers": "nb", "csv_dialect": "excel-nb"}),
    ):
        a = _written(chunked, tmp_path / f"c-{name}", **options)
        assert a == _written(whole, tmp_path / f"w-{name}", **options), name
    _written(chunked, tmp_path / "c.xlsx")
    _written(whole, tmp_path / "w.xlsx")
    assert read_decision_texts(tmp_path / "c.xlsx") == read_decision_texts(tmp_path / "w.xlsx")
    for sheet in ("errors", "counted", "decisions"):
        a, b = (pl.read_excel(tmp_path / f"{k}.xlsx", sheet_name=sheet) for k in "cw")
        assert a.equals(b), sheet


def test_chunked_decisions_index_and_iterate_like_the_list(tmp_path: Path) -> None:
    side = {k: FIXTURES / f"{k}.csv" for k in ("awards", "links", "firms")}
    whole = check_batch(FIXTURES / "applications.csv", **side).decisions
    chunked = check_batch(FIXTURES / "applications.csv", chunk_size=3, **side).decisions
    assert len(chunked) == len(whole) == 8
    assert chunked[7] == whole[7] and chunked[-8] == whole[0] and chunked[2:5] == whole[2:5]
    assert list(chunked) == list(whole)
    with pytest.raises(IndexError):
        chunked[8]


def test_officers_own_columns_reach_every_chunk(tmp_path: Path) -> None:
    apps = pl.read_csv(FIXTURES / "applications.csv", infer_schema=False)
    apps = apps.with_columns(Saksbehandler=pl.format("saksbehandler {}", pl.int_range(pl.len())))
    path = tmp_path / "apps.csv"
    apps.write_csv(path)
    whole = check_batch(path, awards=FIXTURES / "awards.csv")
    chunked = check_batch(path, awards=FIXTURES / "awards.csv", chunk_size=3)
    for name in ("d.jsonl", "d.csv"):
        assert _written(chunked, tmp_path / f"c-{name}") == _written(whole, tmp_path / f"w-{name}")
    assert b"saksbehandler 7" in (tmp_path / "c-d.csv").read_bytes()


def test_groups_join_firms_by_links_on_any_date_and_by_events() -> None:
    links = pl.DataFrame({"orgnr": ["3", "2", "2", "1", "9"], "undertaking_id": ["a", "a", "b", "b", "c"]})
    events = pl.DataFrame({"predecessor_orgnr": ["7"], "successor_orgnr": ["9"]})
    found = dict(groups(links, events).rows())
    assert found == {"1": "1", "2": "1", "3": "1", "7": "7", "9": "7"}


def test_cli_batch_chunk_size_writes_the_same_file(tmp_path: Path) -> None:
    base = ["batch", str(FIXTURES / "applications.csv"), "--awards", str(FIXTURES / "awards.csv")]
    runner = CliRunner()
    a = runner.invoke(main, [*base, "--out", str(tmp_path / "a.jsonl"), "--chunk-size", "2"])
    b = runner.invoke(main, [*base, "--out", str(tmp_path / "b.jsonl"), "--chunk-size", "0"])
    assert a.exit_code == b.exit_code == 3, a.output
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert "--chunk-size" in runner.invoke(main, ["batch", "--help"]).output


def test_cli_default_chunk_is_the_engines() -> None:
    from deminimis.batch_chunks import DEFAULT_CHUNK
    from deminimis.cli import CHUNK_DEFAULT

    assert CHUNK_DEFAULT == DEFAULT_CHUNK == 20_000


def test_a_negative_chunk_size_is_a_clear_input_error() -> None:
    from deminimis.errors import InputError

    with pytest.raises(InputError, match="chunk size -5"):
        check_batch(FIXTURES / "applications.csv", awards=FIXTURES / "awards.csv", chunk_size=-5)
    assert len(check_batch(FIXTURES / "applications.csv", chunk_size=0).decisions) == 8


def test_firm_rows_find_the_rows_a_filter_keeps_in_table_order() -> None:
    orgnr = pl.Series(["b", "a", None, "c", "a", "d", "b", None, "a"])
    rows = FirmRows(orgnr)
    numbered = pl.DataFrame({"orgnr": orgnr}).with_row_index("i")
    for firms in (["a"], ["d", "b"], ["a", "a", "zz"], [], [None, "c"]):
        wanted = pl.Series(firms, dtype=pl.Utf8)
        kept = numbered.filter(pl.col("orgnr").is_in(wanted.implode())).get_column("i")
        assert rows.of(wanted).to_list() == kept.to_list(), firms
    assert rows.of(pl.Series(["a"])).to_list() == [1, 4, 8]


def test_a_chunk_cut_by_the_index_is_the_chunk_cut_by_a_filter(generated: dict[str, Path]) -> None:
    from deminimis.chunk_tables import firm_index, firms_of, restricted

    inputs = check_batch(generated["applications"], chunk_size=50, **_files(generated)).decisions.inputs
    index = firm_index(inputs)
    grouped = groups(inputs.links, inputs.events)
    apps = inputs.applications.slice(100, 60)
    firms = firms_of(apps["orgnr"], grouped)
    by_index, by_filter = restricted(inputs, firms, apps, index), restricted(inputs, firms, apps)
    for name in ("awards", "award_errors", "links", "firms", "employer_tax", "employer_tax_errors", "events"):
        cut, scanned = getattr(by_index, name), getattr(by_filter, name)
        assert (cut is None and scanned is None) or cut.equals(scanned), name
    assert by_index.awards.height > 0 and by_index.awards.height < inputs.awards.height
