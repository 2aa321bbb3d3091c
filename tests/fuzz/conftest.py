"""Hypothesis profiles for the fuzz suite, and a count of the inputs each property saw.

Default profile ``ci``: few examples, derandomized, the whole suite well under 2 minutes. A longer run:
``DEMINIMIS_FUZZ=long python -m pytest tests/fuzz`` (twenty times as many examples per property).
The counts are printed at the end of the run ("fuzz: inputs per property").
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings

SEEN: Counter[str] = Counter()
_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
# ci: the same examples on every run (a red CI is a reproducible bug, not a dice roll);
# long: new random examples each run, to keep exploring (and DEMINIMIS_FUZZ=random: few of them).
settings.register_profile("ci", max_examples=25, derandomize=True, **_COMMON)
settings.register_profile("random", max_examples=25, derandomize=False, **_COMMON)
settings.register_profile("long", max_examples=500, derandomize=False, **_COMMON)
settings.load_profile(os.environ.get("DEMINIMIS_FUZZ", "ci"))


def seen(name: str) -> None:
    """Count one input of property ``name``."""
    SEEN[name] += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001
    if SEEN:
        terminalreporter.write_sep("-", "fuzz: inputs per property")
        for name, count in sorted(SEEN.items()):
            terminalreporter.write_line(f"{count:6d}  {name}")
