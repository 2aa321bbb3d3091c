"""Run the behaviour cases of tests/cases/*.toml through the public API."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from deminimis import check
from deminimis.sources.register_read import CSV_COLUMNS
from tests.conftest import write_csv

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


def write_register_csv(path: Path, rows: list[dict]) -> Path:
    """Register rows (raw column names of :mod:`deminimis.sources.register_read`) as the bulk
    file is written: UTF-16 with BOM, ``;``, the Norwegian headers."""
    header = list(CSV_COLUMNS)
    lines = [";".join(header)] + [";".join(str(r.get(CSV_COLUMNS[h], "")) for h in header) for r in rows]
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-16-le"))
    return path


def _null(value: object) -> object:
    return None if value == "__null__" else value


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict, tmp_path: Path) -> None:
    options = dict(case["application"])
    if "awards" in case:
        options["awards"] = write_csv(tmp_path / "awards.csv", case["awards"], AWARD_COLUMNS)
    if "employer_tax" in case:
        options["employer_tax"] = write_csv(tmp_path / "employer_tax.csv", case["employer_tax"])
    if "links" in case:
        options["links"] = write_csv(tmp_path / "links.csv", case["links"])
    if "events" in case:
        options["events"] = write_csv(tmp_path / "events.csv", case["events"])
    if "register" in case:
        options["register"] = write_register_csv(tmp_path / "stoettetildeling.csv", case["register"])
    if "firms" in case:
        options["firms"] = write_csv(tmp_path / "firms.csv", case["firms"])
    decision = check(**options).to_json_dict()
    for key, expected in case["expect"].items():
        if key in ("reasons", "warnings"):
            codes = [f["code"] for f in decision[key]]
            assert set(expected) <= set(codes), f"{key}: {codes}"
        elif key == "counted_why":
            assert [a["why"] for a in decision["counted"]] == expected
        elif key == "error_fields":
            assert [e["field"] for e in decision["errors"]] == expected
        elif key == "counted_eur":
            assert [a["eur"] for a in decision["counted"]] == expected
        elif key == "counted_sources":
            names = [[x.rsplit("/", 1)[-1] for x in a["sources"] or []] for a in decision["counted"]]
            assert names == expected
        elif key == "warnings_absent":
            assert not set(expected) & {f["code"] for f in decision["warnings"]}
        elif key == "reason_citation_contains":
            assert any(expected in (r["citation"] or "") for r in decision["reasons"])
        elif isinstance(expected, dict):
            for sub, value in expected.items():
                assert decision[key] is not None and decision[key][sub] == _null(value), f"{key}.{sub}"
        else:
            assert decision[key] == _null(expected), key
    if case["expect"].get("route") != "error":
        assert decision["route"] != "error", decision["errors"]
