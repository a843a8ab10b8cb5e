"""Test fixtures: real PostgreSQL+PostGIS (one database per xdist worker), migrated by Alembic.

TEST_DATABASE_URL points at a maintenance database of a local server (`./dev test` starts a
private cluster and sets it). Each test runs in a transaction that is rolled back.
"""

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from service.app import create_app
from service.areas import service as area_service
from service.clients import service as client_service
from service.clients.gate import ClientGate, Defaults
from service.config import PROJECT_ROOT, Settings
from service.db import make_session_factory
from service.intake.service import Intake
from service.wiring import Runtime, build_runtime
from tests.fakes import RecordingDispatcher


def _admin_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.exit("TEST_DATABASE_URL is not set: run the suite with ./dev test", returncode=2)
    return url


def _worker_tag(config: pytest.Config) -> str:
    return getattr(config, "workerinput", {}).get("workerid", "main")


# Checkouts of the project sharing one server (worktrees, a CI runner's clones) must not drop
# each other's databases mid-run: every test database's name carries the checkout's tag.
CHECKOUT_TAG = hashlib.sha256(str(PROJECT_ROOT).encode()).hexdigest()[:6]


def create_database(admin_url: str, name: str) -> str:
    name = f"{name}_{CHECKOUT_TAG}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def alembic_config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


def migrate_and_load(url: str) -> None:
    command.upgrade(alembic_config(url), "head")
    engine = create_engine(url)
    with make_session_factory(engine).begin() as session:
        features = area_service.read_boundary_file(
            (PROJECT_ROOT / "data" / "hue_2025_wards.geojson").read_bytes()
        )
        loaded = area_service.load_boundaries(session, features=features)
        from service.units.service import load_units

        load_units(session, rows=json.loads((PROJECT_ROOT / "data" / "units.json").read_text()))
        from service.units.service import ensure_ward_committees

        ensure_ward_committees(session, wards=area_service.ward_names(session, codes=loaded.codes))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest) -> str:
    url = create_database(_admin_url(), f"triage_test_{_worker_tag(request.config)}")
    migrate_and_load(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = create_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # No text model unless a test asks for one (tests/classifiers trains its own).
    return Settings(
        env="test",
        database_url=database_url,
        media_root=tmp_path / "media",
        text_model_path=tmp_path / "no-model.joblib",
    )


@pytest.fixture
def dispatcher() -> RecordingDispatcher:
    return RecordingDispatcher()


@pytest.fixture
def runtime(settings: Settings, engine: Engine, dispatcher: RecordingDispatcher) -> Runtime:
    return build_runtime(settings, dispatcher=dispatcher, engine=engine)


@pytest.fixture
def bound_runtime(runtime: Runtime, db_session: Session) -> Runtime:
    """The runtime with its session factory on the test's connection (savepoints): what
    channel adapters and tasks write through it is seen by the test and rolled back."""
    factory = sessionmaker(
        bind=db_session.connection(),
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )
    return replace(
        runtime,
        session_factory=factory,
        intake=Intake(
            factory,
            blobs=runtime.blobs,
            limits=runtime.photo_limits,
            fetch_policy=runtime.fetch_policy,
        ),
        clients=bound_gate(runtime, db_session),
    )


def bound_gate(runtime: Runtime, db_session: Session, **options: Any) -> ClientGate:
    """The client gate on the test's connection: keys and counters roll back with it."""

    @contextmanager
    def connect() -> Iterator[Connection]:
        conn = db_session.connection()
        with conn.begin_nested():
            yield conn

    settings = runtime.settings
    defaults = Defaults(
        per_minute=settings.client_per_minute,
        photo_bytes_per_day=settings.client_photo_bytes_per_day,
    )
    return ClientGate(connect, **{"defaults": defaults, "cache_s": 0.0, **options})


INTAKE_CHANNEL = "zalo"


@pytest.fixture
def intake_key(db_session: Session) -> str:
    """A client key of channel `zalo` for POST /api/v1/reports (the `client` sends it)."""
    _, key = client_service.create_client(
        db_session, name="Zalo bridge (test)", channel=INTAKE_CHANNEL, reserved=()
    )
    return key


@pytest.fixture
def client(
    settings: Settings, bound_runtime: Runtime, db_session: Session, intake_key: str
) -> Iterator[TestClient]:
    from service.api.deps import get_session

    app = create_app(settings, runtime=bound_runtime)

    def _session() -> Iterator[Session]:
        yield db_session
        db_session.flush()

    @contextmanager
    def _savepoint() -> Iterator[Connection]:
        conn = db_session.connection()
        with conn.begin_nested():
            yield conn

    app.dependency_overrides[get_session] = _session
    app.state.intake_transaction = _savepoint
    with TestClient(app, raise_server_exceptions=False) as c:
        # The intake needs a client key; requests with other credentials replace it.
        c.headers["Authorization"] = f"Bearer {intake_key}"
        yield c


ADMIN = {"Authorization": "Bearer dev-admin-token"}


def report_json(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "text": "Dây cáp viễn thông võng thấp qua đường",
        "location": {"lat": 16.45394, "lon": 107.58305, "accuracy_m": 8},
    }
    body.update(overrides)
    return body
