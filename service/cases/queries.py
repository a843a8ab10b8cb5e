"""The inspectors' case queue: filters and stable keyset pagination."""

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from service.areas.models import Ward
from service.cases.models import Case
from service.errors import InvalidCursor
from service.geo import envelope, point, within_m
from service.textnorm import fold

SortKey = Literal["created_at", "-created_at", "due_at", "-due_at", "updated_at", "-updated_at"]


@dataclass(frozen=True, slots=True)
class Near:
    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True, slots=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True, slots=True)
class CaseFilter:
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    ward_code: str | None = None
    location_match: str | None = None
    near: Near | None = None
    bbox: BBox | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class CasePageResult:
    cases: list[Case]
    next_cursor: str | None


def list_cases(
    session: Session, *, filters: CaseFilter, sort: SortKey, limit: int, cursor: str | None
) -> CasePageResult:
    column_name = sort.lstrip("-")
    descending = sort.startswith("-")
    column = getattr(Case, column_name)
    stmt = _filtered(select(Case), filters)
    if cursor:
        value, last_id = _decode(cursor, column_name)
        after = (
            or_(column < value, and_(column == value, Case.id < last_id))
            if descending
            else or_(column > value, and_(column == value, Case.id > last_id))
        )
        stmt = stmt.where(after)
    order = (column.desc(), Case.id.desc()) if descending else (column.asc(), Case.id.asc())
    rows: list[Case] = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode(column_name, getattr(last, column_name), last.id)
    return CasePageResult(rows, next_cursor)


def _filtered(stmt: Select[Case], f: CaseFilter) -> Select[Case]:
    if f.statuses:
        stmt = stmt.where(Case.status.in_(f.statuses))
    if f.categories:
        stmt = stmt.where(Case.category.in_(f.categories))
    if f.ward_code:
        stmt = stmt.where(Case.ward_id.in_(select(Ward.id).where(Ward.code == f.ward_code)))
    if f.location_match:
        stmt = stmt.where(Case.location_match == f.location_match)
    if f.near:
        stmt = stmt.where(
            within_m(Case.location, point(lat=f.near.lat, lon=f.near.lon), f.near.radius_m)
        )
    if f.bbox:
        box = envelope(
            min_lon=f.bbox.min_lon,
            min_lat=f.bbox.min_lat,
            max_lon=f.bbox.max_lon,
            max_lat=f.bbox.max_lat,
        )
        stmt = stmt.where(func.ST_Intersects(Case.location, box))
    if f.created_from:
        stmt = stmt.where(Case.created_at >= f.created_from)
    if f.created_to:
        stmt = stmt.where(Case.created_at < f.created_to)
    for word in fold(f.text or "").split():
        # Every word, in any order, each at the start of a word of the folded text (so
        # "cap vong" finds "Dây cáp viễn thông võng"); the trigram index serves regexes too.
        stmt = stmt.where(Case.search_text.regexp_match(r"\m" + re.escape(word)))
    return stmt


_MAX_ID = 2**63 - 1  # cases.id is a bigint


def _encode(column: str, value: datetime, case_id: int) -> str:
    raw = json.dumps({"k": column, "v": value.isoformat(), "id": case_id})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, column: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if data["k"] != column:
            raise InvalidCursor("The cursor belongs to a different sort order.")
        case_id = int(data["id"])
        if not 0 < case_id <= _MAX_ID:  # a number PostgreSQL cannot compare is no cursor
            raise ValueError("case id out of range")
        return datetime.fromisoformat(data["v"]), case_id
    except InvalidCursor:
        raise
    except (
        binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError, OverflowError
    ) as exc:  # fmt: skip
        raise InvalidCursor("The cursor is not one this service issued.") from exc
