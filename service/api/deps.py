"""Request-scoped dependencies: the session (commit on success), settings, runtime, staff."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from service.config import Settings
from service.routing.service import RoutingPolicy
from service.staff import service as staff_service
from service.staff.service import Staff
from service.wiring import Runtime


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings_dep(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    session = runtime.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


Transaction = Callable[[], AbstractContextManager[Connection]]


def intake_transaction(request: Request) -> Transaction:
    """The intake's own Core transaction (`app.state.intake_transaction`: the engine's
    `begin`, or a savepoint in tests). Read directly, not through Depends: solving a
    dependency costs the hottest route about a tenth of its CPU."""
    transaction: Transaction = request.app.state.intake_transaction
    return transaction


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_staff(request: Request, session: SessionDep, settings: SettingsDep) -> Staff:
    return staff_service.authenticate(
        session, token=bearer_token(request), admin_token=settings.admin_token.get_secret_value()
    )


def inspector(staff: Annotated[Staff, Depends(current_staff)]) -> Staff:
    staff_service.require_role(staff, "inspector")
    return staff


InspectorDep = Annotated[Staff, Depends(inspector)]


def admin(staff: Annotated[Staff, Depends(current_staff)]) -> Staff:
    staff_service.require_role(staff, "admin")
    return staff


AdminDep = Annotated[Staff, Depends(admin)]


@dataclass(frozen=True, slots=True)
class OperatorStaff:
    name: str
    unit_id: int


def operator(staff: Annotated[Staff, Depends(current_staff)]) -> OperatorStaff:
    return OperatorStaff(staff.name, staff_service.require_operator(staff))


OperatorDep = Annotated[OperatorStaff, Depends(operator)]


async def routing_policy(runtime: RuntimeDep) -> RoutingPolicy:
    return RoutingPolicy(
        operators=runtime.policy.operators, timezone=runtime.settings.local_timezone
    )


RoutingPolicyDep = Annotated[RoutingPolicy, Depends(routing_policy)]
