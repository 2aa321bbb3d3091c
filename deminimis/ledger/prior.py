"""Prior aid from the ledger, as the contract's awards CSV the engine already reads.

Why a CSV: the engine (:func:`deminimis.api.check_one`) takes prior aid as an awards file;
writing the ledger out in that form keeps one pipeline and one set of rules, with no change
to the engine. The file holds

- every ledger award (imported or granted), at its own grant date;
- every *live* reservation (pending, not expired) as ``de_minimis`` aid (``de_minimis_sgei``
  for scheme ``sgei``). A reservation *holds* its amount: it counts at its planned grant date,
  or at the date being checked when that is earlier (``as_of``), so that a grant dated before
  a reservation cannot use the headroom the reservation holds;
- optionally the rows of a user's awards file (merged, errors still reported against it).

The decision's ``counted`` entries are then relabelled (:func:`relabel`) from the temporary
file to where each award really lives: the imported file and row, ``ledger:awards`` and the
award id, or ``ledger:reservations`` and the reservation id.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from deminimis.ledger.schema import awards, reservations
from deminimis.models import Decision, RowError, Source
from deminimis.money import format_cents
from deminimis.sources import tables

AWARD_COLUMNS = ("orgnr", "granted_on", "amount", "currency", "basis", "grantor", "reference")
"""The contract's awards columns (§1), in the order :func:`write_awards_csv` writes them."""
PRIOR_COLUMNS = (*AWARD_COLUMNS, "country")
"""The columns of the prior-aid file the engine reads: the awards columns and the granting state
(ledger awards have none: NO)."""
LEDGER_AWARDS = "ledger:awards"
LEDGER_RESERVATIONS = "ledger:reservations"
PathLike = str | Path
Row = dict[str, str | int | None]
"""An awards row as text, with its origin in ``_file`` and ``_row``."""


def parse_date(text: str | dt.date | None) -> dt.date | None:
    """A grant date as the engine reads it (``YYYY-MM-DD`` or ``DD.MM.YYYY``), else None.

    >>> parse_date("17.05.2021"), parse_date("2021-02-30")
    (datetime.date(2021, 5, 17), None)
    """
    if text is None or isinstance(text, dt.date):
        return text
    frame = pl.DataFrame({"d": [str(text)]}, schema={"d": pl.Utf8})
    return frame.select(tables.date_expr("d")).item()


def ledger_rows(
    conn: sa.Connection,
    *,
    now: dt.datetime,
    as_of: dt.date | None = None,
    exclude_reservation: int | None = None,
) -> list[Row]:
    """Ledger awards and live reservations as awards rows (text), with ``_file``/``_row`` origins."""
    rows: list[Row] = []
    for a in conn.execute(sa.select(awards).order_by(awards.c.granted_on, awards.c.id)).mappings():
        imported = a["source"] == "import"
        rows.append(
            {
                "orgnr": a["orgnr"],
                "granted_on": a["granted_on"].isoformat(),
                "amount": format_cents(a["amount_cents"]),
                "currency": a["currency"],
                "basis": a["basis"],
                "grantor": a["grantor"],
                "reference": a["reference"],
                "_file": a["source_file"] if imported else LEDGER_AWARDS,
                "_row": a["source_row"] if imported else a["id"],
            }
        )
    live = sa.select(reservations).where(reservations.c.status == "pending", reservations.c.expires_at > now)
    if exclude_reservation is not None:
        live = live.where(reservations.c.id != exclude_reservation)
    for r in conn.execute(live.order_by(reservations.c.grant_date, reservations.c.id)).mappings():
        held = min(r["grant_date"], as_of) if as_of else r["grant_date"]
        rows.append(
            {
                "orgnr": r["orgnr"],
                "granted_on": held.isoformat(),
                "amount": format_cents(r["amount_cents"]),
                "currency": r["currency"],
                "basis": r["basis"],
                "grantor": r["grantor"],
                "reference": r["reference"] or f"reservation {r['id']}",
                "_file": LEDGER_RESERVATIONS,
                "_row": r["id"],
            }
        )
    return rows


def user_rows(path: PathLike) -> list[Row]:
    """The rows of a user's awards file as text, keeping their own file and row for messages."""
    raw = tables.read_table(path, "awards")
    return [
        {**{c: r.get(c) for c in PRIOR_COLUMNS}, "_file": r["file"], "_row": r["row"]}
        for r in raw.iter_rows(named=True)
    ]


def write_awards_csv(rows: list[Row], path: Path, columns: tuple[str, ...] = AWARD_COLUMNS) -> Path:
    """Write awards rows in the contract's columns (UTF-8, comma, header on row 1)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows([[r.get(c) if r.get(c) is not None else "" for c in columns] for r in rows])
    return path


@dataclass
class PriorAid:
    """A temporary awards file and where each of its rows came from (CSV row -> file, row)."""

    path: Path
    origins: dict[int, tuple[str, int | None]] = field(default_factory=dict)

    def _where(self, file: str | None, row: int | None) -> tuple[str | None, int | None]:
        if file == str(self.path) and row in self.origins:
            return self.origins[row]
        return file, row

    def relabel(self, decision: Decision) -> Decision:
        """The decision with ``counted`` and ``errors`` naming the real origin of each award."""
        counted = []
        for c in decision.counted:
            file, row = self._where(c.file, c.row)
            sources = [self._label(x) for x in c.sources] if c.sources else c.sources
            counted.append(c.model_copy(update={"file": file, "row": row, "sources": sources}))
        counted.sort(key=lambda c: (c.granted_on, c.file or "", c.row if c.row is not None else -1))
        return decision.model_copy(
            update={
                "counted": counted,
                "errors": [self.relabel_error(e) for e in decision.errors],
                "sources": self._sources(decision.sources),
            }
        )

    def _label(self, source: str) -> str:
        """``<prior-aid.csv>:7`` -> the real ``file:row`` of that row."""
        head, _, tail = source.rpartition(":")
        if head == str(self.path) and tail.isdigit():
            file, row = self._where(head, int(tail))
            return f"{file}:{row}" if row is not None else str(file)
        return source

    def _sources(self, sources: list[Source]) -> list[Source]:
        """The temporary file's ``declaration`` entry -> the ledger and the user's own files."""
        from deminimis.render.messages import messages

        out: list[Source] = []
        for s in sources:
            if s.kind != "declaration" or s.name != str(self.path):
                out.append(s)
                continue
            files = dict.fromkeys(f for f, _ in self.origins.values())
            kinds = dict.fromkeys(
                ("ledger", "ledger") if f.startswith("ledger") else ("declaration", f) for f in files
            )
            for kind, name in kinds:
                m = messages()[f"source_{kind}"]
                texts = {k: m[k].format(name=name) for k in ("nb", "en", "limits_nb", "limits_en")}
                out.append(
                    Source(kind=kind, name=name, consulted=True, text_nb=texts["nb"], text_en=texts["en"],
                           limits_nb=texts["limits_nb"], limits_en=texts["limits_en"])
                )  # fmt: skip
        return out

    def relabel_error(self, error: RowError) -> RowError:
        file, row = self._where(error.file, error.row)
        return error.model_copy(update={"file": file, "row": row})


@contextmanager
def prior_aid_file(
    conn: sa.Connection | None,
    *,
    now: dt.datetime,
    as_of: dt.date | None = None,
    extra: PathLike | None = None,
    extra_rows: list[Row] | None = None,
    exclude_reservation: int | None = None,
) -> Iterator[PriorAid]:
    """A temporary awards CSV of the ledger's prior aid (none when ``conn`` is None), plus the
    rows of the file ``extra`` and ``extra_rows`` (text rows with ``_file``/``_row`` labels)."""
    rows = ledger_rows(conn, now=now, as_of=as_of, exclude_reservation=exclude_reservation) if conn else []
    rows += user_rows(extra) if extra is not None else []
    rows += extra_rows or []
    with tempfile.TemporaryDirectory(prefix="deminimis-ledger-") as tmp:
        path = write_awards_csv(rows, Path(tmp) / "prior-aid.csv", PRIOR_COLUMNS)
        origins = {i + 2: (str(r["_file"]), _int(r["_row"])) for i, r in enumerate(rows)}
        yield PriorAid(path, origins)


def _int(value: str | int | None) -> int | None:
    return int(value) if value is not None else None


def links_csv(members: list[str], key: str, path: Path) -> Path:
    """A links file making ``members`` one single undertaking (re-checks of a reservation)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["orgnr", "undertaking_id"])
        writer.writerows([[m, key] for m in members])
    return path


__all__ = [
    "AWARD_COLUMNS",
    "LEDGER_AWARDS",
    "LEDGER_RESERVATIONS",
    "PriorAid",
    "Row",
    "ledger_rows",
    "links_csv",
    "parse_date",
    "prior_aid_file",
    "user_rows",
    "write_awards_csv",
]
