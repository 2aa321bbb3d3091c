"""A checked copy of a rules file's loaded object (pickle), so a single check need not re-validate.

Also the parsed message catalogue (``render/messages.toml``).

Why: validating the rules files with pydantic imports it and builds every validator first,
about 100 ms of a single ``deminimis check`` that reads the same unchanged files every time.
The objects are frozen dataclasses (:mod:`deminimis.rule_model`), so reading them back
needs no pydantic. The loaded
object (``Rules``, the employer-tax data, the register rules) is kept in
``$DEMINIMIS_CACHE_DIR/rules`` (else ``$XDG_CACHE_HOME/deminimis/rules``, else
``~/.cache/deminimis/rules``) under a name made of the files' contents, the modules that define and
check it and the library versions: a changed rules file (or a change of that code) is read
and validated again. Only an object that passed validation is
written; any problem reading or writing the cache is silent and costs the validation.
The cache lives in the user's own cache directory, next to the parsed rate table (fx_cache),
and prunes itself the same way (:func:`deminimis.fx_cache.prune`).
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from deminimis.fx_cache import cache_dir as _fx_dir
from deminimis.fx_cache import mark_used, prune, write_atomically

T = TypeVar("T")
VERSION = "1"
"""Bump when a cached object's meaning changes without a change of its modules' files."""


def cache_dir() -> Path:
    """``rules`` next to the rate cache (``~/.cache/deminimis/rules``)."""
    return _fx_dir().parent / "rules"


def _name(kind: str, files: Iterable[Path], modules: Iterable[str]) -> str:
    """The files' names and contents (a few small files: well under a millisecond), code and
    versions; not their folder, so one rules directory named two ways shares one copy."""
    import polars as pl

    digest = hashlib.sha256("|".join([VERSION, kind, sys.version, pl.__version__]).encode())
    for path in [*files, *(sys.modules[m].__file__ for m in modules)]:
        digest.update(Path(path).name.encode() + b"\0" + Path(path).read_bytes())  # type: ignore[arg-type]
    return f"{kind}-{digest.hexdigest()[:24]}.pickle"


def cached(kind: str, files: Iterable[Path], modules: Iterable[str], load: Callable[[], T]) -> T:
    """``load()``'s object, from the cache when a copy for these files and this code exists.

    ``files``: the data files read by ``load``; ``modules``: the modules whose classes and checks
    make the object (their source files are part of the key)."""
    target: Path | None = None
    try:
        target = cache_dir() / _name(kind, files, modules)
        with target.open("rb") as fh:
            value = pickle.load(fh)  # noqa: S301 - our own cache dir, written below
        mark_used(target)
        return value
    except Exception:  # noqa: BLE001 - missing or unusable: load and validate (a missing
        pass  # rules file fails there with its RuleDataError)
    value = load()
    if target is not None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        write_atomically(target, lambda path: path.write_bytes(data))
        prune(target, kind)
    return value


__all__ = ["cache_dir", "cached"]
