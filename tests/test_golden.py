"""Golden decisions: the decision JSON captured before issue 13 changed the engine's inputs.

Why: the input layer, counted-once and cumulative batches were rebuilt under these files, so
the behaviour they pin cannot drift unnoticed. Each golden decision's keys must be present and
equal in today's decision; keys added since (``sources``, ``gge``, ``registration``…) are
allowed, and so are findings added since (a golden reason or warning list must appear in order
inside today's). The batches run with ``independent=True`` (the pre-issue-13 behaviour: each
application alone); tests/test_one_case.py covers the cumulative default.

Regenerate (only for a deliberate change of behaviour, say why in the commit):
``DEMINIMIS_WRITE_GOLDEN=1 python -m pytest tests/test_golden.py``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from deminimis import check, check_batch
from tests.conftest import FIXTURES, write_csv

GOLDEN = Path(__file__).parent / "golden"
GENERATED = GOLDEN / "generated"
WRITE = os.environ.get("DEMINIMIS_WRITE_GOLDEN") == "1"
SIDE = ("awards", "links", "firms", "employer_tax")
FINDINGS = ("reasons", "warnings")
CASES = [
    case
    for path in sorted((Path(__file__).parent / "cases").glob("*.toml"))
    for case in tomllib.loads(path.read_text(encoding="utf-8"))["cases"]
]
AWARD_COLUMNS = [
    "orgnr",
    "granted_on",
    "amount",
    "currency",
    "basis",
    "grantor",
    "reference",
    "country",
    "instrument",
    "nominal_amount",
]


def _load(name: str) -> Any:
    return json.loads(gzip.decompress((GOLDEN / f"{name}.json.gz").read_bytes()))


def _save(name: str, value: Any) -> None:
    GOLDEN.mkdir(exist_ok=True)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    (GOLDEN / f"{name}.json.gz").write_bytes(gzip.compress(text.encode(), mtime=0))


def _subsequence(golden: list, actual: list) -> bool:
    it = iter(actual)
    return all(any(g == a for a in it) for g in golden)


def assert_holds(golden: Any, actual: Any, where: str = "") -> None:
    """Every key of ``golden`` is in ``actual`` with an equal value (extra keys allowed)."""
    if isinstance(golden, dict):
        assert isinstance(actual, dict), where
        for key, value in golden.items():
            assert key in actual, f"{where}.{key} missing"
            if key in FINDINGS:
                assert _subsequence(value, actual[key]), (
                    f"{where}.{key}: {[f['code'] for f in value]} not in {[f['code'] for f in actual[key]]}"
                )
            else:
                assert_holds(value, actual[key], f"{where}.{key}")
    elif isinstance(golden, list):
        assert isinstance(actual, list) and len(actual) == len(golden), f"{where}: {golden} != {actual}"
        for i, (g, a) in enumerate(zip(golden, actual, strict=True)):
            assert_holds(g, a, f"{where}[{i}]")
    else:
        assert golden == actual, f"{where}: {golden!r} != {actual!r}"


def _numbered(text: str) -> str:
    """Side files of behaviour cases are numbered by position; a case added before them shifts it."""
    return re.sub(r"<tmp>/(\w+)-\d+\.csv", r"<tmp>/\1.csv", text)


def _compare(name: str, decisions: list[dict], tmp: Path | None = None) -> None:
    # A temporary directory and the checkout's own folder differ between runs and clones.
    text = json.dumps(decisions, ensure_ascii=False).replace(str(FIXTURES.parent), "<root>")
    if tmp is not None:
        text = text.replace(str(tmp), "<tmp>")
    decisions = json.loads(_numbered(text))
    if WRITE:
        _save(name, decisions)
    golden = json.loads(_numbered(json.dumps(_load(name), ensure_ascii=False)))
    assert len(golden) == len(decisions)
    for g, d in zip(golden, decisions, strict=True):
        assert_holds(g, d, f"{name}:{g.get('application_id')}")


def _batch(applications: Path, **options: Any) -> list[dict]:
    result = check_batch(applications, independent=True, **options)
    return [d.to_json_dict() for d in result.decisions]


def test_readme_batch_is_golden() -> None:
    files = {k: FIXTURES / f"{k}.csv" for k in ("awards", "links", "firms")}
    _compare("fixtures_readme", _batch(FIXTURES / "applications.csv", **files))


@pytest.mark.parametrize("missing", ["warn", "assume-max"])
def test_fixtures_with_employer_tax_are_golden(missing: str) -> None:
    files = {k: FIXTURES / f"{k}.csv" for k in SIDE}
    decisions = _batch(FIXTURES / "applications.csv", employer_tax_missing=missing, **files)
    _compare(f"fixtures_employer_tax_{missing}", decisions)


def test_readme_checks_are_golden() -> None:
    common = {"awards": FIXTURES / "awards.csv", "firms": FIXTURES / "firms.csv"}
    decisions = [
        check(orgnr="912346803", amount="150000", currency="NOK", grant_date="2021-05-17",
              scheme="covid_tf_3_1", **common),
        check(orgnr="974760673", amount="150000", currency="NOK", grant_date="2021-05-17",
              awards=FIXTURES / "awards.csv"),
        check(orgnr="974760673", amount="150000", currency="EUR", grant_date="2021-05-17"),
    ]  # fmt: skip
    _compare("readme_checks", [d.to_json_dict() for d in decisions])


def test_behaviour_cases_are_golden(tmp_path: Path) -> None:
    decisions = []
    for i, case in enumerate(CASES):
        options = dict(case["application"])
        for kind in ("awards", "employer_tax", "links"):
            if kind in case:
                columns = None
                if kind == "awards":  # every contract column, plus those a case adds
                    columns = list(dict.fromkeys([*AWARD_COLUMNS, *(k for r in case[kind] for k in r)]))
                options[kind] = write_csv(tmp_path / f"{kind}-{i}.csv", case[kind], columns)
        decisions.append({"case": case["name"], **check(**options).to_json_dict()})
    if not WRITE:  # cases added since the capture are pinned by tests/test_cases.py
        pinned = {g["case"] for g in _load("cases")}
        decisions = [d for d in decisions if d["case"] in pinned]
    _compare("cases", decisions, tmp_path)


def _generated(tmp_path: Path) -> dict[str, Path]:
    """The generated set's inputs (bench/generate.py, 400 applications, seed 11), as stored."""
    if WRITE:
        from tests.generated import bench_generate

        paths = bench_generate().generate(tmp_path, applications=400, awards=4_000, employer_tax=800, seed=11)
        GENERATED.mkdir(parents=True, exist_ok=True)
        for kind, path in paths.items():
            (GENERATED / f"{kind}.csv.gz").write_bytes(gzip.compress(path.read_bytes(), mtime=0))
    out = {}
    for stored in sorted(GENERATED.glob("*.csv.gz")):
        kind = stored.name.removesuffix(".csv.gz")
        out[kind] = tmp_path / f"{kind}.csv"
        out[kind].write_bytes(gzip.decompress(stored.read_bytes()))
    return out


def test_generated_set_is_golden(tmp_path: Path) -> None:
    paths = _generated(tmp_path)
    decisions = _batch(paths["applications"], **{k: paths[k] for k in SIDE})
    routes = {d["route"] for d in decisions}
    assert routes == {"de_minimis", "gber", "covid_tf", "manual_review", "error"}
    _compare("generated", decisions, tmp_path)
