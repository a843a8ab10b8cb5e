"""Admins read and change the routing table; every change is a new, audited version."""

from typing import Annotated

from fastapi import APIRouter, Query

from service.api.deps import AdminDep, SessionDep
from service.api.problems import PROBLEM_RESPONSES
from service.api.routing_schemas import (
    RoutingTableRead,
    RoutingTableUpdate,
    RoutingTableVersionRead,
)
from service.routing import table as routing_table
from service.routing.models import RoutingTable

router = APIRouter(prefix="/api/v1/admin/routing", tags=["admins"], responses=PROBLEM_RESPONSES)


def _read(row: RoutingTable) -> RoutingTableRead:
    return RoutingTableRead(
        version=row.version, actor=row.actor, note=row.note, created_at=row.created_at,
        rules=row.rules,
    )  # fmt: skip


@router.get("/rules", response_model=RoutingTableRead, summary="The routing table in force")
def get_rules(session: SessionDep, staff: AdminDep) -> RoutingTableRead:
    version = routing_table.table_in_force(session).version
    return _read(session.get_one(RoutingTable, version))


@router.put(
    "/rules",
    response_model=RoutingTableRead,
    summary="Replace the routing table (a new version; 409 if someone changed it first)",
)
def put_rules(body: RoutingTableUpdate, session: SessionDep, staff: AdminDep) -> RoutingTableRead:
    new = routing_table.replace_table(
        session,
        rules=body.rules,
        actor=staff.name,
        note=body.note,
        expected_version=body.expected_version,
    )
    return _read(session.get_one(RoutingTable, new.version))


@router.get(
    "/versions",
    response_model=list[RoutingTableVersionRead],
    summary="The table's history: who changed it, when and why",
)
def list_versions(
    session: SessionDep, staff: AdminDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[RoutingTableVersionRead]:
    return [
        RoutingTableVersionRead(
            version=row.version,
            actor=row.actor,
            note=row.note,
            created_at=row.created_at,
            rule_names=[r.get("name", "?") for r in row.rules],
        )
        for row in routing_table.history(session, limit=limit)
    ]
