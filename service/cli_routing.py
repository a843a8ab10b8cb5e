"""`triage route …`: load the shipped rules, print the table, explain a case's routing."""

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from sqlalchemy.orm import Session

from service.config import get_settings
from service.db import make_engine, make_session_factory
from service.errors import ServiceError
from service.routing import queries as routing_queries
from service.routing import table as routing_table

app = typer.Typer(help="Routing rules and decisions", no_args_is_help=True)


def _session() -> Session:
    return make_session_factory(make_engine(get_settings().database_url, pool_size=1))()


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@app.command("load")
def load() -> None:
    """Seed the table from data/routing.yaml if it has no version yet (idempotent)."""
    with _session() as session:
        try:
            seeded = routing_table.seed(session)
        except ServiceError as exc:
            _fail(exc.detail)
            return
        session.commit()
        version = routing_table.table_in_force(session).version
    typer.echo(
        f"routing table seeded from {routing_table.SEED_FILE} as version 1"
        if seeded
        else f"routing table already at version {version}; changes go through the admin API"
    )


@app.command("rules")
def rules() -> None:
    """The rules in force, in order."""
    with _session() as session:
        current = routing_table.table_in_force(session)
        session.commit()
    typer.echo(f"routing table version {current.version}")
    for i, rule in enumerate(current.rules, start=1):
        tickets = ", ".join(f"{t.kind}→{t.to}" for t in rule.tickets) or "no ticket"
        when = ", ".join(f"{k}={v}" for k, v in rule.when.items()) or "any case"
        typer.echo(f"{i:>2}. {rule.name}: when {when} → {rule.owner}; {tickets}")


@app.command("explain")
def explain(case_id: Annotated[int, typer.Argument(help="the case's id")]) -> None:
    """Why the case went where it did: the rule that fired, its reason, the facts, tickets."""
    with _session() as session:
        decision = routing_queries.latest_decision(session, case_id=case_id)
        if decision is None:
            _fail(
                f"case {case_id} has no routing decision (no such case, or it waits in "
                "manual triage)"
            )
            return
        tickets = routing_queries.tickets_of_case(session, case_id=case_id)
    facts = decision.facts
    local = ZoneInfo(get_settings().local_timezone)

    def at(when: datetime) -> str:
        return when.astimezone(local).isoformat(timespec="seconds")

    typer.echo(f"case {case_id}: rule {decision.rule!r} (table version {decision.table_version})")
    typer.echo(f"  decided {at(decision.decided_at)} by {decision.actor}")
    typer.echo(f"  why: {decision.reason}")
    typer.echo(f"  owner {decision.owning_unit}, track {decision.track}, due {at(decision.due_at)}")
    typer.echo(
        "  facts: "
        + ", ".join(
            f"{k}={facts.get(k)}"
            for k in ("category", "subtype", "priority", "ward_code", "location_match", "operator")
        )
    )
    for phone in facts.get("phones", []):
        typer.echo(f"  number {phone['e164']} (carrier by prefix: {phone['carrier'] or 'unknown'})")
    for skipped in facts.get("skipped", []):
        typer.echo(f"  not opened: {skipped}")
    for row in tickets:
        t = row.ticket
        phones = f" {', '.join(t.phones)}" if t.phones else ""
        reason = f" ({t.reason})" if t.reason else ""
        typer.echo(
            f"  ticket {t.id}: {t.kind} → {row.unit}, {t.status}{reason}, "
            f"due {at(t.due_at)}{phones}"
        )
