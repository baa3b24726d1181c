"""A small park for dispatch tests: five depots due north of the incident, three resource types."""

from __future__ import annotations

from sqlmodel import select

from models.db import session_scope
from models.directory import Unit, UnitKind
from models.inventory import Depot, DepotKind, ResourceType, Stock
from tasks.dispatch import Position

AT = Position(36.15, 112.27)
SCBA, SAND, EXCAVATOR = "2010101", "3010101", "3020101"
PRICES = {SCBA: 9000.0, SAND: 120.0, EXCAVATOR: 2500.0}
DEPOTS = {  # code: (owner, kind, km north of the incident)
    "near": ("gov", DepotKind.government_reserve, 1.0),
    "mid": ("ent", DepotKind.enterprise_reserve, 2.0),
    "far": ("gov", DepotKind.government_reserve, 3.0),
    "truck": ("fleet", DepotKind.requisitionable, 1.5),
    "yard": ("yard", DepotKind.requisitionable, 4.0),
}
DEFAULT_STOCK = {("near", SCBA): 4, ("mid", SCBA): 6, ("far", SCBA): 10, ("truck", SAND): 30, ("yard", SAND): 50,
                 ("near", SAND): 20, ("yard", EXCAVATOR): 3}


def seed(engine, stock: dict[tuple[str, str], int] | None = None) -> None:
    stock = DEFAULT_STOCK if stock is None else stock
    with session_scope(engine) as session:
        for owner in sorted({o for o, _, _ in DEPOTS.values()}):
            session.add(Unit(code=owner, name_zh=f"示例单位 {owner}", kind=UnitKind.enterprise))
        for code, price in PRICES.items():
            session.add(ResourceType(code=code, name_zh=f"物资 {code}", uom="件", unit_price=price))
        session.flush()
        for code, (owner, kind, km) in DEPOTS.items():
            session.add(Depot(code=code, owner=owner, name_zh=f"示例库 {code}", kind=kind,
                              latitude=AT.latitude + km / 111.195, longitude=AT.longitude))
        session.flush()
        for (depot, rtype), qty in stock.items():
            session.add(Stock(depot=depot, resource_type=rtype, quantity=qty))


def stock_rows(engine) -> dict[tuple[str, str], tuple[int, int]]:
    """{(depot, type): (quantity, reserved)}"""
    with session_scope(engine) as session:
        return {(s.depot, s.resource_type): (s.quantity, s.reserved) for s in session.exec(select(Stock)).all()}
