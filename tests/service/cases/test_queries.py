"""Property tests of the case queue's cursor and query parameters: a page or a clean 4xx,
never an exception."""

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.cases.queries import _decode
from service.errors import InvalidCursor
from tests.conftest import ADMIN


def _cursor(doc: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")


json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
# Non-finite and huge numbers are what int() and PostgreSQL choke on.
ids = st.sampled_from([float("inf"), float("-inf"), float("nan"), 10**30, -1, 0]) | json_scalars
iso = st.datetimes().map(lambda d: d.isoformat())
well_formed = st.fixed_dictionaries({"k": st.just("created_at"), "v": iso, "id": ids})
cursor_docs = well_formed | st.fixed_dictionaries(
    {"k": st.sampled_from(["created_at", "due_at", "x"]) | json_scalars},
    optional={"v": iso | json_scalars, "id": ids},
)


@given(doc=cursor_docs | json_scalars, raw=st.text(max_size=60))
def test_decode_answers_a_position_or_invalid_cursor(doc: Any, raw: str) -> None:
    for cursor in (_cursor(doc), raw):
        try:
            _, case_id = _decode(cursor, "created_at")
        except InvalidCursor:
            continue
        assert 0 < case_id < 2**63


@pytest.mark.parametrize("case_id", [1e400, 10**30, -1, 0])
def test_a_cursor_with_an_impossible_case_id_is_a_400(client: TestClient, case_id: Any) -> None:
    doc = {"k": "created_at", "v": "2026-01-01T00:00:00+00:00", "id": case_id}
    raw = json.dumps(doc).replace("Infinity", "1e400")
    cursor = base64.urlsafe_b64encode(raw.encode()).decode()
    r = client.get(f"/api/v1/cases?sort=-created_at&cursor={cursor}", headers=ADMIN)
    assert r.status_code == 400, r.text
    assert r.json()["type"].endswith("invalid-cursor")


QUERY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
numbers = st.floats().map(repr) | st.integers().map(str) | st.text(max_size=12)


@QUERY
@given(
    limit=numbers,
    radius=numbers,
    near=st.lists(numbers, max_size=3).map(",".join),
    cursor=st.text(max_size=40),
)
def test_the_queue_answers_any_limit_radius_near_or_cursor_with_a_page_or_a_4xx(
    client: TestClient, limit: str, radius: str, near: str, cursor: str
) -> None:
    params = {"limit": limit, "radius_m": radius, "near": near, "cursor": cursor}
    r = client.get("/api/v1/cases", params=params, headers=ADMIN)
    assert r.status_code < 500, (params, r.text)
    if r.status_code >= 400:
        assert r.headers["content-type"] == "application/problem+json"
