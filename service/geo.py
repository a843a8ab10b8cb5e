"""Geometry helpers. Always SRID 4326 with x = longitude, y = latitude."""

import math
from typing import Any

from geoalchemy2 import Geography, WKTElement
from sqlalchemy import ColumnElement, cast, func

SRID = 4326
_METRES_PER_DEGREE = 111_320.0  # of latitude; of longitude at the equator


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


def snap_to_grid(*, lat: float, lon: float, metres: float) -> tuple[float, float]:
    """The centre of the cell, about `metres` on a side, that holds the point.

    Rows are `metres` of latitude; each row is cut into cells `metres` of longitude wide at
    the row's centre. Every point of a cell gives the same answer, so the answer tells the
    cell, never where in it (at most ~0.71 x `metres` from the point)."""
    lat_step = metres / _METRES_PER_DEGREE
    row_lat = min(90.0, max(-90.0, (math.floor(lat / lat_step) + 0.5) * lat_step))
    lon_step = metres / (_METRES_PER_DEGREE * max(math.cos(math.radians(row_lat)), 1e-9))
    cell_lon = min(180.0, max(-180.0, (math.floor(lon / lon_step) + 0.5) * lon_step))
    return round(row_lat, 5), round(cell_lon, 5)
