"""A lowered response level gives back what it no longer needs: farthest first, the ledger balanced."""

from __future__ import annotations

from sqlmodel import select

from models.db import session_scope
from models.dispatch import DispatchNeed, Reservation, ReservationStatus
from models.inventory import Stock
from models.release_store import reduce_need
from tasks.dispatch import Need, Position
from tasks.dispatch_reserve import reserve_with_replan

AT = Position(36.1531, 112.288)


def reserved(engine) -> int:
    with session_scope(engine) as session:
        return sum(s.reserved for s in session.exec(select(Stock).where(Stock.resource_type == "2010101")).all())


def test_reduce_gives_back_the_farthest_units_first(cli, engine):
    cli("init")
    reserve_with_replan(engine, "INC-R", [Need("scba", "2010101", 60, 1, "primary")], AT)
    assert reserved(engine) == 60
    with session_scope(engine) as session:
        held = {r.depot: (r.quantity, r.eta_min) for r in session.exec(select(Reservation)).all()}
    farthest = max(held, key=lambda d: held[d][1])

    with session_scope(engine) as session:
        given = reduce_need(session=session, incident_id="INC-R", need_id="scba", to_quantity=60 - held[farthest][0])
    assert given == held[farthest][0] and reserved(engine) == 60 - given
    with session_scope(engine) as session:
        rows = {r.depot: r for r in session.exec(select(Reservation)).all()}
        need = session.exec(select(DispatchNeed)).one()
    assert rows[farthest].status == ReservationStatus.closed and rows[farthest].released == held[farthest][0]
    assert all(r.status == ReservationStatus.held for d, r in rows.items() if d != farthest)
    assert (need.quantity, need.allocated + need.requisitioned + need.shortfall) == (60 - given, 60 - given)

    with session_scope(engine) as session:
        assert reduce_need(session=session, incident_id="INC-R", need_id="scba", to_quantity=100) == 0
        partial = reduce_need(session=session, incident_id="INC-R", need_id="scba", to_quantity=1)
    assert partial == 60 - given - 1 and reserved(engine) == 1
