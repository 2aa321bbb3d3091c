"""The Arrow copy of the rate table: same frame, refreshed on change, silent when unusable."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from deminimis import fx, fx_cache


def _fresh(path: Path):
    fx._load.cache_clear()
    return fx.load_rates(path)


def test_the_cached_table_equals_the_parsed_one(tmp_path: Path) -> None:
    table = shutil.copy(fx.SHIPPED_RATES, tmp_path / "rates.csv")
    first = _fresh(Path(table))
    assert list(fx_cache.cache_dir().glob("rates-*.arrow"))
    assert _fresh(Path(table)).equals(first)
    assert first.equals(fx._parse(Path(table).resolve()))


def test_a_changed_table_is_parsed_again(tmp_path: Path) -> None:
    table = tmp_path / "rates.csv"
    table.write_text("date,currency,rate\n2021-05-17,NOK,10.0665\n", encoding="utf-8")
    assert _fresh(table)["rate"].to_list() == ["10.0665"]
    table.write_text("date,currency,rate\n2021-05-17,NOK,10.1234\n", encoding="utf-8")
    os.utime(table, ns=(table.stat().st_atime_ns, table.stat().st_mtime_ns + 10**9))
    assert _fresh(table)["rate"].to_list() == ["10.1234"]


def test_an_unwritable_or_broken_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("DEMINIMIS_CACHE_DIR", str(blocker))
    assert _fresh(fx.SHIPPED_RATES).height > 100_000
    monkeypatch.setenv("DEMINIMIS_CACHE_DIR", str(tmp_path / "cache"))
    _fresh(fx.SHIPPED_RATES)
    for f in fx_cache.cache_dir().glob("rates-*.arrow"):
        f.write_bytes(b"garbage")
    assert _fresh(fx.SHIPPED_RATES).height > 100_000


def _age(path: Path, days: float) -> None:
    then = path.stat().st_mtime - days * 86_400
    os.utime(path, (then, then))


def test_writing_a_copy_removes_the_copies_unread_for_keep_days(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DEMINIMIS_CACHE_DIR", str(tmp_path / "cache"))
    folder = fx_cache.cache_dir()
    folder.mkdir(parents=True)
    old, recent, other = folder / "rates-old.arrow", folder / "rates-recent.arrow", folder / "notes-old.txt"
    leftover = folder / ".rates-killed-writer.tmp"
    for path in (old, recent, other, leftover):
        path.write_bytes(b"x")
    for path in (old, other, leftover):
        _age(path, fx_cache.KEEP_DAYS + 1)
    _age(recent, fx_cache.KEEP_DAYS - 1)
    table = Path(shutil.copy(fx.SHIPPED_RATES, tmp_path / "rates.csv"))
    _fresh(table)  # a cache miss: parsed, written, the folder pruned
    written = [p for p in folder.glob("rates-*.arrow") if p not in (old, recent)]
    assert len(written) == 1 and not old.exists() and not leftover.exists()
    assert recent.exists() and other.exists()  # read lately, or not a rate copy: kept


def test_reading_a_copy_marks_it_used_so_it_is_kept(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DEMINIMIS_CACHE_DIR", str(tmp_path / "cache"))
    table = Path(shutil.copy(fx.SHIPPED_RATES, tmp_path / "rates.csv"))
    _fresh(table)
    (copy,) = fx_cache.cache_dir().glob("rates-*.arrow")
    _age(copy, fx_cache.KEEP_DAYS + 1)
    _fresh(table)  # a hit: read and marked
    fx_cache.prune(fx_cache.cache_dir() / "rates-new.arrow", "rates")
    assert copy.exists()
