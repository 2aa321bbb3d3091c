"""Corporate events: aid of a predecessor counts for its successor (2831/1407 Art 3(8)–(9)).

Why: in a merger or acquisition "all prior de minimis aid granted to any of the merging
undertakings shall be taken into account" for new aid to the new or acquiring undertaking
(Art 3(8)); in a split the earlier aid goes to the undertaking that took over the activity,
else pro rata to the book value of equity (Art 3(9)). The aid keeps its original grant date
(Commission Q&A), so the window still decides whether it counts.

The ``events`` table (contract §1): ``event`` (merger, acquisition, split), ``predecessor_orgnr``,
``successor_orgnr``, ``effective_date``, ``share`` (split only: the fraction 0–1 of the
predecessor's earlier aid given to this successor; the shares of one split add up to 1).
:func:`transfers` follows chains in date order: at each effective date, every award held by the
predecessor and granted before that date is copied to the successor × share (half-up to the
cent, in the award's own currency). A copy counts for an application only when its last event
is effective on or before the grant date and no earlier holder of it is itself in the
undertaking (then the aid is already counted once).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import polars as pl

EVENTS = ("merger", "acquisition", "split")
EVENT_ALIASES = {
    "fusjon": "merger",
    "sammenslåing": "merger",
    "oppkjøp": "acquisition",
    "erverv": "acquisition",
    "kjøp": "acquisition",
    "fisjon": "split",
    "deling": "split",
    "demerger": "split",
}
SHARE_SCALE = 10**9
"""Shares are kept as integer billionths (at most nine decimals), so allocation stays exact."""
EVENT_SCHEMA = {
    "event_id": pl.UInt32,
    "file": pl.Utf8,
    "row": pl.Int64,
    "event": pl.Utf8,
    "predecessor_orgnr": pl.Utf8,
    "successor_orgnr": pl.Utf8,
    "effective_date": pl.Date,
    "share_e9": pl.Int64,
}
STEP = pl.Struct(
    {
        "event": pl.Utf8,
        "predecessor_orgnr": pl.Utf8,
        "successor_orgnr": pl.Utf8,
        "effective_date": pl.Date,
        "share_e9": pl.Int64,
    }
)


def parse_share(text: str | None) -> tuple[int | None, str | None]:
    """``0.75``, ``0,75`` or ``75 %`` -> (billionths, problem); empty -> (None, None).

    >>> parse_share("0,75"), parse_share("25 %"), parse_share("1.5")[1]
    ((750000000, None), (250000000, None), "share '1.5' must be between 0 and 1")
    """
    s = (text or "").strip().replace(",", ".").replace("\u00a0", " ")
    if not s:
        return None, None
    percent = s.endswith("%")
    s = s.rstrip("%").strip()
    if not re.fullmatch(r"\d+(?:\.\d+)?", s):
        return None, f"share '{text}' is not a number (e.g. 0.75 or 75 %)"
    try:
        value = Decimal(s) / (100 if percent else 1)
    except InvalidOperation:  # pragma: no cover - the pattern already refuses it
        return None, f"share '{text}' is not a number"
    scaled = value * SHARE_SCALE
    if scaled != scaled.to_integral_value():
        return None, f"share '{text}' has more than nine decimals"
    if not 0 <= value <= 1:
        return None, f"share '{text}' must be between 0 and 1"
    return int(scaled), None


def canonical_events(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Valid event rows (:data:`EVENT_SCHEMA`) and the errors of the others (file, row, field,
    message, orgnr: each error is given for the successor and the predecessor, so that an
    application of either undertaking becomes an error rather than being decided without it)."""
    from deminimis.sources.tables import errors_of, orgnr_problems, with_date

    def checked(frame: pl.DataFrame, col: str) -> pl.DataFrame:
        return orgnr_problems(frame, col).rename({"_orgnr": f"_{col}", "_orgnr_problem": f"_{col}_problem"})

    if "share" not in raw.columns:
        raw = raw.with_columns(share=pl.lit(None, pl.Utf8))
    kind = pl.col("event").fill_null("").str.strip_chars().str.to_lowercase().replace(EVENT_ALIASES)
    f = checked(checked(raw, "predecessor_orgnr"), "successor_orgnr")
    f = with_date(f, "effective_date", "p_date", "_date")
    shares = [parse_share(v) for v in f["share"].to_list()]
    f = f.with_columns(
        _event=kind,
        _share=pl.Series([s for s, _ in shares], dtype=pl.Int64),
        p_share=pl.Series([p for _, p in shares], dtype=pl.Utf8),
    )
    f = f.with_columns(
        p_event=pl.when(~pl.col("_event").is_in(EVENTS)).then(
            pl.format(f"event '{{}}' is not one of {', '.join(EVENTS)}", pl.col("event"))
        ),
        p_same=pl.when(pl.col("_predecessor_orgnr") == pl.col("_successor_orgnr")).then(
            pl.lit("predecessor_orgnr and successor_orgnr are the same")
        ),
    )
    split = pl.col("_event") == "split"
    total = pl.col("_share").sum().over("_predecessor_orgnr", "_date", "_event")
    f = f.with_columns(
        p_share=pl.when(pl.col("p_share").is_not_null())
        .then("p_share")
        .when(split & pl.col("_share").is_null())
        .then(pl.lit("share is missing (a split needs each successor's share)"))
        .when(~split & pl.col("_share").is_not_null() & (pl.col("_share") != SHARE_SCALE))
        .then(pl.lit("share applies to splits only (a merger or acquisition passes on all the aid)"))
        .when(split & (total != SHARE_SCALE))
        .then(
            pl.format(
                "the shares of the split of {} on {} add up to {}, not 1",
                pl.col("_predecessor_orgnr"),
                pl.col("effective_date"),
                (total.cast(pl.Float64) / SHARE_SCALE).round(9).cast(pl.Utf8),
            )
        ),
    )
    problems = {
        "event": "p_event",
        "predecessor_orgnr": "_predecessor_orgnr_problem",
        "successor_orgnr": "_successor_orgnr_problem",
        "effective_date": "p_date",
        "share": "p_share",
        "successor_orgnr/predecessor_orgnr": "p_same",
    }
    errors = errors_of(f, problems)
    ids = f.select("file", "row", a=pl.col("_predecessor_orgnr"), b=pl.col("_successor_orgnr")).unpivot(
        index=["file", "row"], value_name="orgnr"
    )
    errors = errors.join(
        ids.select("file", "row", "orgnr").drop_nulls("orgnr"), on=["file", "row"], how="left"
    )
    bad = pl.any_horizontal(pl.col(list(problems.values())).is_not_null())
    typed = (
        f.filter(~bad)
        .select(
            "file",
            "row",
            event="_event",
            predecessor_orgnr="_predecessor_orgnr",
            successor_orgnr="_successor_orgnr",
            effective_date="_date",
            share_e9=pl.coalesce("_share", pl.lit(SHARE_SCALE)),
        )
        .unique(["event", "predecessor_orgnr", "successor_orgnr", "effective_date"], maintain_order=True)
        .with_row_index("event_id")
    )
    return typed.select(*EVENT_SCHEMA), errors


def _half_up_share(amount: pl.Expr, share: pl.Expr) -> pl.Expr:
    num = amount.cast(pl.Int128) * share.cast(pl.Int128)
    return ((num * 2 + SHARE_SCALE) // (2 * SHARE_SCALE)).cast(pl.Int64)


def transfers(aw: pl.DataFrame, events: pl.DataFrame | None) -> pl.DataFrame:
    """Copies of awards passed on by events, in the shape of ``aw`` plus ``holder``, ``path``
    (earlier holders), ``steps`` (the events, :data:`STEP`) and ``last_event`` (its date).

    ``aw`` has ``aw_idx``, ``orgnr``, ``granted_on``, ``amount_cents`` and the award columns.
    """
    extra = {"holder": pl.Utf8, "path": pl.List(pl.Utf8), "steps": pl.List(STEP), "last_event": pl.Date}
    if events is None or events.is_empty() or aw.is_empty():
        return pl.DataFrame(schema={**aw.schema, **extra})
    held = aw.with_columns(
        holder=pl.col("orgnr"),
        path=pl.lit([], pl.List(pl.Utf8)),
        steps=pl.lit([], pl.List(STEP)),
        last_event=pl.lit(None, pl.Date),
    )
    copies = []
    for (day,), group in events.sort("effective_date").group_by("effective_date", maintain_order=True):
        moved = (
            held.join(group, left_on="holder", right_on="predecessor_orgnr")
            .filter(pl.col("granted_on") < pl.lit(day))
            .with_columns(
                amount_cents=_half_up_share(pl.col("amount_cents"), pl.col("share_e9")),
                path=pl.col("path").list.concat(pl.concat_list(pl.col("holder"))),
                steps=pl.col("steps").list.concat(
                    pl.concat_list(
                        pl.struct(
                            "event",
                            predecessor_orgnr=pl.col("holder"),
                            successor_orgnr="successor_orgnr",
                            effective_date="effective_date",
                            share_e9="share_e9",
                        ).cast(STEP)
                    )
                ),
                holder=pl.col("successor_orgnr"),
                last_event=pl.col("effective_date"),
            )
            .select(held.columns)
        )
        if not moved.is_empty():
            copies.append(moved)
            held = pl.concat([held, moved])  # after the whole day: same-day events do not chain
    if not copies:
        return pl.DataFrame(schema={**aw.schema, **extra})
    return pl.concat(copies)


def _own(rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` as held by their own orgnr: no event passed them on (null lists cost nothing per
    row when there are no events)."""
    return rows.with_columns(
        holder=pl.col("orgnr"),
        path=pl.lit(None, pl.List(pl.Utf8)),
        steps=pl.lit(None, pl.List(STEP)),
        last_event=pl.lit(None, pl.Date),
        is_copy=pl.lit(False),
    )


def with_transfers(aw: pl.DataFrame, events: pl.DataFrame | None) -> pl.DataFrame:
    """``aw`` (own awards, with rates) plus the copies events pass on, each with ``holder`` (who
    holds it now), ``is_copy``, ``path``, ``steps`` and ``last_event``; EUR recomputed for copies
    at the award's own rate (its original grant date)."""
    from deminimis.money import to_eur_cents_expr

    own = _own(aw)
    if events is None or events.is_empty():  # the usual case: nothing is passed on
        return own.with_row_index("aw_uid")
    copies = transfers(aw, events).with_columns(
        eur_cents=to_eur_cents_expr(pl.col("amount_cents"), pl.col("rate_micro")),
        duplicate=pl.lit(False),
        is_copy=pl.lit(True),
    )
    return pl.concat([own, copies.select(own.columns)]).with_row_index("aw_uid")


def with_advantage_transfers(adv: pl.DataFrame, events: pl.DataFrame | None) -> pl.DataFrame:
    """Employer-tax advantage rows (:func:`deminimis.employer_tax_window.employer_tax_rows`) plus
    the copies events pass on, in the columns :func:`with_transfers` adds (and ``aw_uid``).

    Why: the reduced employer's tax of a predecessor in zone Ia is de minimis aid it received
    (avgiftsvedtaket § 4), so it passes to the successor like an award (Art 3(8)–(9)). A row
    whose period began before the effective date is copied × share, its ``orgnr`` set to the
    holder (so the successor's perimeter finds it) and ``et_orgnr`` keeping whose advantage it
    was; a yearly row of the event's year passes whole (the conservative reading)."""
    from deminimis.employer_tax import period_bounds

    rows = adv.with_columns(et_orgnr=pl.col("orgnr"))
    own = _own(rows)
    if events is None or events.is_empty():
        return own.with_row_index("aw_uid")
    as_awards = rows.with_columns(
        granted_on=period_bounds(pl.col("year"), pl.col("month"))[0], amount_cents=pl.col("advantage_cents")
    )
    copies = transfers(as_awards, events)
    if copies.is_empty():
        return own.with_row_index("aw_uid")
    first = (adv["et_id"].max() or 0) + 1
    path = pl.col("path").list.join(">")
    copies = copies.with_columns(
        orgnr=pl.col("holder"),
        advantage_cents=pl.col("amount_cents"),
        et_id=(pl.struct("et_id", "holder", path).rank("dense") + first - 1).cast(adv.schema["et_id"]),
        is_copy=pl.lit(True),
    )
    return pl.concat([own, copies.select(own.columns)]).with_row_index("aw_uid")


def copies_in_force(pairs: pl.DataFrame, member: pl.DataFrame) -> pl.DataFrame:
    """Drop copies whose last event is after the grant date, or an earlier holder of which is in
    the undertaking itself (its aid is then counted already, once)."""
    copies = pairs.filter(pl.col("is_copy"))
    if copies.is_empty():
        return pairs
    blocked = (
        copies.select("idx", "aw_uid", holder=pl.col("path"))
        .explode("holder")
        .join(member.rename({"orgnr": "holder"}), on=["idx", "holder"], how="semi")
        .select("idx", "aw_uid")
        .unique()
    )
    late = copies.filter(pl.col("last_event") > pl.col("grant_date")).select("idx", "aw_uid")
    return pairs.join(pl.concat([blocked, late]), on=["idx", "aw_uid"], how="anti")


def share_text(share_e9: pl.Expr) -> pl.Expr:
    """Billionths as a decimal text: 750000000 -> ``0.75``, 1000000000 -> ``1``."""
    whole = (share_e9 // SHARE_SCALE).cast(pl.Utf8)
    frac = (share_e9 % SHARE_SCALE).cast(pl.Utf8).str.zfill(9).str.strip_chars_end("0")
    return pl.when(frac == "").then(whole).otherwise(pl.concat_str(whole, pl.lit("."), frac))


__all__ = [
    "copies_in_force",
    "with_advantage_transfers",
    "share_text",
    "with_transfers",
    "EVENTS",
    "EVENT_SCHEMA",
    "STEP",
    "canonical_events",
    "parse_share",
    "transfers",
]
