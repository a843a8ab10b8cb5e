"""The yardstick: a bare FastAPI endpoint doing one INSERT with the ward lookup."""

import os
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["TRIAGE_DATABASE_URL"], pool_size=10, max_overflow=10)
app = FastAPI()

INSERT = text(
    "INSERT INTO bench_bare (body, ward_id) VALUES (:body, "
    "(SELECT id FROM wards WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) "
    "LIMIT 1)) RETURNING id"
)


class Loc(BaseModel):
    lat: float
    lon: float


class Body(BaseModel):
    text: str
    location: Loc


@app.post("/bare", status_code=202)
def bare(body: Body) -> dict[str, Any]:
    with engine.begin() as conn:
        new_id = conn.execute(
            INSERT, {"body": body.text, "lat": body.location.lat, "lon": body.location.lon}
        ).scalar_one()
    return {"id": new_id}
