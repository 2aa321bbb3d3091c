"""One case: the inputs of a decision assembled once, for every surface.

Why: the CLI, the Python API, the HTTP API, the web page and the ledger all decide through
:func:`decide`. It takes each table in any form (:mod:`deminimis.sources.inputs`), validates it
with the engine's rules (:mod:`deminimis.sources.tables`), asks each *award source* (the ledger,
later the aid register) only for the prior aid of the applicants' single undertakings, and
runs the pipeline (:mod:`deminimis.batch_order`, :mod:`deminimis.cumulation`).

An award source is ``source(orgnrs, since) -> awards``: the typed awards
(:data:`deminimis.sources.schemas.TYPED` ``awards``, provenance set by the source) of those
orgnrs granted on or after ``since`` (None: any date). :func:`decide` asks for every date: a
window bound would make a single check and a batch list different old awards (``counted``
shows them, ``before_window``), and the members alone keep the query small.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from deminimis import employer_tax as employer_tax_mod
from deminimis import fx
from deminimis.batch_order import run_batch
from deminimis.cumulation import Inputs
from deminimis.errors import InputError
from deminimis.events import canonical_events
from deminimis.firms import firm_facts
from deminimis.plan import READERS, sized
from deminimis.render.columnar import build
from deminimis.render.decisions import Decisions
from deminimis.rules import SCHEMES, Rules, load_rules
from deminimis.sources import schemas, tables
from deminimis.sources.extra_columns import Extra
from deminimis.sources.inputs import TableInput, read_all, read_input, several
from deminimis.sources.register_evidence import register_evidence
from deminimis.sources.table_plain import SMALL
from deminimis.undertaking import LINK_SCHEMA, undertaking_map

if TYPE_CHECKING:
    from deminimis.models import Decision, RowError

AwardSource = Callable[[list[str], "dt.date | None"], pl.DataFrame]
Tables = TableInput | Sequence[TableInput] | None
EMPLOYER_TAX_MISSING = ("warn", "assume-max")


@dataclass
class BatchResult:
    decisions: Sequence[Decision]
    """A list, or :class:`~deminimis.render.decisions.Decisions` (objects parsed on access)."""
    input_errors: list[RowError]
    """Broken rows of awards/links/firms/employer-tax tables that belong to no application."""
    ignored: list[RowError] = field(default_factory=list)
    """Rows of the applications file not read as applications (title, blank, totals, a
    repeated header): ``field`` is ``(row)``, ``message`` says why."""
    extra: Extra | None = None
    """The applications file's own columns (Saksbehandler, Kommentar …), for the batch outputs."""

    def routes(self) -> dict[str, int]:
        """Decisions per route, sorted by route (without parsing rendered decisions)."""
        if isinstance(self.decisions, Decisions) or hasattr(self.decisions, "parts"):
            return self.decisions.routes()  # type: ignore[union-attr]  # rendered or chunked
        counts: dict[str, int] = {}
        for d in self.decisions:
            counts[d.route] = counts.get(d.route, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def exit_code(self) -> int:
        """Contract §2: 0 all decided, 3 some rows are errors."""
        bad = "error" in self.routes() or bool(self.input_errors)
        return 3 if bad else 0


@dataclass(frozen=True)
class Context:
    """The law and the rates a decision uses (``--rules``, ``--rates``)."""

    rules: Rules
    rates: pl.DataFrame

    @classmethod
    def load(cls, rules_dir: str | Path | None = None, rates_file: str | Path | None = None) -> Context:
        return cls(
            load_rules(Path(rules_dir) if rules_dir else None),
            fx.load_rates(Path(rates_file) if rates_file else None),
        )

    @property
    def currencies(self) -> list[str]:
        return fx.currencies_of(self.rates)


def awards_table(
    value: TableInput, ctx: Context, unrecognised_basis: str = "count", **options: object
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(typed awards, their errors) of one awards table in any form."""
    raw = read_input(value, "awards", **options)  # type: ignore[arg-type]
    return tables.canonical_awards(raw, ctx.currencies, ctx.rules.basis_aliases(), unrecognised_basis)


def links_table(values: Tables, **options: object) -> tuple[pl.DataFrame, pl.DataFrame]:
    raw = read_all(values, "links", **options)
    if raw is None:
        return pl.DataFrame(schema=LINK_SCHEMA), pl.DataFrame(schema=tables.ERRORS_SCHEMA)
    return tables.canonical_links(raw)


def events_table(values: Tables) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """(typed corporate events, their errors), or (None, None) when none were given."""
    raw = read_all(values, "events")
    return (None, None) if raw is None else canonical_events(raw)


def _linked(applicants: pl.Series, links: pl.DataFrame) -> set[str]:
    """The ``applicants`` and every orgnr sharing a group with them, directly or through a
    chain of groups (as :func:`deminimis.undertaking.undertaking_map`: every row links)."""
    own = set(applicants.to_list())
    if links.height > SMALL:
        umap = undertaking_map(links)
        mine = applicants.unique().to_frame("orgnr")
        keys = mine.join(umap, on="orgnr", how="left").select(pl.coalesce("undertaking_key", "orgnr"))
        linked = umap.filter(pl.col("undertaking_key").is_in(keys.to_series().implode())).get_column("orgnr")
        return own | set(linked.to_list())
    groups: dict[str, set[str]] = {}  # a few links: their components in Python
    firms: dict[str, set[str]] = {}
    pairs = zip(
        links.get_column("orgnr").to_list(), links.get_column("undertaking_id").to_list(), strict=True
    )
    for orgnr, group in pairs:
        if orgnr is not None and group is not None:
            groups.setdefault(orgnr, set()).add(group)
            firms.setdefault(group, set()).add(orgnr)
    found, todo = set(own), list(own)
    while todo:
        for group in groups.get(todo.pop(), ()):
            more = firms[group] - found
            found |= more
            todo.extend(more)
    return found


def _members(apps: pl.DataFrame, links: pl.DataFrame, events: pl.DataFrame | None = None) -> list[str]:
    """The applicants, every firm linked to them on any date, and the predecessors whose aid
    events pass to those firms (a superset: the engine decides what counts on the grant date)."""
    found = _linked(apps.filter(~pl.col("has_error")).get_column("orgnr"), links)
    if events is not None and not events.is_empty():
        edges = events.select("predecessor_orgnr", "successor_orgnr").unique().rows()
        while more := {p for p, s in edges if s in found and p not in found}:  # chains of events
            found |= more
    return sorted(found)


def _name(typed: pl.DataFrame, value: TableInput) -> str:
    """How the decision's ``sources`` names an awards table (its file, upload or label)."""
    if isinstance(value, str | Path):
        return str(value)
    files = typed.get_column("file").unique(maintain_order=True).to_list() if typed.height else []
    return str(files[0]) if files else "awards"


def _consulted(names: list[str], kinds: list[str | None], employer_tax: Tables, inputs: Inputs) -> list[dict]:
    """The sources consulted (the decision's ``sources``), in the order the decision lists them."""
    out = [{"kind": "declaration", "name": n} for n in names]
    out += [{"kind": k, "name": k} for k in dict.fromkeys(k for k in kinds if k)]
    if inputs.register is not None:
        out.append(inputs.register.source.as_dict())
    et = [t for t in several(employer_tax) if isinstance(t, str | Path)]
    out += [{"kind": "employer_tax", "name": str(t)} for t in et]
    return out


def assemble(
    applications: pl.DataFrame,
    ctx: Context,
    *,
    awards: Tables = None,
    links: Tables = None,
    firms: Tables = None,
    employer_tax: Tables = None,
    employer_tax_missing: str = "warn",
    online: bool = False,
    snapshot: str | Path | None = None,
    sources: Sequence[AwardSource] = (),
    register: str | Path | bool | None = None,
    register_snapshot: str | Path | None = None,
    unrecognised_basis: str = "count",
    events: Tables = None,
) -> Inputs:
    """Every input of the applications (a text table from :func:`read_input`), read and
    validated once: the canonical tables :func:`deminimis.cumulation.run` decides."""
    if employer_tax_missing not in EMPLOYER_TAX_MISSING:
        raise InputError(
            f"--employer-tax-missing '{employer_tax_missing}': use one of {EMPLOYER_TAX_MISSING}"
        )
    if unrecognised_basis not in tables.UNRECOGNISED_BASIS:
        raise InputError(
            f"--unrecognised-basis '{unrecognised_basis}': use one of {tables.UNRECOGNISED_BASIS}"
        )
    apps, app_err = tables.canonical_applications(applications, ctx.currencies, list(SCHEMES))
    given = several(awards)
    typed = [awards_table(v, ctx, unrecognised_basis) for v in given]
    typed_names = [_name(t, v) for (t, _), v in zip(typed, given, strict=True)]
    typed = [  # lazy: one query with the concatenation below
        (t.lazy().with_columns(origin=pl.lit(f"input {i + 1}"), source=pl.lit("awards")), e)
        for i, (t, e) in enumerate(typed)
    ]
    ln, ln_err = links_table(links)
    other = [pl.DataFrame(schema=tables.ERRORS_SCHEMA), ln_err]
    fm = None
    if (fm_raw := read_all(firms, "firms")) is not None:
        fm, fm_err = tables.canonical_firms(fm_raw)
        other.append(fm_err)
    et = et_err = None
    if (et_raw := read_all(employer_tax, "employer_tax")) is not None:
        et, et_err = employer_tax_mod.canonical_rows(et_raw, employer_tax_mod.load(ctx.rules.directory))
    ev, ev_err = events_table(events)
    members = _members(apps, ln, ev)
    found = [source(members, None) for source in sources]
    parts = [t for t, _ in typed] + [f.lazy() for f in found]
    aw = pl.concat(parts, how="diagonal_relaxed").collect(engine=READERS) if parts else pl.DataFrame()
    aw_err = (
        pl.concat([e for _, e in typed], how="diagonal_relaxed")
        if typed
        else pl.DataFrame(schema=schemas.ERRORS)
    )
    ok = apps.filter(~pl.col("has_error")).select("orgnr", "grant_date")
    orgnrs = ok.get_column("orgnr").to_list() + ln.get_column("orgnr").to_list()
    facts = firm_facts(fm, orgnrs, online=online, snapshot_dir=Path(snapshot) if snapshot else None)
    # warning no_prior_aid_source: no declaration, ledger or register gave prior aid
    apps = apps.with_columns(prior_source=pl.lit(bool(given) or bool(sources) or bool(register)))
    inputs = Inputs(
        apps, app_err, aw, aw_err, ln, facts, pl.concat(other), et, et_err, employer_tax_missing, ev, ev_err
    )
    grant_dates = ok.get_column("grant_date").to_list()
    inputs.register = register_evidence(
        register, orgnrs, online, register_snapshot, ctx.rules.directory, grant_dates
    )
    kinds = [getattr(s, "kind", None) for s, rows in zip(sources, found, strict=True) if rows.height]
    inputs.sources = _consulted(typed_names, kinds, employer_tax, inputs)
    return inputs


def decide(
    applications: pl.DataFrame,
    ctx: Context,
    *,
    independent: bool = False,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int | None = None,
    **options: Any,
) -> BatchResult:
    """Decide the applications (a text table from :func:`read_input`) against every input
    (``options``: the keywords of :func:`assemble`). ``chunk_size``: decide, render and hand
    to the writer that many applications at a time (:mod:`deminimis.batch_chunks`); the
    decisions are the same, the memory is bounded by the chunk instead of the batch."""
    inputs = assemble(applications, ctx, **options)
    if chunk_size and inputs.applications.height > chunk_size:  # 0 or None: all at once
        from deminimis.batch_chunks import decide_chunked

        return decide_chunked(
            inputs, ctx.rules, ctx.rates, chunk_size, independent=independent, progress=progress
        )
    with sized(inputs.applications.height):
        result = run_batch(inputs, ctx.rules, ctx.rates, independent=independent)
        decisions = build(result, ctx.rules, progress)
    return BatchResult(decisions, row_errors(result.input_errors))


def row_errors(frame: pl.DataFrame) -> list[RowError]:
    """The rows of an error frame as :class:`~deminimis.models.RowError` (none: no model imported,
    so a clean single check never imports pydantic)."""
    if frame.is_empty():
        return []
    from deminimis.models import RowError

    return [RowError(**r) for r in frame.iter_rows(named=True)]


def _with(server: object, given: object) -> list:
    return [t for t in (server, given) if t is not None]


def server_tables(settings: object, **given: object) -> dict[str, object]:
    """Keywords for the engine from a server's settings (``ApiSettings``: firms, awards, links,
    employer tax, snapshot, online, register, rules, rates) with a request's own ``awards``,
    ``links`` and ``employer_tax`` added to the server's (every surface of ``serve``)."""
    return {
        **settings.engine_options(),  # type: ignore[attr-defined]
        "awards": _with(settings.awards_file, given.get("awards")),  # type: ignore[attr-defined]
        "links": _with(settings.links_file, given.get("links")),  # type: ignore[attr-defined]
        "employer_tax": _with(settings.employer_tax_file, given.get("employer_tax")),  # type: ignore[attr-defined]
        "events": _with(settings.events_file, given.get("events")),  # type: ignore[attr-defined]
    }


__all__ = [
    "server_tables",
    "AwardSource",
    "BatchResult",
    "Context",
    "Tables",
    "assemble",
    "awards_table",
    "decide",
    "links_table",
]
