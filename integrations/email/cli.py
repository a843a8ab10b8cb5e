"""`triage email …`: ingest saved messages, poll the mailbox once."""

from pathlib import Path
from typing import Annotated

import typer

from integrations.email import CHANNEL
from integrations.email.imap import poll_once
from integrations.email.parse import parse_message
from integrations.email.settings import get_mail_settings
from service.config import get_settings
from service.wiring import build_runtime

app = typer.Typer(help="The e-mail channel", no_args_is_help=True)


@app.command("ingest")
def ingest(
    files: Annotated[list[Path], typer.Argument(help=".eml files (one message each)")],
) -> None:
    """Take saved messages as if they had arrived in the mailbox."""
    missing = [f for f in files if not f.is_file()]
    if missing:
        typer.secho(f"error: no such file: {missing[0]}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    runtime = build_runtime(get_settings())
    own = frozenset({get_mail_settings().address.lower()})
    counts: dict[str, int] = {}
    lines: list[str] = []
    with typer.progressbar(files, label="ingesting", file=None) as bar:
        for path in bar:
            outcome = runtime.intake.receive(
                channel=CHANNEL,
                body=path.read_bytes(),
                content_type="message/rfc822",
                parse=lambda raw: parse_message(raw, own_addresses=own),
                meta={"file": path.name},
            )
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
            code = outcome.accepted.tracking_code if outcome.accepted else "-"
            lines.append(f"{path.name}: {outcome.status} {code} {outcome.reason or ''}".rstrip())
    for line in lines:
        typer.echo(line)
    typer.echo(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    if counts.get("failed"):
        typer.echo("see `triage intake failures --channel email` for the reasons")


@app.command("poll")
def poll() -> None:
    """Poll the IMAP mailbox once now (the worker does it every TRIAGE_MAIL_POLL_EVERY_S)."""
    settings = get_mail_settings()
    if not settings.imap_host:
        typer.secho("error: TRIAGE_MAIL_IMAP_HOST is not set", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    runtime = build_runtime(get_settings())
    result = poll_once(settings, runtime.intake)
    typer.echo(
        f"taken {result.taken}, duplicates {result.duplicates}, ignored {result.ignored}, "
        f"quarantined {result.quarantined}"
    )
