"""Property test: whatever a client sends to the intake, the answer is never a 5xx."""

import json

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
report_like = st.fixed_dictionaries(
    {},
    optional={
        "text": st.text(max_size=40) | json_values,
        "channel": st.text(max_size=20) | json_values,
        "external_id": st.text(max_size=20) | json_values,
        "location": st.fixed_dictionaries(
            {}, optional={"lat": json_values, "lon": json_values, "accuracy_m": json_values}
        )
        | json_values,
        "photos": st.lists(
            st.fixed_dictionaries({"content_base64": st.text(max_size=40)}), max_size=2
        )
        | json_values,
        "reporter": json_values,
        "submitted_at": st.text(max_size=30) | json_values,
    },
)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(body=report_like)
def test_intake_never_answers_5xx_to_json(client: TestClient, body: dict[str, object]) -> None:
    r = client.post(
        "/api/v1/reports", content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.headers["content-type"] == "application/problem+json"


@FUZZ
@given(
    raw=st.binary(max_size=200),
    content_type=st.sampled_from(
        ["application/json", "multipart/form-data; boundary=xyz", "text/plain", ""]
    ),
)
def test_intake_never_answers_5xx_to_raw_bytes(
    client: TestClient, raw: bytes, content_type: str
) -> None:
    r = client.post("/api/v1/reports", content=raw, headers={"content-type": content_type})
    assert r.status_code < 500, r.text
