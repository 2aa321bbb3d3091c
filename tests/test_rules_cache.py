"""The validated rules kept between processes (rules_cache): the same objects, validated again
when a file changes, never a broken or unvalidated copy, silent when the cache is unusable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deminimis import aga_zones, fx_cache, rules, rules_cache
from deminimis.errors import RuleDataError
from deminimis.render import messages
from deminimis.rules import load_rules
from deminimis.sources import register_rules


def _fresh(directory: Path | None = None) -> rules.Rules:
    load_rules.cache_clear()
    return load_rules(directory)


def _copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(rules.RULES_DIR, tmp_path / "rules", ignore=shutil.ignore_patterns("*.py")))


def test_a_cached_copy_equals_the_validated_rules_and_skips_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _copy(tmp_path)
    first = _fresh(folder)
    assert [p.name.split("-")[0] for p in rules_cache.cache_dir().glob("*.pickle")] == ["rules"]
    monkeypatch.setattr(rules, "_validated", lambda _: pytest.fail("validated again"))
    again = _fresh(folder)
    assert again == first and again is not first
    assert again.regime_frame().equals(first.regime_frame())


def test_a_changed_rules_file_is_validated_again(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    before = _fresh(folder).basis_aliases()
    bases = folder / "bases.toml"
    text = bases.read_text(encoding="utf-8").replace('"bagatellstotte",', '"bagatellstotte", "bagatell x",')
    bases.write_text(text, encoding="utf-8")
    after = _fresh(folder).basis_aliases()
    assert "bagatell x" not in before and after["bagatell x"] == "de_minimis"


def test_broken_rules_are_refused_every_time_and_never_cached(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "sectors.toml").write_text("description = 'x'\nsectors = 3\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(RuleDataError, match="sectors.toml"):
            _fresh(folder)
    assert not list(rules_cache.cache_dir().glob("*.pickle"))


def test_an_unwritable_or_broken_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("DEMINIMIS_CACHE_DIR", str(blocker))
    assert _fresh().regime_frame().height
    monkeypatch.setenv("DEMINIMIS_CACHE_DIR", str(tmp_path / "cache"))
    expected = _fresh()
    for f in rules_cache.cache_dir().glob("*.pickle"):
        f.write_bytes(b"garbage")
    assert _fresh() == expected


def test_the_employer_tax_and_register_rules_and_the_messages_are_cached_the_same_way() -> None:
    loaders = (aga_zones._load, register_rules._load, messages.messages)
    for f in loaders:
        f.cache_clear()
    et, reg, texts = aga_zones.load(), register_rules.load_register_rules(), messages.messages()
    for f in loaders:
        f.cache_clear()
    et_again, reg_again = aga_zones.load(), register_rules.load_register_rules()
    assert et_again.file == et.file and et_again.zones.equals(et.zones)
    assert reg_again == reg and messages.messages() == texts == messages._parse()
    kinds = {p.name.split("-")[0] for p in rules_cache.cache_dir().glob("*.pickle")}
    assert kinds >= {"employer_tax", "register", "messages"}


def test_a_check_read_from_the_cache_imports_no_pydantic(tmp_path: Path) -> None:
    """The cached rules are plain dataclasses: a CLI check (the second, when the first has
    filled the cache) never imports pydantic, about a quarter of ``import polars`` (issue 18)."""
    fx = Path(__file__).parents[1] / "fixtures"
    args = ["check", "--orgnr", "974760673", "--amount", "150000", "--currency", "EUR",
            "--grant-date", "2021-05-17", "--awards", str(fx / "awards.csv"),
            "--links", str(fx / "links.csv"), "--firms", str(fx / "firms.csv"),
            "--employer-tax", str(fx / "employer_tax.csv")]  # fmt: skip
    script = (
        "import sys\n"
        "from deminimis.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "print('pydantic' in sys.modules)\n"
    )
    env = {**os.environ, "DEMINIMIS_CACHE_DIR": str(tmp_path / "cache")}
    run = [sys.executable, "-c", script]
    runs = [subprocess.run(run, env=env, capture_output=True, text=True, check=False) for _ in "12"]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr
    first, second = (r.stdout.strip().splitlines()[-1] for r in runs)
    assert (first, second) == ("True", "False")


def test_a_new_rules_copy_removes_old_ones_of_its_kind_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DEMINIMIS_CACHE_DIR", str(tmp_path / "cache"))
    folder = rules_cache.cache_dir()
    folder.mkdir(parents=True)
    stale_rules, stale_messages = folder / "rules-oldversion.pickle", folder / "messages-oldversion.pickle"
    for path in (stale_rules, stale_messages):
        path.write_bytes(b"x")
        then = path.stat().st_mtime - (fx_cache.KEEP_DAYS + 1) * 86_400
        os.utime(path, (then, then))
    assert _fresh().regime_frame().height  # a miss: validated, written, its kind pruned
    assert not stale_rules.exists() and stale_messages.exists()
    assert len(list(folder.glob("rules-*.pickle"))) == 1
