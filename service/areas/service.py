"""Wards: load boundary files, and tell which ward a point falls in."""

import functools
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from shapely.geometry import MultiPolygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import make_valid
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from classifiers.places import PlaceIndex, Unit
from service.areas.models import Ward
from service.errors import InvalidBoundaryFile, WardNotFound
from service.geo import SRID, as_geography, distance_m, point, within_m

# "named": no coordinates, but the text names the ward (or a unit merged into it); the
# point is the ward's own, as precise as the ward is large.
Match = Literal["inside", "approximate", "outside", "named"]


@dataclass(frozen=True, slots=True)
class WardMatch:
    match: Match
    ward_id: int | None = None
    ward_code: str | None = None
    ward_name: str | None = None
    distance_m: float | None = None


@dataclass(frozen=True, slots=True)
class LoadResult:
    loaded: int
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _WardRow:
    code: str
    name: str
    full_name: str
    type: str
    former_units: list[str]
    properties: dict[str, Any]
    wkt: str


def read_boundary_file(raw: bytes) -> list[dict[str, Any]]:
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidBoundaryFile(f"not a JSON document: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InvalidBoundaryFile("expected a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidBoundaryFile("the FeatureCollection has no features")
    return features


def _to_row(index: int, feature: Any) -> _WardRow:
    where = f"feature {index}"
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        raise InvalidBoundaryFile(f"{where}: not a GeoJSON Feature with properties")
    props: dict[str, Any] = feature["properties"]
    code, name = str(props.get("code") or "").strip(), str(props.get("name") or "").strip()
    if not code or not name:
        raise InvalidBoundaryFile(f"{where}: properties 'code' and 'name' are required")
    geometry = _multipolygon(feature.get("geometry"), f"{where} ({code} {name})")
    former = [p.strip() for p in str(props.get("before_merger") or "").split(",") if p.strip()]
    return _WardRow(
        code=code,
        name=name,
        full_name=str(props.get("full_name") or name),
        type=str(props.get("type") or ""),
        former_units=former,
        properties=props,
        wkt=geometry.wkt,
    )


def _multipolygon(geometry: Any, where: str) -> BaseGeometry:
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        raise InvalidBoundaryFile(f"{where}: geometry must be a Polygon or MultiPolygon")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, IndexError, AttributeError) as exc:
        raise InvalidBoundaryFile(f"{where}: unreadable geometry ({exc})") from exc
    if not geom.is_valid:
        geom = make_valid(geom)
    polygons = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
    if geom.geom_type == "Polygon":
        polygons = [geom]
    if not polygons:
        raise InvalidBoundaryFile(f"{where}: geometry has no area")
    minx, miny, maxx, maxy = MultiPolygon(polygons).bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidBoundaryFile(f"{where}: coordinates are not longitude/latitude (EPSG:4326)")
    return MultiPolygon(polygons)


def load_boundaries(
    session: Session,
    *,
    features: Iterable[Any],
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Insert or replace wards by code. Validates every feature before writing any."""
    rows = [_to_row(i, f) for i, f in enumerate(features)]
    codes = [r.code for r in rows]
    if len(set(codes)) != len(codes):
        raise InvalidBoundaryFile("the file repeats a ward code")
    for done, row in enumerate(rows, start=1):
        values = {
            "code": row.code,
            "name": row.name,
            "full_name": row.full_name,
            "type": row.type,
            "former_units": row.former_units,
            "properties": row.properties,
            "geom": func.ST_GeomFromText(row.wkt, SRID),
        }
        stmt = insert(Ward).values(**values)
        update: dict[str, Any] = {k: stmt.excluded[k] for k in values if k != "code"}
        update["loaded_at"] = func.now()
        session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_=update))
        if progress:
            progress(done)
    session.flush()
    return LoadResult(loaded=len(rows), codes=tuple(codes))


def locate_ward(session: Session, *, lat: float, lon: float, tolerance_m: float) -> WardMatch:
    """The ward covering the point; else the nearest within tolerance, flagged approximate."""
    pt = point(lat=lat, lon=lon)
    inside = session.execute(
        select(Ward.id, Ward.code, Ward.name).where(func.ST_Covers(Ward.geom, pt)).limit(1)
    ).first()
    if inside is not None:
        return WardMatch("inside", inside.id, inside.code, inside.name, 0.0)
    dist = distance_m(Ward.geom, pt)
    near = session.execute(
        select(Ward.id, Ward.code, Ward.name, dist.label("d"))
        .where(within_m(Ward.geom, pt, tolerance_m))
        .order_by(dist)
        .limit(1)
    ).first()
    if near is not None:
        return WardMatch("approximate", near.id, near.code, near.name, round(float(near.d), 1))
    return WardMatch("outside")


@dataclass(frozen=True, slots=True)
class NamedPlace:
    ward: WardMatch
    lat: float
    lon: float
    radius_m: float  # the ward's size: how far off the point may be
    said: str


def ward_named_in(session: Session, *, text: str) -> NamedPlace | None:
    """The ward the text names (current or former name, with or without diacritics)."""
    rows = tuple(
        (code, name, tuple(former or ()), kind)
        for code, name, former, kind in session.execute(
            select(Ward.code, Ward.name, Ward.former_units, Ward.type).order_by(Ward.code)
        )
    )
    found = _place_index(rows).find(text)
    if found is None:
        return None
    row = session.execute(
        select(
            Ward.id,
            func.ST_Y(func.ST_PointOnSurface(Ward.geom)).label("lat"),
            func.ST_X(func.ST_PointOnSurface(Ward.geom)).label("lon"),
            func.ST_Area(as_geography(Ward.geom)).label("area"),
        ).where(Ward.code == found.code)
    ).one()
    return NamedPlace(
        ward=WardMatch("named", row.id, found.code, found.name, None),
        lat=float(row.lat),
        lon=float(row.lon),
        radius_m=round(math.sqrt(float(row.area) / math.pi)),
        said=found.said,
    )


@functools.lru_cache(maxsize=4)
def _place_index(rows: tuple[tuple[str, str, tuple[str, ...], str], ...]) -> PlaceIndex:
    return PlaceIndex(Unit(code, name, former, kind) for code, name, former, kind in rows)


def get_ward_by_code(session: Session, *, code: str) -> Ward:
    ward = session.scalar(select(Ward).where(Ward.code == code))
    if ward is None:
        raise WardNotFound(f"No ward has code {code!r}.")
    return ward


def list_wards(session: Session) -> list[Ward]:
    return list(session.scalars(select(Ward).order_by(Ward.name)))


def ward_names(session: Session, *, codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, name) of these wards, in code order."""
    rows = session.execute(
        select(Ward.code, Ward.name).where(Ward.code.in_(list(codes))).order_by(Ward.code)
    )
    return [(code, name) for code, name in rows]
