"""The door of the generic intake: who is calling (a client key, cached in-process for a
few seconds) and whether its request rate and daily photo bytes allow one more request.

Counters live in PostgreSQL (`api_client_usage`, unlogged), so they hold across every API
process. To keep the hottest route cheap, a process claims request permits in leases of a
twentieth of the key's per-minute limit (at least one) and spends them locally: a key can
lose at most a twentieth of its minute per process to leases left unspent, never go over.
Photo bytes are counted exactly, per request that carries photos.

Revocation takes effect in every process within `cache_s` seconds (the key cache).
"""

import math
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import cast

from sqlalchemy import Connection, Insert, Table, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert

from service.clients.models import ApiClient, ApiClientUsage
from service.clients.service import ClientInfo, digest
from service.errors import RateLimited, Unauthorized

Connect = Callable[[], AbstractContextManager[Connection]]
LEASE_FRACTION = 20
_KEEP_WINDOWS = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class Defaults:
    per_minute: int
    photo_bytes_per_day: int


@dataclass(slots=True)
class _Lease:
    window: int
    left: int


class ClientKeyInvalid(Unauthorized):
    slug = "client-key-invalid"
    title = "A valid client key is required"


@cache
def _claim_statement() -> Insert:
    table = cast(Table, ApiClientUsage.__table__)
    stmt = insert(table).values(
        client_id=bindparam("client_id"),
        kind=bindparam("kind"),
        window_start=bindparam("window_start"),
        used=bindparam("amount"),
    )
    return stmt.on_conflict_do_update(
        index_elements=[table.c.client_id, table.c.kind, table.c.window_start],
        set_={"used": table.c.used + stmt.excluded.used},
        where=table.c.used + stmt.excluded.used <= bindparam("limit"),
    ).returning(table.c.used)


class ClientGate:
    def __init__(
        self,
        connect: Connect,
        *,
        defaults: Defaults,
        cache_s: float = 5.0,
        refuse_dev_keys: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._connect = connect
        self._defaults = defaults
        self._cache_s = cache_s
        self._refuse_dev = refuse_dev_keys
        self._clock = clock
        self._cache: dict[str, tuple[float, ClientInfo | None]] = {}
        self._leases: dict[int, _Lease] = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- who is calling
    def cached(self, key: str | None) -> ClientInfo | None:
        """The client of `key` if this process looked it up in the last `cache_s` seconds
        (and it is still good), else None: then call `authenticate` (it reads the database)."""
        if not key:
            return None
        hit = self._cache.get(digest(key))
        if hit is None or hit[0] < self._clock() or hit[1] is None:
            return None
        return self._usable(hit[1])

    def authenticate(self, key: str | None) -> ClientInfo:
        if not key:
            raise ClientKeyInvalid(
                "Send your client key as 'Authorization: Bearer <key>' "
                "(an admin creates one with `triage clients add NAME --channel SLUG`)."
            )
        key_sha256 = digest(key)
        with self._connect() as conn:
            row = conn.execute(
                select(
                    ApiClient.id, ApiClient.name, ApiClient.channel, ApiClient.per_minute,
                    ApiClient.photo_bytes_per_day, ApiClient.is_dev, ApiClient.revoked_at,
                ).where(ApiClient.key_sha256 == key_sha256)
            ).first()  # fmt: skip
        if row is None:
            raise ClientKeyInvalid("The client key is unknown.")
        found = ClientInfo(
            id=row.id, name=row.name, channel=row.channel, per_minute=row.per_minute,
            photo_bytes_per_day=row.photo_bytes_per_day, is_dev=row.is_dev,
            is_revoked=row.revoked_at is not None,
        )  # fmt: skip
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key_sha256] = (self._clock() + self._cache_s, found)
        return self._usable(found)

    def _usable(self, client: ClientInfo) -> ClientInfo:
        if client.is_revoked:
            raise ClientKeyInvalid(f"The client key of {client.name!r} was revoked.")
        if client.is_dev and self._refuse_dev:
            raise ClientKeyInvalid("A development client key is not accepted in production.")
        return client

    # ---------------------------------------------------------------- what it may spend
    def refuse_if_spent(self, client: ClientInfo) -> None:
        """Before the body is read: refused at once, without the database, when this process
        already saw the key's minute used up."""
        now = self._clock()
        lease = self._leases.get(client.id)
        if lease is not None and lease.window == int(now // 60) and lease.left < 0:
            raise self._over_rate(client, now)

    def spend(self, client: ClientInfo, *, photo_bytes: int) -> None:
        """One request, and its photo bytes for the day; RateLimited (nothing counted for the
        refused part) when over."""
        now = self._clock()
        self._take_request(client, now)
        if photo_bytes:
            self._take_photo_bytes(client, photo_bytes, now)

    def _take_request(self, client: ClientInfo, now: float) -> None:
        window = int(now // 60)
        with self._lock:
            lease = self._leases.get(client.id)
            if lease is not None and lease.window == window:
                if lease.left > 0:
                    lease.left -= 1
                    return
                if lease.left < 0:
                    raise self._over_rate(client, now)
        limit = self._per_minute(client)
        start = datetime.fromtimestamp(window * 60, UTC)
        chunk = max(1, limit // LEASE_FRACTION)
        granted = self._claim(client.id, "requests", start, chunk, limit, first=lease is None)
        if not granted and chunk > 1:
            chunk, granted = 1, self._claim(client.id, "requests", start, 1, limit)
        with self._lock:
            self._leases[client.id] = _Lease(window, chunk - 1 if granted else -1)
        if not granted:
            raise self._over_rate(client, now)

    def _take_photo_bytes(self, client: ClientInfo, amount: int, now: float) -> None:
        limit = self._photo_bytes_per_day(client)
        day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        if not self._claim(client.id, "photo_bytes", day, amount, limit):
            tomorrow = (day + timedelta(days=1)).timestamp()
            raise RateLimited(
                f"The photos of this request ({amount:,} bytes) would take {client.name!r} "
                f"over its {limit:,} photo bytes per day (UTC).",
                retry_after_s=max(1, math.ceil(tomorrow - now)),
            )

    def _claim(
        self,
        client_id: int,
        kind: str,
        window_start: datetime,
        amount: int,
        limit: int,
        *,
        first: bool = False,
    ) -> bool:
        if amount > limit:
            return False
        with self._connect() as conn:
            if first:  # once per process and key: forget windows of the day before yesterday
                conn.execute(
                    delete(ApiClientUsage).where(
                        ApiClientUsage.client_id == client_id,
                        ApiClientUsage.window_start < window_start - _KEEP_WINDOWS,
                    )
                )
            row = conn.execute(
                _claim_statement(),
                {
                    "client_id": client_id, "kind": kind, "window_start": window_start,
                    "amount": amount, "limit": limit,
                },
            ).first()  # fmt: skip
        return row is not None

    def _over_rate(self, client: ClientInfo, now: float) -> RateLimited:
        limit = self._per_minute(client)
        return RateLimited(
            f"{client.name!r} may send {limit} requests per minute.",
            retry_after_s=max(1, math.ceil((int(now // 60) + 1) * 60 - now)),
        )

    def _per_minute(self, client: ClientInfo) -> int:
        return self._defaults.per_minute if client.per_minute is None else client.per_minute

    def _photo_bytes_per_day(self, client: ClientInfo) -> int:
        if client.photo_bytes_per_day is None:
            return self._defaults.photo_bytes_per_day
        return client.photo_bytes_per_day
