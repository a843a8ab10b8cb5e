"""The client gate: key cache and revocation, counters shared by processes, leases."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.clients import service as client_service
from service.clients.gate import ClientGate, ClientKeyInvalid
from service.clients.models import ApiClientUsage
from service.errors import RateLimited
from service.wiring import Runtime
from tests.conftest import bound_gate


class Clock:
    def __init__(self, now: float = 1_764_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _gate(runtime: Runtime, session: Session, clock: Clock, **options: object) -> ClientGate:
    return bound_gate(runtime, session, clock=clock, **options)


def test_revocation_takes_effect_once_the_cache_expires(
    runtime: Runtime, db_session: Session
) -> None:
    clock = Clock()
    gate = _gate(runtime, db_session, clock, cache_s=5.0)
    created, key = client_service.create_client(db_session, name="b", channel="b", reserved=())
    assert gate.authenticate(key).id == created.id
    client_service.revoke_client(db_session, client_id=created.id)
    assert gate.cached(key) is not None  # within the cache's few seconds
    clock.now += 5.1
    assert gate.cached(key) is None
    with pytest.raises(ClientKeyInvalid, match="revoked"):
        gate.authenticate(key)


def test_a_dev_key_is_refused_in_production(runtime: Runtime, db_session: Session) -> None:
    _, key = client_service.create_client(
        db_session, name="dev", channel="dev-bridge", reserved=(), is_dev=True
    )
    assert _gate(runtime, db_session, Clock()).authenticate(key).is_dev
    with pytest.raises(ClientKeyInvalid, match="development"):
        _gate(runtime, db_session, Clock(), refuse_dev_keys=True).authenticate(key)


def test_two_processes_share_one_minute_and_it_frees_at_the_next(
    runtime: Runtime, db_session: Session
) -> None:
    clock = Clock(1_764_000_030.0)  # half a minute in
    a, b = (_gate(runtime, db_session, clock) for _ in range(2))
    _created, key = client_service.create_client(
        db_session, name="b", channel="b", reserved=(), per_minute=3
    )
    client = a.authenticate(key)
    a.spend(client, photo_bytes=0)
    b.spend(client, photo_bytes=0)
    a.spend(client, photo_bytes=0)
    with pytest.raises(RateLimited) as refused:
        b.spend(client, photo_bytes=0)
    assert refused.value.retry_after_s == 30
    a.refuse_if_spent(client)  # `a` has not seen the minute full yet: the database decides
    with pytest.raises(RateLimited):
        a.spend(client, photo_bytes=0)
    with pytest.raises(RateLimited):
        a.refuse_if_spent(client)  # now it knows, without the database
    clock.now += 30
    a.refuse_if_spent(client)
    a.spend(client, photo_bytes=0)


def test_a_process_leases_a_twentieth_of_a_large_minute(
    runtime: Runtime, db_session: Session
) -> None:
    gate = _gate(runtime, db_session, Clock())
    created, key = client_service.create_client(
        db_session, name="b", channel="b", reserved=(), per_minute=1000
    )
    client = gate.authenticate(key)
    for _ in range(50):
        gate.spend(client, photo_bytes=0)
    used = db_session.scalars(
        select(ApiClientUsage.used).where(
            ApiClientUsage.client_id == created.id, ApiClientUsage.kind == "requests"
        )
    ).all()
    assert used == [50]  # one claim of 50 permits, spent locally
    gate.spend(client, photo_bytes=0)
    db_session.expire_all()
    assert db_session.scalars(
        select(ApiClientUsage.used).where(ApiClientUsage.kind == "requests")
    ).all() == [100]


def test_a_zero_limit_refuses_everything(runtime: Runtime, db_session: Session) -> None:
    gate = _gate(runtime, db_session, Clock())
    _, key = client_service.create_client(
        db_session, name="b", channel="b", reserved=(), per_minute=0
    )
    with pytest.raises(RateLimited):
        gate.spend(gate.authenticate(key), photo_bytes=0)


def test_a_key_cannot_be_made_for_a_reserved_or_malformed_channel(db_session: Session) -> None:
    for channel in ("hue-s", "Bad", "a--b", "-a", ""):
        with pytest.raises(client_service.InvalidClient):
            client_service.create_client(
                db_session, name="x", channel=channel, reserved=("hue-s", "portal")
            )
