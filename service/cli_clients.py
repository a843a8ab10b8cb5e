"""`triage clients`: keys of the generic intake's clients (bridges, scripts)."""

import os
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from service.clients import service as client_service
from service.config import PROJECT_ROOT, Settings, get_settings
from service.db import make_engine, make_session_factory
from service.errors import ServiceError
from service.plugins import channel_plugins

app = typer.Typer(help="Client keys of POST /api/v1/reports", no_args_is_help=True)
DEV_KEY_FILE = PROJECT_ROOT / ".local" / "dev-client-key"
DEV_CHANNEL = "dev-bridge"


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _session(settings: Settings) -> Session:
    return make_session_factory(make_engine(settings.database_url, pool_size=1))()


def _reserved() -> frozenset[str]:
    return frozenset(p.name for p in channel_plugins())


def _limit(value: int | None, settings_default: int) -> str:
    return f"{settings_default:,} (default)" if value is None else f"{value:,}"


@app.command("add")
def clients_add(
    name: str,
    channel: Annotated[str, typer.Option(help="kebab-case slug its reports are stored under")],
    per_minute: Annotated[int | None, typer.Option(min=0, help="requests per minute")] = None,
    photo_mib_per_day: Annotated[
        float | None, typer.Option(min=0, help="photo MiB per UTC day")
    ] = None,
) -> None:
    """Create a client; its key is printed once (only its hash is kept)."""
    photo_bytes = None if photo_mib_per_day is None else int(photo_mib_per_day * 1024 * 1024)
    with _session(get_settings()) as session:
        try:
            created, key = client_service.create_client(
                session,
                name=name,
                channel=channel,
                reserved=_reserved(),
                per_minute=per_minute,
                photo_bytes_per_day=photo_bytes,
            )
        except ServiceError as exc:
            _fail(exc.detail)
            return
        session.commit()
    typer.echo(f"client {created.id} ({created.name}, channel {created.channel}); its key:")
    typer.echo(key)


@app.command("list")
def clients_list() -> None:
    """Every client: id, channel, limits, created, revoked (never the keys)."""
    settings = get_settings()
    with _session(settings) as session:
        rows = client_service.list_clients(session)
    for row in rows:
        state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
        typer.echo(
            f"{row.id}\t{row.name}\tchannel {row.channel}\t"
            f"{_limit(row.per_minute, settings.client_per_minute)}/min\t"
            f"{_limit(row.photo_bytes_per_day, settings.client_photo_bytes_per_day)} photo "
            f"bytes/day\tcreated {row.created_at:%Y-%m-%d}\t{state}"
            + ("\tdev" if row.is_dev else "")
        )


@app.command("revoke")
def clients_revoke(client_id: int) -> None:
    """Revoke a client's key: refused by every API process within TRIAGE_CLIENT_KEY_CACHE_S."""
    settings = get_settings()
    with _session(settings) as session:
        try:
            row = client_service.revoke_client(session, client_id=client_id)
        except ServiceError as exc:
            _fail(exc.detail)
            return
        session.commit()
        typer.echo(
            f"client {row.id} ({row.name}) revoked; refused everywhere within "
            f"{settings.client_key_cache_s:g} s"
        )


@app.command("ensure-dev")
def clients_ensure_dev(
    key_file: Annotated[Path, typer.Option(help="where the dev key is kept")] = DEV_KEY_FILE,
) -> None:
    """The development stack's client key (channel dev-bridge): made once per checkout,
    kept in .local/, printed each time. Refused with TRIAGE_ENV=prod, and a dev key is
    never accepted there."""
    settings = get_settings()
    if settings.env == "prod":
        _fail("no development client key in production (TRIAGE_ENV=prod)")
    key = key_file.read_text().strip() if key_file.exists() else ""
    with _session(settings) as session:
        found = (
            client_service.find_by_key_digest(session, key_sha256=client_service.digest(key))
            if key
            else None
        )
        if found is None or found.is_revoked:
            _, key = client_service.create_client(
                session, name="dev stack", channel=DEV_CHANNEL, reserved=(), is_dev=True
            )
            session.commit()
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(key + "\n")
            os.chmod(key_file, 0o600)
    typer.echo(f"dev client key (channel {DEV_CHANNEL}): Authorization: Bearer {key}")
