"""Geometry helpers. Always SRID 4326 with x = longitude, y = latitude."""

from typing import Any

from geoalchemy2 import Geography, WKTElement
from sqlalchemy import ColumnElement, cast, func

SRID = 4326


def point(*, lat: float, lon: float) -> WKTElement:
    return WKTElement(f"POINT({lon!r} {lat!r})", srid=SRID)


def as_geography(geom: Any) -> ColumnElement[Any]:
    return cast(geom, Geography(srid=SRID))


def distance_m(a: Any, b: Any) -> ColumnElement[float]:
    return func.ST_Distance(as_geography(a), as_geography(b))


def within_m(a: Any, b: Any, metres: float) -> ColumnElement[bool]:
    return func.ST_DWithin(as_geography(a), as_geography(b), metres)


def envelope(*, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> Any:
    return func.ST_MakeEnvelope(min_lon, min_lat, max_lon, max_lat, SRID)


def valid_lat_lon(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0
