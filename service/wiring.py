"""Composition root: builds the engine, sessions, dispatcher and policies from settings."""

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from classifiers.handle import LazyTextModel
from service.cases.service import DuePolicy
from service.celery_app import CeleryDispatcher, configure_celery
from service.clients.gate import ClientGate, Defaults
from service.config import Settings
from service.contracts import TaskDispatcher
from service.db import make_engine, make_session_factory
from service.intake.fetch import FetchPolicy
from service.intake.service import Intake
from service.operators.directory import load_directory
from service.reports.blobs import BlobStore
from service.reports.service import PhotoLimits
from service.triage.pipeline import ProcessingPolicy

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    dispatcher: TaskDispatcher
    blobs: BlobStore
    photo_limits: PhotoLimits
    policy: ProcessingPolicy
    intake: Intake
    fetch_policy: FetchPolicy
    clients: ClientGate


def build_client_gate(settings: Settings, engine: Engine) -> ClientGate:
    # Autocommit: a counter's row is locked for one statement, not for a whole request.
    counters = engine.execution_options(isolation_level="AUTOCOMMIT")
    return ClientGate(
        counters.connect,
        defaults=Defaults(
            per_minute=settings.client_per_minute,
            photo_bytes_per_day=settings.client_photo_bytes_per_day,
        ),
        cache_s=settings.client_key_cache_s,
        refuse_dev_keys=settings.env == "prod",
    )


def build_policy(settings: Settings) -> ProcessingPolicy:
    return ProcessingPolicy(
        tolerance_m=settings.geotag_tolerance_m,
        due=DuePolicy(working_days=settings.due_working_days, timezone=settings.local_timezone),
        operators=load_directory(settings.operators_file),
        classifier=load_text_model(settings.text_model_path),
        min_confidence=settings.classify_min_confidence,
        join_radius_m=settings.join_radius_m,
    )


def load_text_model(path: Path) -> LazyTextModel | None:
    """The model at `path`, read on first use (once per process); None if there is none."""
    if not path.exists():
        logger.info("no text model at %s: new cases go to manual triage", path)
        return None
    return LazyTextModel(path)


def build_runtime(
    settings: Settings,
    *,
    dispatcher: TaskDispatcher | None = None,
    engine: Engine | None = None,
) -> Runtime:
    engine = engine or make_engine(settings.database_url)
    factory = make_session_factory(engine)
    dispatcher = dispatcher or CeleryDispatcher(configure_celery(settings))
    blobs = BlobStore(settings.media_root)
    limits = PhotoLimits(max_bytes=settings.max_photo_bytes, max_pixels=settings.max_photo_pixels)
    fetch_policy = FetchPolicy(
        allowed_hosts=tuple(settings.photo_url_hosts), max_bytes=settings.max_photo_bytes
    )
    return Runtime(
        settings=settings,
        engine=engine,
        session_factory=factory,
        dispatcher=dispatcher,
        blobs=blobs,
        photo_limits=limits,
        policy=build_policy(settings),
        intake=Intake(factory, blobs=blobs, limits=limits, fetch_policy=fetch_policy),
        fetch_policy=fetch_policy,
        clients=build_client_gate(settings, engine),
    )
