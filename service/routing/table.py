"""The routing table in force and its history: seeded from `data/routing.yaml` on first use,
replaced as a whole by an admin (each change a new version, with who, when and why)."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from service.config import PROJECT_ROOT
from service.errors import Conflict
from service.routing.models import RoutingTable
from service.routing.rules import InvalidRoutingTable, Rule, parse_table
from service.units import service as unit_service

SEED_FILE = PROJECT_ROOT / "data" / "routing.yaml"
SEED_ACTOR = "seed:data/routing.yaml"


@dataclass(frozen=True, slots=True)
class TableInForce:
    version: int
    rules: tuple[Rule, ...]


def read_seed(path: Path = SEED_FILE) -> list[dict[str, Any]]:
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidRoutingTable(f"{path}: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
        raise InvalidRoutingTable(f"{path}: expected a mapping with a list under 'rules'.")
    rules: list[dict[str, Any]] = raw["rules"]
    return rules


@cache
def _parsed(version: int, rows_key: str) -> tuple[Rule, ...]:
    return parse_table(json.loads(rows_key))


def table_in_force(session: Session) -> TableInForce:
    """The newest version (seeded from the shipped file when there is none yet)."""
    row = session.scalar(select(RoutingTable).order_by(RoutingTable.version.desc()).limit(1))
    if row is None:
        seed(session)
        row = session.scalar(select(RoutingTable).order_by(RoutingTable.version.desc()).limit(1))
        assert row is not None
    return TableInForce(row.version, _parsed(row.version, json.dumps(row.rules, sort_keys=True)))


def seed(session: Session, *, path: Path = SEED_FILE) -> bool:
    """Version 1 from the file, if the table is empty (two workers seeding at once: one wins)."""
    rows = read_seed(path)
    parse_table(rows, known_units=unit_service.unit_slugs(session))
    stmt = insert(RoutingTable).values(version=1, rules=rows, actor=SEED_ACTOR, note=str(path))
    result = session.execute(stmt.on_conflict_do_nothing(index_elements=["version"]))
    session.flush()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def replace_table(
    session: Session, *, rules: Any, actor: str, note: str | None, expected_version: int
) -> TableInForce:
    """A new version of the whole table. `expected_version` is the version the admin edited:
    someone else's change in between is a conflict, not silently overwritten."""
    current = table_in_force(session)
    if expected_version != current.version:
        raise Conflict(
            f"The routing table is at version {current.version}, not {expected_version}: "
            "read it again and re-apply your change."
        )
    parsed = parse_table(rules, known_units=unit_service.unit_slugs(session))
    stmt = insert(RoutingTable).values(
        version=current.version + 1, rules=[r.as_dict() for r in parsed], actor=actor, note=note
    )
    result = session.execute(stmt.on_conflict_do_nothing(index_elements=["version"]))
    if not result.rowcount:  # type: ignore[attr-defined]
        raise Conflict("Another change of the routing table landed first; read it again.")
    session.flush()
    return TableInForce(current.version + 1, parsed)


def history(session: Session, *, limit: int = 50) -> list[RoutingTable]:
    return list(
        session.scalars(select(RoutingTable).order_by(RoutingTable.version.desc()).limit(limit))
    )


def version_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(RoutingTable)) or 0)
