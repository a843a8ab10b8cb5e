"""An optional tile layer under the ward outlines (off by default: no internet needed).

The map image is drawn in plain degrees; tiles are Web Mercator. Each tile is placed by its
own corner coordinates, so the small difference between the projections stays inside a tile
(invisible at street zoom levels)."""

import math
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit


class Viewport(Protocol):
    @property
    def min_lon(self) -> float: ...
    @property
    def min_lat(self) -> float: ...
    @property
    def max_lon(self) -> float: ...
    @property
    def max_lat(self) -> float: ...
    @property
    def width_px(self) -> int: ...
    @property
    def height_px(self) -> int: ...


TILE_PX = 256


@dataclass(frozen=True, slots=True)
class Tile:
    url: str
    left: float
    top: float
    width: float
    height: float


def tile_origin(template: str) -> str:
    parts = urlsplit(template.replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}"


def tiles_for(view: Viewport, template: str, *, max_zoom: int = 19) -> list[Tile]:
    px_per_degree = view.width_px / (view.max_lon - view.min_lon)
    zoom = round(math.log2(360 * px_per_degree / TILE_PX))
    zoom = max(0, min(max_zoom, zoom))
    x0, x1 = _tile_x(view.min_lon, zoom), _tile_x(view.max_lon, zoom)
    y0, y1 = _tile_y(view.max_lat, zoom), _tile_y(view.min_lat, zoom)
    tiles = []
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            west, east = _lon(x, zoom), _lon(x + 1, zoom)
            north, south = _lat(y, zoom), _lat(y + 1, zoom)
            left = (west - view.min_lon) * px_per_degree
            top = (view.max_lat - north) * view.height_px / (view.max_lat - view.min_lat)
            bottom = (view.max_lat - south) * view.height_px / (view.max_lat - view.min_lat)
            url = template.replace("{z}", str(zoom)).replace("{x}", str(x)).replace("{y}", str(y))
            width = (east - west) * px_per_degree
            tiles.append(Tile(url.replace("{s}", "a"), left, top, width, bottom - top))
    return tiles


def _tile_x(lon: float, zoom: int) -> int:
    return int((lon + 180) / 360 * 2**zoom)


def _tile_y(lat: float, zoom: int) -> int:
    rad = math.radians(lat)
    return int((1 - math.asinh(math.tan(rad)) / math.pi) / 2 * 2**zoom)


def _lon(x: int, zoom: int) -> float:
    return float(x / 2**zoom * 360 - 180)


def _lat(y: int, zoom: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / 2**zoom))))
