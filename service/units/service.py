"""Organisational units, loaded from data (names change; the department merged in 2025)."""

import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from service.errors import ServiceError
from service.units.models import UNIT_KINDS, Unit


class InvalidUnitsFile(ServiceError):
    slug = "invalid-units-file"
    title = "The units file cannot be loaded"
    status = 422


def load_units(session: Session, *, rows: list[dict[str, Any]]) -> int:
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not row.get("slug") or not row.get("name"):
            raise InvalidUnitsFile(f"entry {i}: 'slug' and 'name' are required")
        if row.get("kind") not in UNIT_KINDS:
            raise InvalidUnitsFile(f"entry {i}: kind must be one of {', '.join(UNIT_KINDS)}")
    for row in rows:
        values = {
            "slug": row["slug"],
            "name": row["name"],
            "kind": row["kind"],
            "is_intake_owner": bool(row.get("is_intake_owner", False)),
            "is_active": bool(row.get("is_active", True)),
        }
        stmt = insert(Unit).values(**values)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["slug"], set_={k: stmt.excluded[k] for k in values}
            )
        )
    session.flush()
    return len(rows)


def find_intake_owner(session: Session) -> Unit | None:
    """The unit that owns a case before triage (the IOC, the single focal point)."""
    return session.scalar(
        select(Unit).where(Unit.is_intake_owner.is_(True), Unit.is_active.is_(True)).limit(1)
    )


WARD_UNIT_PREFIX = "ubnd-"


def ward_committee_slug(ward_code: str) -> str:
    return f"{WARD_UNIT_PREFIX}{ward_code}"


def ensure_ward_committees(session: Session, *, wards: list[tuple[str, str]]) -> int:
    """One unit per ward, its people's committee (`ubnd-<code>`, "UBND <ward name>"), which
    takes illegal ads down; renamed with its ward, never duplicated."""
    for code, name in wards:
        values = {
            "slug": ward_committee_slug(code),
            "name": f"UBND {name}",
            "kind": "ward",
            "ward_code": code,
            "is_active": True,
        }
        stmt = insert(Unit).values(**values)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["slug"], set_={k: stmt.excluded[k] for k in values}
            )
        )
    session.flush()
    return len(wards)


def get_unit(session: Session, *, slug: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.slug == slug))


def unit_slugs(session: Session) -> set[str]:
    return set(session.scalars(select(Unit.slug).where(Unit.is_active.is_(True))))


# ---------------------------------------------------------------- where tickets are delivered
class InvalidContact(ServiceError):
    slug = "invalid-contact"
    title = "The unit's contact cannot be set"
    status = 422


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")  # the shape only; the server has the word
_MAX_URL_CHARS = 500  # units.webhook_url
_MAX_EMAIL_CHARS = 320


@dataclass(frozen=True, slots=True)
class ContactChange:
    webhook_url: str | None = None
    new_secret: str | None = None
    email: str | None = None
    clear_webhook: bool = False
    clear_email: bool = False


def check_webhook_url(url: str) -> str:
    """https, or plain http to this machine only (a receiver under test)."""
    parts = urlsplit(url)
    if len(url) > _MAX_URL_CHARS or any(c.isspace() for c in url):
        raise InvalidContact(f"the webhook URL must be one line of at most {_MAX_URL_CHARS} chars")
    if not parts.hostname or parts.username or parts.password:
        raise InvalidContact(f"{url!r} is not a URL with a host (and no credentials in it)")
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        raise InvalidContact(f"{url!r}: the webhook must be https (http only for localhost)")
    return url


def check_email(address: str) -> str:
    if len(address) > _MAX_EMAIL_CHARS or _EMAIL.fullmatch(address) is None:
        raise InvalidContact(f"{address!r} is not an e-mail address")
    return address


def generate_secret() -> str:
    return secrets.token_urlsafe(32)


def set_contact(session: Session, *, unit: Unit, change: ContactChange) -> None:
    """Apply a change of where the unit's tickets go; a webhook always has a secret."""
    if change.webhook_url is not None and change.clear_webhook:
        raise InvalidContact("give either a webhook or --clear-webhook, not both")
    if change.email is not None and change.clear_email:
        raise InvalidContact("give either an e-mail or --clear-email, not both")
    if change.new_secret is not None and change.clear_webhook:
        raise InvalidContact("a new secret and --clear-webhook contradict each other")
    url = unit.webhook_url
    if change.webhook_url is not None:
        url = check_webhook_url(change.webhook_url)
    secret = change.new_secret or unit.webhook_secret
    if change.clear_webhook:
        url = secret = None
    if url is not None and not secret:
        raise InvalidContact("a webhook needs a secret to sign its requests: add --secret-generate")
    if url is None and change.new_secret is not None:
        raise InvalidContact("the unit has no webhook for the secret to sign: add --webhook")
    unit.webhook_url, unit.webhook_secret = url, secret
    if change.email is not None:
        unit.email = check_email(change.email)
    if change.clear_email:
        unit.email = None
    session.flush()
