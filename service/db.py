"""Declarative base with a constraint naming convention; engine and session factories."""

from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(database_url: str, *, pool_size: int = 10) -> Engine:
    # No pre-ping (it costs a round trip per request on the intake's hot path): a connection
    # found dead invalidates the whole pool; the intake retries once, other requests get a 503.
    return create_engine(
        database_url, pool_size=pool_size, max_overflow=10, pool_pre_ping=False, pool_recycle=1800
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
