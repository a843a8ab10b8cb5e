"""Staff API keys: inspectors and admins authenticate with a bearer token."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Forbidden, Unauthorized
from service.staff.models import ROLES, ApiKey

# Operators are outside the department: they rank below inspectors and reach only their
# own unit's tickets (the operator endpoints check the unit, not the rank).
_RANK = {"operator": 0, "inspector": 1, "admin": 2}


@dataclass(frozen=True, slots=True)
class Staff:
    name: str
    role: str
    unit_id: int | None = None  # an operator's unit


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_key(session: Session, *, name: str, role: str, unit_id: int | None = None) -> str:
    """Create a key and return its token; only the hash is kept, so show it once. An
    operator's key needs its unit; staff of the department have none."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if (role == "operator") != (unit_id is not None):
        raise ValueError("an operator key needs --unit; inspectors and admins have none")
    token = "tri_" + secrets.token_urlsafe(24)
    session.add(ApiKey(name=name, role=role, unit_id=unit_id, token_sha256=_digest(token)))
    session.flush()
    return token


def authenticate(session: Session, *, token: str | None, admin_token: str) -> Staff:
    if not token:
        raise Unauthorized("Send an API key as 'Authorization: Bearer <token>'.")
    if hmac.compare_digest(token.encode(), admin_token.encode()):
        return Staff(name="admin", role="admin")
    key = session.scalar(
        select(ApiKey).where(ApiKey.token_sha256 == _digest(token), ApiKey.revoked_at.is_(None))
    )
    if key is None:
        raise Unauthorized("The API key is unknown or revoked.")
    return Staff(name=key.name, role=key.role, unit_id=key.unit_id)


def require_role(staff: Staff, role: str) -> None:
    if _RANK.get(staff.role, -1) < _RANK[role]:
        raise Forbidden(f"This needs the {role} role; {staff.name} is {staff.role}.")


def require_operator(staff: Staff) -> int:
    """The unit of an operator's key; anyone else is refused (the department's staff work
    cases, not tickets)."""
    if staff.role != "operator" or staff.unit_id is None:
        raise Forbidden(f"This needs an operator key; {staff.name} is {staff.role}.")
    return staff.unit_id
