"""Shared test set-up: never read a user's refreshed rate file; helpers to write CSVs."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMINIMIS_DATA_DIR", str(tmp_path_factory.mktemp("userdata")))
    monkeypatch.setenv("DEMINIMIS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(autouse=True)
def pinned(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, set[int]]]:
    """The CPU pinnings asked of this process (``deminimis.cpu_pin``), recorded, never done:
    ``serve`` run in-process by a test must not tie the whole test run to one CPU. A test of
    real pinning runs it in a subprocess."""
    calls: list[tuple[int, set[int]]] = []
    record = lambda task, cpus: calls.append((task, set(cpus)))  # noqa: E731
    monkeypatch.setattr(os, "sched_setaffinity", record, raising=False)
    monkeypatch.setenv("DEMINIMIS_PIN_CPU", "0")  # serve sets it for its workers: removed after the test
    monkeypatch.delenv("DEMINIMIS_PIN_CPU")
    return calls


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path
