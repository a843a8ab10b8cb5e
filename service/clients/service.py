"""Create, list and revoke client keys; only a key's sha256 is kept, so it is shown once."""

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.clients.models import ApiClient
from service.errors import NotFound, ServiceError

KEY_PREFIX = "tri_c_"
_CHANNEL_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


class ClientNotFound(NotFound):
    slug = "client-not-found"
    title = "API client not found"


class InvalidClient(ServiceError):
    slug = "invalid-client"
    title = "The API client cannot be created"
    status = 422


@dataclass(frozen=True, slots=True)
class ClientInfo:
    id: int
    name: str
    channel: str
    per_minute: int | None
    photo_bytes_per_day: int | None
    is_dev: bool
    is_revoked: bool


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _check_channel(channel: str, reserved: Collection[str]) -> None:
    parts = channel.split("-")
    if not (0 < len(channel) <= 40 and set(channel) <= _CHANNEL_CHARS and all(parts)):
        raise InvalidClient(f"Channel {channel!r} must be a kebab-case slug, e.g. zalo-bridge.")
    if channel in reserved:
        raise InvalidClient(f"Channel {channel!r} has its own adapter; choose another slug.")


def create_client(
    session: Session,
    *,
    name: str,
    channel: str,
    reserved: Collection[str],
    per_minute: int | None = None,
    photo_bytes_per_day: int | None = None,
    is_dev: bool = False,
    key: str | None = None,
) -> tuple[ClientInfo, str]:
    """A new client and its key (show it once: only the hash is stored)."""
    _check_channel(channel, reserved)
    if not name.strip() or len(name) > 200:
        raise InvalidClient("A client needs a name of 1–200 characters.")
    for limit in (per_minute, photo_bytes_per_day):
        if limit is not None and limit < 0:
            raise InvalidClient("Limits are whole numbers of 0 or more.")
    key = key or new_key()
    row = ApiClient(
        name=name.strip(),
        channel=channel,
        key_sha256=digest(key),
        per_minute=per_minute,
        photo_bytes_per_day=photo_bytes_per_day,
        is_dev=is_dev,
    )
    session.add(row)
    session.flush()
    return info(row), key


def info(row: ApiClient) -> ClientInfo:
    return ClientInfo(
        id=row.id,
        name=row.name,
        channel=row.channel,
        per_minute=row.per_minute,
        photo_bytes_per_day=row.photo_bytes_per_day,
        is_dev=row.is_dev,
        is_revoked=row.revoked_at is not None,
    )


def find_by_key_digest(session: Session, *, key_sha256: str) -> ClientInfo | None:
    row = session.scalar(select(ApiClient).where(ApiClient.key_sha256 == key_sha256))
    return info(row) if row is not None else None


def list_clients(session: Session) -> list[ApiClient]:
    return list(session.scalars(select(ApiClient).order_by(ApiClient.id)))


def revoke_client(session: Session, *, client_id: int) -> ApiClient:
    row = session.get(ApiClient, client_id)
    if row is None:
        raise ClientNotFound(f"API client {client_id} does not exist.")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        session.flush()
    return row
