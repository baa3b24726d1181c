"""Persistence of the directory and the inventory: keyword-only functions that take the session.

An import is applied in the caller's transaction: if anything fails, the caller's `session_scope` rolls
everything back and the database stays exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, select

from models.directory import Liaison, LiaisonBase, LiaisonRole, Park, Unit, UnitBase, UnitKind, UnitPublic
from models.inventory import Depot, DepotBase, ResourceType, ResourceTypeBase, Stock, StockBase, StockPublic
from models.playbook.references import Catalog
from models.types import utcnow


@dataclass
class ImportSummary:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {"added": self.added, "changed": self.changed, "deactivated": self.deactivated,
                "unchanged": self.unchanged}


def _apply(obj, values: dict) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def known_codes(session: Session) -> dict[str, set[str]]:
    return {
        "units": set(session.exec(select(Unit.code)).all()),
        "depots": set(session.exec(select(Depot.code)).all()),
        "types": set(session.exec(select(ResourceType.code)).all()),
    }


def reserved_map(session: Session) -> dict[tuple[str, str], int]:
    rows = session.exec(select(Stock).where(Stock.reserved > 0)).all()
    return {(s.depot, s.resource_type): s.reserved for s in rows}


def import_directory(*, session: Session, units: list[UnitBase], liaisons: list[LiaisonBase],
                     prune: bool = False, park: tuple[str, str | None] | None = None) -> ImportSummary:
    """Upsert units by code; each imported unit's liaisons become exactly the file's (others deactivated).

    With `prune`, units missing from the file are deactivated with their liaisons. `park`: the park's
    (zh, en) names, when the file gives them.
    """
    summary = ImportSummary()
    if park is not None:
        set_park(session=session, name_zh=park[0], name_en=park[1])
    existing = _upsert_units(session, units, summary)
    _replace_liaisons(session, units, liaisons, summary)
    if prune:
        imported = {u.code for u in units}
        for code, row in existing.items():
            if code not in imported and row.active:
                row.active = False
                summary.deactivated.append(f"unit {code} {row.name_zh}")
                for li in session.exec(select(Liaison).where(Liaison.unit == code, Liaison.active)).all():
                    li.active = False
    session.flush()
    return summary


def _upsert_units(session: Session, units: list[UnitBase], summary: ImportSummary) -> dict[str, Unit]:
    """Units first without parents (a parent may come later in the file), then parents; every unit by code."""
    existing = {u.code: u for u in session.exec(select(Unit)).all()}
    for unit in units:
        values = unit.model_dump(exclude={"parent"})
        row = existing.get(unit.code)
        if row is None:
            row = Unit(**values)
            session.add(row)
            existing[unit.code] = row
            summary.added.append(f"unit {unit.code} {unit.name_zh}")
        elif _apply(row, values) | (row.parent != unit.parent):
            summary.changed.append(f"unit {unit.code} {unit.name_zh}")
        else:
            summary.unchanged += 1
    session.flush()
    for unit in units:
        existing[unit.code].parent = unit.parent
    session.flush()
    return existing


def _replace_liaisons(session: Session, units: list[UnitBase], liaisons: list[LiaisonBase],
                      summary: ImportSummary) -> None:
    """Each imported unit's liaisons become the file's: by (name, role), others deactivated."""
    by_unit: dict[str, list[LiaisonBase]] = {}
    for li in liaisons:
        by_unit.setdefault(li.unit, []).append(li)
    inserts: list[Liaison] = []
    for unit in units:
        current = {(li.name, li.role): li for li in session.exec(select(Liaison).where(Liaison.unit == unit.code)).all()}
        wanted = {(li.name, li.role): li for li in by_unit.get(unit.code, [])}
        for key, row in current.items():
            if key not in wanted and row.active:
                row.active = False
                summary.deactivated.append(f"liaison {unit.code}/{row.name} ({row.role})")
        for key, li in wanted.items():
            values = li.model_dump(exclude={"last_verified_at"})
            row = current.get(key)
            if row is None:
                inserts.append(Liaison(**values))
                summary.added.append(f"liaison {unit.code}/{li.name} ({li.role})")
            elif _apply(row, values):
                summary.changed.append(f"liaison {unit.code}/{li.name} ({li.role})")
            else:
                summary.unchanged += 1
    session.flush()  # deactivations before inserts: one active primary per unit at every moment
    session.add_all(inserts)


def import_inventory(*, session: Session, resource_types: list[ResourceTypeBase], depots: list[DepotBase],
                     stock: list[StockBase]) -> ImportSummary:
    summary = ImportSummary()
    for model, items, key in ((ResourceType, resource_types, ("code",)), (Depot, depots, ("code",)),
                              (Stock, stock, ("depot", "resource_type"))):
        for item in items:
            ident = tuple(getattr(item, k) for k in key)
            label = f"{model.__tablename__} {'/'.join(ident)}"
            row = session.get(model, ident if len(ident) > 1 else ident[0])
            if row is None:
                session.add(model(**item.model_dump()))
                summary.added.append(label)
            elif _apply(row, item.model_dump()):
                summary.changed.append(label)
            else:
                summary.unchanged += 1
        session.flush()
    return summary


def list_units(*, session: Session, kind: str | None = None, include_inactive: bool = False) -> list[UnitPublic]:
    query = select(Unit).order_by(Unit.code)
    if kind:
        query = query.where(Unit.kind == kind)
    if not include_inactive:
        query = query.where(Unit.active)
    heads = {li.unit: li for li in session.exec(select(Liaison).where(Liaison.role == LiaisonRole.head, Liaison.active)).all()}
    out = []
    for unit in session.exec(query).all():
        head = heads.get(unit.code)
        out.append(UnitPublic(**unit.model_dump(), head_name=head.name if head else None,
                              head_phone=head.phone if head else None))
    return out


def list_liaisons(*, session: Session, unit: str | None = None, active_only: bool = True) -> list[Liaison]:
    query = select(Liaison).order_by(Liaison.unit, Liaison.role, Liaison.name)
    if unit:
        query = query.where(Liaison.unit == unit)
    if active_only:
        query = query.where(Liaison.active)
    return list(session.exec(query).all())


def primary_liaison(*, session: Session, unit: str) -> Liaison | None:
    """The unit's active primary liaison (there is at most one)."""
    return session.exec(select(Liaison).where(Liaison.unit == unit, Liaison.role == LiaisonRole.primary,
                                              Liaison.active)).first()


def list_stock(*, session: Session, resource_type: str | None = None, depot: str | None = None) -> list[StockPublic]:
    query = (select(Stock, Depot, ResourceType).join(Depot, Depot.code == Stock.depot)
             .join(ResourceType, ResourceType.code == Stock.resource_type).order_by(Stock.depot, Stock.resource_type))
    if resource_type:
        query = query.where(Stock.resource_type == resource_type)
    if depot:
        query = query.where(Stock.depot == depot)
    return [
        StockPublic(**s.model_dump(), available=s.quantity - s.reserved, latitude=d.latitude, longitude=d.longitude,
                    depot_kind=d.kind, depot_name_zh=d.name_zh, resource_name_zh=t.name_zh, uom=t.uom)
        for s, d, t in session.exec(query).all()
    ]


def list_depots(*, session: Session) -> list[Depot]:
    return list(session.exec(select(Depot).order_by(Depot.code)).all())


def list_resource_types(*, session: Session) -> list[ResourceType]:
    return list(session.exec(select(ResourceType).order_by(ResourceType.code)).all())


def playbook_catalog(*, session: Session) -> Catalog:
    """What playbooks may name, from the record: the active units (the deactivated ones too, to say so) and
    the resource types, with their Chinese names."""
    units = list_units(session=session, include_inactive=True)
    return Catalog(
        units={u.code: u.name_zh for u in units if u.active},
        inactive_units={u.code: u.name_zh for u in units if not u.active},
        resource_types={t.code: t.name_zh for t in list_resource_types(session=session)},
        origin="database",
    )


@dataclass
class DirectoryProblem:
    unit: str
    liaison: str | None
    problem: str


def directory_problems(*, session: Session, max_age_days: int, now: datetime | None = None) -> list[DirectoryProblem]:
    """Active units without an active reachable primary; liaisons not verified within `max_age_days`."""
    now = now or utcnow()
    cutoff = now - timedelta(days=max_age_days)
    problems = []
    liaisons = list_liaisons(session=session)
    by_unit: dict[str, list[Liaison]] = {}
    for li in liaisons:
        by_unit.setdefault(li.unit, []).append(li)
    for unit in session.exec(select(Unit).where(Unit.active).order_by(Unit.code)).all():
        primaries = [li for li in by_unit.get(unit.code, []) if li.role == LiaisonRole.primary]
        if not primaries:
            problems.append(DirectoryProblem(unit.code, None, "no_active_primary"))
        elif not any(primaries[0].address(c) for c in primaries[0].channel_order()):
            problems.append(DirectoryProblem(unit.code, primaries[0].name, "primary_unreachable"))
        for li in by_unit.get(unit.code, []):
            if li.role in (LiaisonRole.head, LiaisonRole.duty_staff):  # not the liaisons a check verifies
                continue
            if li.last_verified_at is None:
                problems.append(DirectoryProblem(unit.code, li.name, "never_verified"))
            elif li.last_verified_at < cutoff:
                problems.append(DirectoryProblem(unit.code, li.name, "verification_stale"))
    return problems


def get_unit(*, session: Session, code: str) -> Unit | None:
    return session.get(Unit, code)


def unit_names(*, session: Session) -> dict[str, tuple[str, str]]:
    """code → (zh name, en name — the zh one when the directory has none)."""
    return {u.code: (u.name_zh, u.name_en or u.name_zh) for u in session.exec(select(Unit)).all()}


def set_park(*, session: Session, name_zh: str, name_en: str | None) -> bool:
    """Record the park's names; True when they changed."""
    park = session.get(Park, 1)
    if park is None:
        session.add(Park(id=1, name_zh=name_zh, name_en=name_en))
        return True
    return _apply(park, {"name_zh": name_zh, "name_en": name_en})


def get_park(*, session: Session) -> Park:
    """The park's names: the directory's `park:` section, else its top park body's (the management committee)."""
    park = session.get(Park, 1)
    if park is not None:
        return park
    top = session.exec(select(Unit).where(Unit.kind == UnitKind.park_body, Unit.parent.is_(None))
                       .order_by(Unit.code)).first()
    return Park(name_zh=top.name_zh if top else "—", name_en=top.name_en if top else None)
