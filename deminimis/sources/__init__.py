"""Where facts come from: input tables (CSV), later Brreg and registers."""
