"""One case per problem: a report close to an open case of the same category joins it.

Reports of one spot processed at the same time must still make one case, so the search and
the opening are serialised per neighbourhood: each report takes transaction-level advisory
locks on the 2×2 block of grid cells (0.01°, about 1.1 km) around it, in a fixed order.
Two points closer than half a cell always share a cell of their blocks, so they wait for each
other; reports elsewhere in the city do not.
"""

import math
import zlib

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from service.cases.models import Case
from service.cases.workflow import OPEN_STATES
from service.geo import distance_m, point, within_m

CELL_DEG = 0.01
# Points that stand for a whole ward (named in the text) or nothing are never joined.
JOINABLE_MATCHES = ("inside", "approximate")


def lock_neighbourhood(session: Session, *, category: str, lat: float, lon: float) -> None:
    rows = range(round(lat / CELL_DEG) - 1, round(lat / CELL_DEG) + 1)
    cols = range(round(lon / CELL_DEG) - 1, round(lon / CELL_DEG) + 1)
    keys = sorted(
        zlib.crc32(f"case-spot:{category}:{r}:{c}".encode()) - 2**31 for r in rows for c in cols
    )
    for key in keys:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def open_case_near(
    session: Session, *, category: str, lat: float, lon: float, radius_m: float
) -> int | None:
    """The nearest open case of the category within `radius_m` of the point, if any."""
    if not math.isfinite(radius_m) or radius_m <= 0:
        return None
    here = point(lat=lat, lon=lon)
    return session.scalar(
        select(Case.id)
        .where(
            Case.category == category,
            Case.status.in_(OPEN_STATES),
            Case.location_match.in_(JOINABLE_MATCHES),
            Case.location.is_not(None),
            within_m(Case.location, here, radius_m),
        )
        .order_by(distance_m(Case.location, here), Case.id)
        .limit(1)
    )
