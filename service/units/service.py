"""Organisational units, loaded from data (names change; the department merged in 2025)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from service.errors import ServiceError
from service.units.models import UNIT_KINDS, Unit


class InvalidUnitsFile(ServiceError):
    slug = "invalid-units-file"
    title = "The units file cannot be loaded"
    status = 422


def load_units(session: Session, *, rows: list[dict[str, Any]]) -> int:
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not row.get("slug") or not row.get("name"):
            raise InvalidUnitsFile(f"entry {i}: 'slug' and 'name' are required")
        if row.get("kind") not in UNIT_KINDS:
            raise InvalidUnitsFile(f"entry {i}: kind must be one of {', '.join(UNIT_KINDS)}")
    for row in rows:
        values = {
            "slug": row["slug"],
            "name": row["name"],
            "kind": row["kind"],
            "is_intake_owner": bool(row.get("is_intake_owner", False)),
            "is_active": bool(row.get("is_active", True)),
        }
        stmt = insert(Unit).values(**values)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["slug"], set_={k: stmt.excluded[k] for k in values}
            )
        )
    session.flush()
    return len(rows)


def find_intake_owner(session: Session) -> Unit | None:
    """The unit that owns a case before triage (the IOC, the single focal point)."""
    return session.scalar(
        select(Unit).where(Unit.is_intake_owner.is_(True), Unit.is_active.is_(True)).limit(1)
    )


WARD_UNIT_PREFIX = "ubnd-"


def ward_committee_slug(ward_code: str) -> str:
    return f"{WARD_UNIT_PREFIX}{ward_code}"


def ensure_ward_committees(session: Session, *, wards: list[tuple[str, str]]) -> int:
    """One unit per ward, its people's committee (`ubnd-<code>`, "UBND <ward name>"), which
    takes illegal ads down; renamed with its ward, never duplicated."""
    for code, name in wards:
        values = {
            "slug": ward_committee_slug(code),
            "name": f"UBND {name}",
            "kind": "ward",
            "ward_code": code,
            "is_active": True,
        }
        stmt = insert(Unit).values(**values)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["slug"], set_={k: stmt.excluded[k] for k in values}
            )
        )
    session.flush()
    return len(wards)


def get_unit(session: Session, *, slug: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.slug == slug))


def unit_slugs(session: Session) -> set[str]:
    return set(session.scalars(select(Unit.slug).where(Unit.is_active.is_(True))))
