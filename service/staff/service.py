"""Staff API keys: inspectors and admins authenticate with a bearer token."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Forbidden, Unauthorized
from service.staff.models import ROLES, ApiKey

_RANK = {"inspector": 1, "admin": 2}


@dataclass(frozen=True, slots=True)
class Staff:
    name: str
    role: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_key(session: Session, *, name: str, role: str) -> str:
    """Create a key and return its token; only the hash is kept, so show it once."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    token = "tri_" + secrets.token_urlsafe(24)
    session.add(ApiKey(name=name, role=role, token_sha256=_digest(token)))
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
    return Staff(name=key.name, role=key.role)


def require_role(staff: Staff, role: str) -> None:
    if _RANK.get(staff.role, 0) < _RANK[role]:
        raise Forbidden(f"This needs the {role} role; {staff.name} is {staff.role}.")
