"""The reference's reading of *whose* aid is summed (issue 15), in plain Python (tests only).

Independent of the pipeline: links with their type and validity become a union-find per grant
date; corporate events pass a predecessor's awards on, day by day, to the successor; an award of
another state or of EU funds managed by the Commission is never summed. Used by
:mod:`tests.reference_impl`.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

LINKING = ("", "a", "b", "c", "d", "natural_person")
KINDS = {
    "merger": "merger",
    "fusjon": "merger",
    "acquisition": "acquisition",
    "oppkjøp": "acquisition",
    "split": "split",
    "fisjon": "split",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


@dataclass
class Link:
    orgnr: str
    group: str
    kind: str
    start: dt.date | None
    end: dt.date | None

    def on(self, day: dt.date) -> bool:
        return (
            self.kind != "public_body"
            and (self.start is None or self.start <= day)
            and (self.end is None or day <= self.end)
        )


def read_links(path: Path, ok: Callable[[str], bool], parse_date: Callable) -> list[Link]:
    """The usable link rows (a broken row is reported by the engine and links nothing)."""
    out = []
    for row in _rows(path):
        o = re.sub(r"\s", "", row["orgnr"])
        kind = row.get("link_type", "").lower()
        start = parse_date(row["valid_from"]) if row.get("valid_from") else None
        end = parse_date(row["valid_to"]) if row.get("valid_to") else None
        if not ok(o) or not row["undertaking_id"] or kind not in (*LINKING, "public_body"):
            continue
        if (row.get("valid_from") and start is None) or (row.get("valid_to") and end is None):
            continue
        if start and end and end < start:
            continue
        out.append(Link(o, row["undertaking_id"], kind, start, end))
    return out


def members_on(links: list[Link], orgnr: str, day: dt.date | None) -> list[str]:
    """The single undertaking of ``orgnr`` on ``day``: a union-find over the rows valid then."""
    if day is None:
        return [orgnr]
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    first: dict[str, str] = {}
    for link in links:
        if link.on(day):
            node = "o:" + link.orgnr
            find(node)
            g = first.setdefault(link.group, node)
            a, b = find(node), find(g)
            if a != b:
                parent[max(a, b)] = min(a, b)
    if "o:" + orgnr not in parent:
        return [orgnr]
    root = find("o:" + orgnr)
    return sorted(x[2:] for x in parent if find(x) == root)


def parse_share(text: str) -> Decimal | None:
    s = text.replace(",", ".").strip()
    pct = s.endswith("%")
    s = s.rstrip("%").strip()
    try:
        value = Decimal(s) / (100 if pct else 1)
    except InvalidOperation:
        return None
    return value if 0 <= value <= 1 else None


@dataclass
class Event:
    kind: str
    pred: str
    succ: str
    day: dt.date
    share: Decimal


@dataclass
class Events:
    events: list[Event] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)


def read_events(path: Path | None, ok: Callable[[str], bool], parse_date: Callable) -> Events:
    """Usable events (deduplicated) and the orgnr of every broken row (their applications err)."""
    out = Events()
    if path is None:
        return out
    rows = []
    for row in _rows(path):
        pred, succ = re.sub(r"\s", "", row["predecessor_orgnr"]), re.sub(r"\s", "", row["successor_orgnr"])
        kind = KINDS.get(row["event"].lower())
        day = parse_date(row["effective_date"])
        share = parse_share(row["share"]) if row.get("share") else None
        bad = not ok(pred) or not ok(succ) or kind is None or day is None or pred == succ
        bad = bad or (bool(row.get("share")) and share is None)
        bad = bad or (kind == "split" and share is None) or (kind != "split" and share not in (None, 1))
        rows.append((bad, kind, pred, succ, day, share))
    totals: dict[tuple, Decimal] = {}
    for _, kind, pred, _, day, share in rows:
        if kind == "split" and share is not None:
            totals[(pred, day)] = totals.get((pred, day), Decimal(0)) + share
    seen = set()
    for bad, kind, pred, succ, day, share in rows:
        if bad or (kind == "split" and totals.get((pred, day)) != 1):
            out.broken |= {pred, succ}
        elif (kind, pred, succ, day) not in seen:
            seen.add((kind, pred, succ, day))
            out.events.append(Event(kind, pred, succ, day, share if share is not None else Decimal(1)))
    return out


@dataclass
class Held:
    award: object  # the original award (orgnr, day, cents, currency, basis, country)
    cents: int
    path: tuple[str, ...]


def holdings(events: list[Event], awards: dict[str, list], grant: dt.date) -> dict[str, list[Held]]:
    """Who holds which awards at ``grant``: own awards (of predecessors only; the rest are read
    from ``awards``), plus copies passed on by the events effective on or before it, in date
    order (the events of one day at once)."""
    preds = {e.pred for e in events}
    held: dict[str, list[Held]] = {o: [Held(a, a.cents, ()) for a in awards.get(o, [])] for o in preds}
    days = sorted({e.day for e in events if e.day <= grant})
    for day in days:
        moves = []
        for e in (e for e in events if e.day == day):
            for h in held.get(e.pred, []):
                if h.award.day < day:
                    cents = int((Decimal(h.cents) * e.share).quantize(Decimal(1), rounding=ROUND_HALF_UP))
                    moves.append((e.succ, Held(h.award, cents, (*h.path, e.pred))))
        for succ, h in moves:
            held.setdefault(succ, []).append(h)
    return held


def counted_items(held: dict[str, list[Held]], awards: dict[str, list], members: list[str]) -> list[Held]:
    """The awards of the undertaking: own ones of every member, and copies held by a member
    none of whose earlier holders is a member (the aid is then counted once)."""
    inside = set(members)
    own = [Held(a, a.cents, ()) for m in members for a in awards.get(m, [])]
    copies = [h for m in members for h in held.get(m, []) if h.path and not (set(h.path) & inside)]
    return own + copies


__all__ = ["Event", "Held", "Link", "counted_items", "holdings", "members_on", "read_events", "read_links"]
