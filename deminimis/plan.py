"""How the engine collects its lazy plans.

Polars 2 runs a ``collect()`` on its streaming engine by default; for the small frames of one
check that engine's start-up costs more than the query (a check took 146 ms of CPU with it and
111 ms with the in-memory engine; a 10,000-application batch was no slower in memory). The
engine's plans therefore name the engine they run on, without changing the caller's polars
configuration.
"""

from __future__ import annotations

ENGINE = "in-memory"
"""The ``engine=`` of every ``collect`` on a decision path."""
