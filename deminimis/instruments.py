"""The contract's aid instruments (contract §1 ``instrument``) and their Norwegian names.

Why a module of their own, with no polars: the command line offers them as choices, and
``deminimis serve`` must read its options (the polars thread count among them) before polars
is imported.
"""

from __future__ import annotations

INSTRUMENTS = ("grant", "interest_subsidy", "loan", "guarantee", "capital_injection", "other")
INSTRUMENT_ALIASES = {
    "tilskudd": "grant",
    "rentestøtte": "interest_subsidy",
    "rentesubsidie": "interest_subsidy",
    "lån": "loan",
    "garanti": "guarantee",
    "egenkapital": "capital_injection",
    "kapitalinnskudd": "capital_injection",
    "annet": "other",
    "annen": "other",
}
"""Norwegian words (Støtteregisteret's ``Støtteinstrument``) for the contract's instruments."""
NOMINAL_INSTRUMENTS = ("loan", "guarantee", "capital_injection")
"""Instruments whose ``amount`` is ignored: the nominal amount and the rules give the GGE."""
