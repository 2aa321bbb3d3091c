"""``deminimis fx``: the exchange rates (ECB euro reference rates) used offline."""

from __future__ import annotations

from pathlib import Path

import click

from deminimis.cli_errors import errors_to_exit


@click.group()
def fx() -> None:
    """Exchange rates (ECB euro reference rates) used offline.

    \b
    Examples:
      deminimis fx info      # which rate file, last fixing date
      deminimis fx update    # download the ECB history (online)
    """


@fx.command("update")
@click.option(
    "--dest",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the refreshed history (default: the user data directory).",
)
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request.")
@errors_to_exit
def fx_update(dest: Path | None, timeout: float) -> None:
    """Download the ECB history (online, opt-in); it then takes precedence over the shipped file."""
    from deminimis import fx as fxmod

    result = fxmod.update(dest=dest, timeout=timeout)
    click.echo(
        f"deminimis: {result.rows} rates for {result.currencies} currencies, "
        f"{result.first_date} … {result.last_date}, written to {result.path}"
    )


@fx.command("info")
@errors_to_exit
def fx_info() -> None:
    """Show which rate file is used and its last fixing date."""
    from deminimis import fx as fxmod

    path = fxmod.rates_path()
    rates = fxmod.load_rates(path)
    click.echo(f"{path}\nlast fixing: {rates['rate_date'].max()}; currencies: {rates['currency'].n_unique()}")


__all__ = ["fx"]
