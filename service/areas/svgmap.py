"""A plain SVG map of the wards and case points, drawn by PostGIS (no tiles, no internet)."""

from dataclasses import dataclass
from html import escape

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.areas.models import Ward


@dataclass(frozen=True, slots=True)
class MapPoint:
    lat: float
    lon: float
    colour: str
    title: str


_PATH = '<path d="{d}" fill="#eef3ea" stroke="#5b7a5b" stroke-width="{w}"><title>{t}</title></path>'
_OUTLINE = (
    '<path d="{d}" fill="#ffffff" fill-opacity="0.05" stroke="#1f4f8f" stroke-width="{w}">'
    "<title>{t}</title></path>"
)
_WATER = ' style="background:#cfe3f3"'
_DOT = (
    '<circle cx="{x}" cy="{y}" r="{r}" fill="{c}" stroke="#222" stroke-width="{w}">'
    "<title>{t}</title></circle>"
)


def render_svg(
    session: Session, *, points: list[MapPoint], title: str, width_px: int = 1000
) -> str:
    """Ward outlines (x = longitude, y = −latitude, as ST_AsSVG draws) with points on top."""
    min_x, min_y, max_x, max_y = wards_extent(session)
    span_x, span_y = max_x - min_x, max_y - min_y
    height_px = round(width_px * span_y / span_x)
    stroke = span_x / width_px
    rows = session.execute(
        select(Ward.name, Ward.code, func.ST_AsSVG(Ward.geom, 0, 5)).order_by(Ward.code)
    ).all()
    body = [_PATH.format(d=d, w=stroke, t=escape(f"{name} ({code})")) for name, code, d in rows]
    body += [
        _DOT.format(x=p.lon, y=-p.lat, r=stroke * 5, c=p.colour, w=stroke, t=escape(p.title))
        for p in points
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="{height_px}" '
        f'viewBox="{min_x} {-max_y} {span_x} {span_y}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>\n"
    )


@dataclass(frozen=True, slots=True)
class Viewport:
    """A lon/lat box drawn into width × height pixels (y grows downwards)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    width_px: int
    height_px: int

    def to_lat_lon(self, x: float, y: float) -> tuple[float, float]:
        lon = self.min_lon + (self.max_lon - self.min_lon) * x / self.width_px
        lat = self.max_lat - (self.max_lat - self.min_lat) * y / self.height_px
        return lat, lon


def wards_extent(session: Session) -> tuple[float, float, float, float]:
    extent = session.execute(
        select(
            func.ST_XMin(func.ST_Extent(Ward.geom)),
            func.ST_YMin(func.ST_Extent(Ward.geom)),
            func.ST_XMax(func.ST_Extent(Ward.geom)),
            func.ST_YMax(func.ST_Extent(Ward.geom)),
        )
    ).one()
    if extent[0] is None:
        raise ValueError("no wards are loaded")
    min_x, min_y, max_x, max_y = (float(v) for v in extent)
    return min_x, min_y, max_x, max_y


def render_view(
    session: Session,
    view: Viewport,
    *,
    marker: tuple[float, float] | None,
    transparent: bool = False,
) -> str:
    """The wards inside the viewport, with their names, and an optional marker (lat, lon)."""
    span_x, span_y = view.max_lon - view.min_lon, view.max_lat - view.min_lat
    stroke = span_x / view.width_px
    box = func.ST_MakeEnvelope(view.min_lon, view.min_lat, view.max_lon, view.max_lat, 4326)
    # Simplify to about a pixel: small SVGs even for the whole province.
    rows = session.execute(
        select(
            Ward.name,
            func.ST_AsSVG(func.ST_SimplifyPreserveTopology(Ward.geom, stroke), 0, 5),
            func.ST_X(func.ST_PointOnSurface(Ward.geom)),
            func.ST_Y(func.ST_PointOnSurface(Ward.geom)),
        ).where(func.ST_Intersects(Ward.geom, box))
    ).all()
    path = _OUTLINE if transparent else _PATH
    body = [path.format(d=d, w=stroke, t=escape(name)) for name, d, _, _ in rows]
    if len(rows) <= 40:  # labels only when they can be read
        body += [
            f'<text x="{x}" y="{-y}" font-size="{stroke * 11}" fill="#334" '
            f'font-family="sans-serif" text-anchor="middle">{escape(name)}</text>'
            for name, _, x, y in rows
        ]
    if marker is not None:
        lat, lon = marker
        body.append(
            f'<circle cx="{lon}" cy="{-lat}" r="{stroke * 7}" fill="#d33" stroke="#fff" '
            f'stroke-width="{stroke * 2}"/>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{view.width_px}" '
        f'height="{view.height_px}" viewBox="{view.min_lon} {-view.max_lat} {span_x} {span_y}" '
        f'preserveAspectRatio="none"{"" if transparent else _WATER}>{"".join(body)}</svg>\n'
    )
