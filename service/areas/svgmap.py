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
_DOT = (
    '<circle cx="{x}" cy="{y}" r="{r}" fill="{c}" stroke="#222" stroke-width="{w}">'
    "<title>{t}</title></circle>"
)


def render_svg(
    session: Session, *, points: list[MapPoint], title: str, width_px: int = 1000
) -> str:
    """Ward outlines (x = longitude, y = −latitude, as ST_AsSVG draws) with points on top."""
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
