"""The ``/v1`` endpoints but batch (:mod:`deminimis.http.batch`).

Why thin: each endpoint validates with the engine's rules (:mod:`.inputs`) and calls the
same Python functions as the CLI (:mod:`deminimis.ledger`), so every front end decides alike.
Endpoints are plain ``def``: the engine is CPU-bound and runs in the server's thread pool.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from deminimis import __version__
from deminimis import orgnr as orgnr_mod
from deminimis.ledger import History, Ledger, NotInitialised, ReservationRecord, check_with_ledger, reserve
from deminimis.ledger import get_reservation as _get_reservation
from deminimis.ledger import grant as _grant
from deminimis.ledger import history as _history
from deminimis.ledger import release as _release
from deminimis.ledger.idempotency import fingerprint
from deminimis.ledger.migrations import require_current
from deminimis.ledger.prior import parse_date
from deminimis.models import Decision

from . import batch
from .inputs import application_errors, application_row, events_file, relabel_file, side_tables
from .schemas import CheckIn, GrantIn, GrantOut, Health, ReservationIn, ReservationOut
from .settings import ApiSettings

public = APIRouter(prefix="/v1", tags=["service"])
router = APIRouter(prefix="/v1")
router.include_router(batch.router)


def get_ledger(request: Request) -> Ledger:
    """The app's ledger; 503 (:class:`NotInitialised`) when it was started without one."""
    ledger = request.app.state.ledger
    if ledger is None:
        raise NotInitialised("this server runs without a ledger (run `deminimis ledger init`)")
    return ledger


def maybe_ledger(request: Request) -> Ledger | None:
    """The app's ledger, or None on a server without one (a check needs none)."""
    return request.app.state.ledger


def get_settings(request: Request) -> ApiSettings:
    return request.app.state.settings


LedgerDep = Annotated[Ledger, Depends(get_ledger)]
MaybeLedgerDep = Annotated[Ledger | None, Depends(maybe_ledger)]
IdempotencyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="a retry with the same key and body returns the first reservation (200); "
        "the same key with another body is refused (409)",
    ),
]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
ActorHeader = Annotated[str | None, Header(alias="X-Actor", description="who acts (audit log)")]
_REFUSED = {"model": ReservationOut, "description": "refused: the decision says why"}


def _actor(*candidates: str | None) -> str:
    return next((c for c in candidates if c), "api")


@public.get("/health", response_model=Health)
def health(ledger: MaybeLedgerDep) -> Health:
    """The service is up and its ledger is usable (``ledger: off`` on a server without one)."""
    if ledger is None:
        return Health(status="ok", version=__version__, ledger="off")
    return Health(
        status="ok",
        version=__version__,
        ledger="on",
        ledger_backend=ledger.backend,
        schema_version=require_current(ledger),
    )


@router.post("/check", response_model=Decision, tags=["check"])
def check(body: CheckIn, ledger: MaybeLedgerDep, settings: SettingsDep) -> Decision:
    """Decide one grant against the ledger's prior aid (+ awards given here). Read-only; on a
    server without a ledger, against the awards given here only."""
    with tempfile.TemporaryDirectory(prefix="deminimis-api-") as tmp:
        errors = application_errors(body, settings)
        rows, links = side_tables(body.awards, body.links, settings, Path(tmp), errors)
        events = events_file(body.events, settings, Path(tmp))
        result = check_with_ledger(
            ledger if body.use_ledger else None,
            awards_rows=rows,
            awards_file=settings.awards_file,
            links=links or settings.links_file,
            events=events,
            unrecognised_basis=body.unrecognised_basis,
            **application_row(body),
            **{**settings.engine_options(), **({"register": True} if body.use_register else {})},
        )
        decisions = list(result.decisions)
        if links is not None:  # the body's links: row i is item i (the file's row i + 2)
            decisions = relabel_file(decisions, links, "request.links", row_offset=-2)
    return decisions[0]


@router.post(
    "/reservations",
    response_model=ReservationOut,
    status_code=201,
    tags=["reservations"],
    responses={200: {"model": ReservationOut, "description": "replayed: the key's first reservation"}}
    | {409: _REFUSED},
)
def create_reservation(
    body: ReservationIn,
    ledger: LedgerDep,
    settings: SettingsDep,
    x_actor: ActorHeader = None,
    idempotency_key: IdempotencyHeader = None,
) -> Any:
    """Check the grant and, only if it fits de minimis, hold its amount (201); else 409.

    With an ``Idempotency-Key`` header, a retry of the same body returns the same reservation
    (200) and another body under that key gets 409."""
    with tempfile.TemporaryDirectory(prefix="deminimis-api-") as tmp:
        errors = application_errors(body, settings)
        rows, links = side_tables(body.awards, body.links, settings, Path(tmp), errors)
        events = events_file(body.events, settings, Path(tmp))
        result = reserve(
            ledger,
            actor=_actor(body.actor, x_actor),
            grantor=body.grantor,
            reference=body.reference,
            awards_rows=rows,
            awards_file=settings.awards_file,
            links=links or settings.links_file,
            ttl=dt.timedelta(days=body.ttl_days),
            events=events,
            unrecognised_basis=body.unrecognised_basis,
            context={"body": body.model_dump()},
            idempotency_key=idempotency_key,
            fingerprint=fingerprint(body.model_dump(mode="json")),
            **application_row(body),
            **settings.engine_options(),
        )
    out = ReservationOut(reservation=result.reservation, decision=result.decision)
    if result.replayed:
        return JSONResponse(out.model_dump(mode="json", by_alias=True), status_code=200)
    if result.accepted:
        return out
    d = result.decision
    if d.route == "error":
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", e.field), "msg": e.message} for e in d.errors]
        )
    detail = (
        f"not reserved: route {d.route} "
        f"(headroom before {d.headroom_before_eur} EUR, new aid {d.new_aid_eur} EUR)"
    )
    return JSONResponse({"detail": detail, **out.model_dump(mode="json", by_alias=True)}, status_code=409)


@router.get("/reservations/{reservation_id}", response_model=ReservationRecord, tags=["reservations"])
def get_reservation(reservation_id: int, ledger: LedgerDep) -> ReservationRecord:
    return _get_reservation(ledger, reservation_id)


@router.post("/reservations/{reservation_id}/grant", response_model=GrantOut, tags=["reservations"])
def grant_reservation(
    reservation_id: int,
    ledger: LedgerDep,
    body: Annotated[GrantIn | None, Body()] = None,
    x_actor: ActorHeader = None,
) -> GrantOut:
    """Make the grant: the reservation becomes an award (re-checked if the date moved)."""
    body = body or GrantIn()
    if body.granted_on is not None and parse_date(body.granted_on) is None:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", "granted_on"), "msg": "use YYYY-MM-DD or DD.MM.YYYY"}]
        )
    result = _grant(ledger, reservation_id, actor=_actor(body.actor, x_actor), granted_on=body.granted_on)
    return GrantOut(reservation=result.reservation, award=result.award, decision=result.decision)


@router.delete("/reservations/{reservation_id}", response_model=ReservationRecord, tags=["reservations"])
def release_reservation(
    reservation_id: int, ledger: LedgerDep, x_actor: ActorHeader = None
) -> ReservationRecord:
    """Free a pending reservation (the grant will not be made)."""
    return _release(ledger, reservation_id, actor=_actor(x_actor))


@router.get("/undertakings/{orgnr}/history", response_model=History, tags=["ledger"])
def undertaking_history(orgnr: str, ledger: LedgerDep) -> History:
    """Awards, reservations and audit events of an orgnr (and undertakings it was part of)."""
    if problem := orgnr_mod.problem(orgnr):
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("path", "orgnr"), "msg": problem, "input": orgnr}]
        )
    return _history(ledger, orgnr)


__all__ = ["public", "router"]
