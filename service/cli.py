"""`triage`: every operator-facing command."""

import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from service import cli_calendar, cli_clients, cli_routing
from service.areas import service as area_service
from service.config import PROJECT_ROOT, Settings, get_settings
from service.errors import ServiceError
from service.intake import service as intake_service
from service.outbox import service as outbox_service
from service.plugins import channel_plugins, plugin_for
from service.staff import service as staff_service
from service.units import service as unit_service
from service.wiring import build_runtime

if TYPE_CHECKING:
    from service.operators.directory import OperatorDirectory

app = typer.Typer(help="Huế field-report triage service", no_args_is_help=True)
db_app = typer.Typer(help="Database schema", no_args_is_help=True)
wards_app = typer.Typer(help="Ward and commune boundaries", no_args_is_help=True)
units_app = typer.Typer(help="Organisational units", no_args_is_help=True)
staff_app = typer.Typer(help="Staff API keys", no_args_is_help=True)
outbox_app = typer.Typer(help="Queued work", no_args_is_help=True)
seed_app = typer.Typer(help="Demo data", no_args_is_help=True)
intake_app = typer.Typer(help="What the channels received", no_args_is_help=True)
model_app = typer.Typer(help="The text classifier", no_args_is_help=True)
for sub, name in (
    (model_app, "model"),
    (intake_app, "intake"),
    (db_app, "db"),
    (wards_app, "wards"),
    (units_app, "units"),
    (staff_app, "staff"),
    (outbox_app, "outbox"),
    (seed_app, "seed"),
):
    app.add_typer(sub, name=name)
app.add_typer(cli_clients.app, name="clients")
app.add_typer(cli_routing.app, name="route")
app.add_typer(cli_calendar.app, name="calendar")
for _plugin in channel_plugins():
    _sub = _plugin.cli()
    if _sub is not None:
        app.add_typer(_sub, name=_plugin.name)


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _session(settings: Settings) -> Session:
    runtime = build_runtime(settings)
    return runtime.session_factory()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations (creates the PostGIS extension on a new database)."""
    from alembic import command
    from alembic.config import Config

    from service.config import PROJECT_ROOT

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = get_settings().database_url
    command.upgrade(cfg, revision)
    typer.echo(f"database at {revision}")


@wards_app.command("load")
def wards_load(
    file: Annotated[Path | None, typer.Argument(help="GeoJSON FeatureCollection")] = None,
) -> None:
    """Load or replace wards by code from a boundary file (default: the shipped Huế file)."""
    settings = get_settings()
    path = file or settings.wards_file
    try:
        features = area_service.read_boundary_file(path.read_bytes())
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}")
        return
    except ServiceError as exc:
        _fail(f"{path}: {exc.detail}")
        return
    with (
        _session(settings) as session,
        typer.progressbar(
            length=len(features), label=f"loading {path.name}", file=sys.stderr
        ) as bar,
    ):
        try:
            result = area_service.load_boundaries(
                session, features=features, progress=lambda _n: bar.update(1)
            )
            committees = unit_service.ensure_ward_committees(
                session, wards=area_service.ward_names(session, codes=result.codes)
            )
            session.commit()
        except ServiceError as exc:
            _fail(f"{path}: {exc.detail} (nothing was loaded)")
            return
    typer.echo(
        f"loaded {result.loaded} wards from {path}, "
        f"and their {committees} people's committees as units ubnd-<ward code>"
    )


@app.command()
def geotag(
    lat: Annotated[float, typer.Argument(min=-90, max=90)],
    lon: Annotated[float, typer.Argument(min=-180, max=180)],
) -> None:
    """Print the ward of a point as JSON: inside, approximate (near an edge) or outside."""
    settings = get_settings()
    with _session(settings) as session:
        m = area_service.locate_ward(
            session, lat=lat, lon=lon, tolerance_m=settings.geotag_tolerance_m
        )
    typer.echo(
        json.dumps(
            {
                "ward_code": m.ward_code,
                "ward_name": m.ward_name,
                "match": m.match,
                "distance_m": m.distance_m,
            },
            ensure_ascii=False,
        )
    )


_MATCH_COLOURS = {
    "inside": "#1b7837",
    "approximate": "#f1a340",
    "named": "#7b3294",
    "outside": "#d73027",
}


@app.command("map")
def draw_map(out: Annotated[Path, typer.Argument(help="SVG file to write")]) -> None:
    """Draw the wards and every located case as an SVG map (no tiles, no internet)."""
    from service.areas.svgmap import MapPoint, render_svg
    from service.cases.models import Case
    from service.reports.service import lat_lon

    with _session(get_settings()) as session:
        points = []
        for case in session.scalars(select(Case).where(Case.location.is_not(None))):
            found = lat_lon(case.location)
            if found:
                colour = _MATCH_COLOURS.get(case.location_match, "#777")
                points.append(
                    MapPoint(
                        found[0],
                        found[1],
                        colour,
                        f"case {case.id}: {case.status}, {case.location_match}",
                    )
                )
        try:
            svg = render_svg(session, points=points, title="Huế: wards and cases")
        except ValueError as exc:
            _fail(str(exc))
            return
    out.write_text(svg, encoding="utf-8")
    typer.echo(f"wrote {out} ({len(points)} cases)")


@units_app.command("load")
def units_load(file: Annotated[Path | None, typer.Argument()] = None) -> None:
    """Load or update units (divisions, IOC, operators) by slug from a JSON list."""
    settings = get_settings()
    path = file or settings.units_file
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        _fail(f"cannot read {path}: {exc}")
        return
    with _session(settings) as session:
        try:
            count = unit_service.load_units(session, rows=rows)
        except ServiceError as exc:
            _fail(f"{path}: {exc.detail}")
            return
        session.commit()
    typer.echo(f"loaded {count} units from {path}")


@units_app.command("contact")
def units_contact(
    slug: str,
    webhook: Annotated[str | None, typer.Option(help="https URL (http: localhost only)")] = None,
    secret_generate: Annotated[bool, typer.Option(help="new signing secret, shown once")] = False,
    email: Annotated[str | None, typer.Option(help="e-mail when there is no webhook")] = None,
    clear_webhook: Annotated[bool, typer.Option(help="remove the webhook and its secret")] = False,
    clear_email: Annotated[bool, typer.Option(help="remove the e-mail address")] = False,
) -> None:
    """Where a unit's tickets are delivered (signed webhook, else e-mail, else it polls)."""
    secret = unit_service.generate_secret() if secret_generate else None
    change = unit_service.ContactChange(webhook, secret, email, clear_webhook, clear_email)
    with _session(get_settings()) as session:
        unit = unit_service.get_unit(session, slug=slug)
        if unit is None:
            typer.secho(f"error: there is no unit {slug!r}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2)
        try:
            unit_service.set_contact(session, unit=unit, change=change)
        except ServiceError as exc:
            typer.secho(f"error: {exc.detail}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from None
        session.commit()
        typer.echo(f"{slug}: webhook {unit.webhook_url or '-'}, e-mail {unit.email or '-'}")
    if secret is not None:
        typer.echo(f"webhook secret (shown once, give it to the unit): {secret}")


@staff_app.command("add")
def staff_add(
    name: str,
    role: Annotated[str, typer.Option(help="operator, inspector or admin")] = "inspector",
    unit: Annotated[
        str | None, typer.Option(help="an operator's unit slug (e.g. viettel, ubnd-19774)")
    ] = None,
) -> None:
    """Create an API key for a staff member; the token is shown once."""
    with _session(get_settings()) as session:
        unit_id = None
        if unit is not None:
            found = unit_service.get_unit(session, slug=unit)
            if found is None:
                _fail(f"there is no unit {unit!r} (see data/units.json, `triage wards load`)")
                return
            unit_id = found.id
        try:
            token = staff_service.create_api_key(session, name=name, role=role, unit_id=unit_id)
        except ValueError as exc:
            _fail(str(exc))
            return
        session.commit()
    typer.echo(token)


@outbox_app.command("status")
def outbox_status() -> None:
    """How many queued tasks have not completed yet."""
    with _session(get_settings()) as session:
        typer.echo(f"{outbox_service.count_pending(session)} pending")


@outbox_app.command("relay")
def outbox_relay(
    unstarted: Annotated[
        bool,
        typer.Option(
            "--unstarted",
            help="also send again now every task sent whose run never began (after a broker "
            "restart that lost its queue)",
        ),
    ] = False,
) -> None:
    """Send queued tasks now (the worker's beat does this every second)."""
    settings = get_settings()
    runtime = build_runtime(settings)
    sent = outbox_service.relay(
        runtime.session_factory,
        runtime.dispatcher,
        redispatch_after_s=settings.outbox_redispatch_after_s,
        unstarted_after_s=0 if unstarted else settings.outbox_unstarted_redispatch_after_s,
    )
    typer.echo(f"dispatched {sent}")


@outbox_app.command("dead")
def outbox_dead() -> None:
    """Tasks that gave up after their last retry (e.g. a status callback), with the error."""
    with _session(get_settings()) as session:
        dead = outbox_service.list_dead(session)
    if not dead:
        typer.echo("no dead letters")
    for m in dead:
        typer.echo(
            f"#{m.id}  {m.task_name}  {json.dumps(m.kwargs)}  dead since "
            f"{m.dead_at:%Y-%m-%d %H:%M:%S %Z}  replayed {m.replay_count}x\n    {m.last_error}"
        )


@outbox_app.command("replay")
def outbox_replay(
    ids: Annotated[list[int] | None, typer.Argument(help="message ids (see `outbox dead`)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="replay every dead letter")] = False,
) -> None:
    """Send dead-lettered tasks again (the relay picks them up within a second)."""
    if not ids and not all_:
        _fail("give message ids or --all")
    with _session(get_settings()) as session:
        count = outbox_service.replay(session, message_ids=None if all_ else list(ids or []))
        session.commit()
    typer.echo(f"replaying {count} message(s)")


@intake_app.command("failures")
def intake_failures(
    channel: Annotated[str | None, typer.Option(help="only this channel")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    ignored: Annotated[bool, typer.Option(help="also show ignored inputs (bounces…)")] = False,
) -> None:
    """Inputs a channel received but could not turn into a report, and reports accepted
    with a part left out (a photo not fetched or dropped), newest first."""
    statuses = ["failed", "ignored"] if ignored else ["failed"]
    with _session(get_settings()) as session:
        rows = intake_service.list_raw(
            session, statuses=statuses, channel=channel, limit=limit, with_notes=True
        )
    if not rows:
        typer.echo("no failed inputs")
    for r in rows:
        status = "accepted, with a part left out" if r.status == "accepted" else r.status
        reason = (r.reason or "").replace("\n", "\n    ")
        typer.echo(
            f"#{r.id}  {r.received_at:%Y-%m-%d %H:%M:%S %Z}  {r.channel}  {status}  "
            f"{r.body_size} bytes {r.content_type}\n    {reason}"
        )


@intake_app.command("retry")
def intake_retry(
    ids: Annotated[list[int] | None, typer.Argument(help="raw input ids")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="every failed input")] = False,
    stuck: Annotated[bool, typer.Option("--stuck", help="inputs never parsed (a crash)")] = False,
    channel: Annotated[str | None, typer.Option(help="only this channel")] = None,
) -> None:
    """Parse stored inputs again, e.g. after a parser fix; never makes a second report."""
    settings = get_settings()
    runtime = build_runtime(settings)
    statuses = [s for s, on in (("failed", failed), ("received", stuck)) if on]
    with runtime.session_factory() as session:
        if ids:
            try:
                rows = [intake_service.get_raw(session, raw_id=i) for i in ids]
            except ServiceError as exc:
                _fail(exc.detail)
        elif statuses:
            rows = intake_service.list_raw(session, statuses=statuses, channel=channel, limit=10000)
        else:
            _fail("give raw input ids, --failed or --stuck")
    for raw in rows:
        plugin = plugin_for(raw.channel)
        parse = plugin.parser(raw.content_type) if plugin else None
        if parse is None:
            typer.echo(f"#{raw.id}  {raw.channel}: this channel's inputs cannot be replayed")
            continue
        outcome = runtime.intake.retry(raw.id, parse=parse)
        code = outcome.accepted.tracking_code if outcome.accepted else ""
        typer.echo(f"#{raw.id}  {raw.channel}: {outcome.status} {code} {outcome.reason or ''}")


@intake_app.command("show")
def intake_show(
    raw_id: int,
    out: Annotated[Path | None, typer.Option(help="write the raw bytes to this file")] = None,
) -> None:
    """One received input: its status and reason, and its bytes exactly as received."""
    settings = get_settings()
    runtime = build_runtime(settings)
    with runtime.session_factory() as session:
        try:
            raw = intake_service.get_raw(session, raw_id=raw_id)
        except ServiceError as exc:
            _fail(exc.detail)
        data = intake_service.raw_bytes(raw, runtime.blobs)
    typer.echo(
        json.dumps(
            {
                "id": raw.id,
                "channel": raw.channel,
                "received_at": raw.received_at.isoformat(),
                "status": raw.status,
                "reason": raw.reason,
                "report_id": raw.report_id,
                "content_type": raw.content_type,
                "size": raw.body_size,
                "sha256": raw.body_sha256,
                "meta": raw.meta,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    if out is not None:
        out.write_bytes(data)
        typer.echo(f"wrote {len(data)} bytes to {out}")
    else:
        typer.echo(data.decode("utf-8", errors="replace")[:4000])


_CORPUS = PROJECT_ROOT / "classifiers" / "corpus"
# Decisions taken without a person must be right this often on real text (issue #10).
AUTOMATIC_TARGET = 0.97
_MODEL_HELP = "artifact (default: TRIAGE_TEXT_MODEL_PATH, the one the service uses)"


def _model_path(given: Path | None) -> Path:
    return given if given is not None else get_settings().text_model_path


@model_app.command("train")
def model_train(
    data: Annotated[
        list[Path] | None,
        typer.Option(help="labelled CSV (repeatable; default: the whole corpus, see README)"),
    ] = None,
    out: Annotated[Path | None, typer.Option(help=_MODEL_HELP)] = None,
    with_corrections: Annotated[
        bool, typer.Option("--with-corrections", help="add inspectors' relabels from the database")
    ] = False,
    photos: Annotated[
        Path | None,
        typer.Option(help="photo features CSV for the photo model and the text+photo stacker"),
    ] = _CORPUS / "photo_train.csv",
    no_photos: Annotated[
        bool, typer.Option("--no-photos", help="text only: photos do not change decisions")
    ] = False,
) -> None:
    """Train the classifier reproducibly (fixed seed; version and data hashes recorded):
    text models and, unless --no-photos, the photo model and the stacker joining them."""
    from classifiers import text as text_model
    from classifiers.corpus.compose_photos import read_photo_features

    photo_data = None
    files = data or text_model.corpus_files(_CORPUS)
    try:
        if data:
            examples = [e for path in data for e in text_model.read_examples(path)]
        else:
            examples = text_model.read_corpus(_CORPUS)
        if photos is not None and not no_photos:
            photo_data = read_photo_features(photos)
    except (OSError, ValueError, KeyError) as exc:
        _fail(str(exc))
    digest = text_model.sha256_of(files + ([photos] if photo_data and photos else []))
    if with_corrections:
        from service.cases import service as case_service

        with _session(get_settings()) as session:
            fixes = case_service.corrections(session)
        examples += [text_model.Example(c.text, c.category, c.subtype, c.priority) for c in fixes]
        extra = json.dumps([list(_fields_of(c)) for c in fixes], ensure_ascii=False).encode()
        digest = hashlib.sha256(digest.encode() + extra).hexdigest()
        typer.echo(f"{len(fixes)} correction(s) from inspectors added")
    with typer.progressbar(length=1, label=f"training on {len(examples)} examples") as bar:
        model = text_model.train(
            examples, data_sha256=digest, photos=photo_data, measure_held_out=True
        )
        if photo_data and photos:
            model.meta["photo_data"] = str(photos.name)
            model.meta["photo_data_sha256"] = text_model.sha256_of([photos])
        bar.update(1)
    artifact = _model_path(out)
    model.save(artifact)
    typer.echo(json.dumps({**model.meta, "artifact": str(artifact)}, ensure_ascii=False))


def _fields_of(c: object) -> tuple[str, ...]:
    return tuple(str(getattr(c, f)) for f in ("text", "category", "subtype", "priority"))


@model_app.command("eval")
def model_eval(
    file: Annotated[Path, typer.Argument(help="labelled CSV, e.g. classifiers/corpus/eval.csv")],
    model_path: Annotated[Path | None, typer.Option("--model", help=_MODEL_HELP)] = None,
    photos: Annotated[
        Path | None,
        typer.Option(help="held-out photo features CSV: also score text+photo decisions"),
    ] = None,
    labels: Annotated[
        Path,
        typer.Option(
            help="the team's subtype / urgency / topic labels of real rows, keyed by text hash"
        ),
    ] = _CORPUS / "real_dev_labels.csv",
) -> None:
    """Per-class precision / recall / F1 and the confusion matrix, beside the keyword rule;
    with --photos, also each report paired with a held-out photo of its category."""
    from classifiers import text as text_model

    try:
        examples = text_model.read_examples(file)
        model = text_model.TextModel.load(_model_path(model_path))
    except (OSError, ValueError, TypeError) as exc:
        _fail(f"{exc} (train first: triage model train)")
    decisions = model.decide_many([e.text for e in examples])
    truth = [e.category for e in examples]
    for name, predicted in (
        (f"model {model.meta.get('version')}", [d.category for d in decisions]),
        ("keyword rule (baseline)", [text_model.keyword_rule(e.text) for e in examples]),
    ):
        _print_scores(name, text_model.score(truth, predicted), len(examples))
    _print_interval(truth, [d.category for d in decisions])
    has_subtypes = any(e.subtype for e in examples)
    if has_subtypes:
        typer.echo(
            f"subtype right for {text_model.subtype_accuracy(examples, decisions):.1%} "
            "of the correctly classified cable/ad reports"
        )
    plain = [replace(e, text=text_model.strip_marks(e.text)) for e in examples]
    plain_decisions = model.decide_many([e.text for e in plain])
    plain_scores = text_model.score(truth, [d.category for d in plain_decisions])
    plain_rule = text_model.score(truth, [text_model.keyword_rule(e.text) for e in plain])
    subtype_plain = (
        f", subtype right for {text_model.subtype_accuracy(plain, plain_decisions):.1%}"
        if has_subtypes
        else ""
    )
    typer.echo(
        f"the same reports typed without diacritics: macro-F1 {plain_scores.macro_f1:.3f} "
        f"(keyword rule {plain_rule.macro_f1:.3f}){subtype_plain}"
    )
    _print_real_text_figures(
        examples, decisions, get_settings().classify_min_confidence, model.meta
    )
    _print_team_labelled(examples, decisions, labels)
    if photos is not None:
        _eval_with_photos(model, examples, photos)


def _print_real_text_figures(
    examples: list[Any],
    decisions: list[Any],
    threshold: float,
    model_meta: dict[str, Any] | None = None,
) -> None:
    """Per source family beside the keyword rule, the calibration error, and what the
    manual-triage threshold lets through unseen."""
    from classifiers import evaluation
    from classifiers import text as text_model
    from classifiers.fusion import expected_calibration_error

    truth = [e.category for e in examples]
    correct = [d.category == t for d, t in zip(decisions, truth, strict=True)]
    groups = evaluation.group_by_family([e.source for e in examples])
    if list(groups) != ["unknown"]:
        for family, rows in groups.items():
            model_f1 = text_model.score(
                [truth[i] for i in rows], [decisions[i].category for i in rows]
            ).macro_f1
            rule_f1 = text_model.score(
                [truth[i] for i in rows], [text_model.keyword_rule(examples[i].text) for i in rows]
            ).macro_f1
            typer.echo(
                f"source family {family}: {len(rows)} reports, macro-F1 model {model_f1:.3f}, "
                f"keyword rule {rule_f1:.3f}"
            )
    confidences = [d.confidence for d in decisions]
    typer.echo(
        f"calibration error (ECE, 10 bins): {expected_calibration_error(confidences, correct):.3f}"
    )
    auto = evaluation.automation_at(confidences, correct, threshold=threshold)
    typer.echo(
        f"at the manual-triage threshold {threshold:g} (TRIAGE_CLASSIFY_MIN_CONFIDENCE): "
        f"{auto.automatic_share:.1%} decided without a person, right {auto.automatic_accuracy:.1%} "
        f"of the time; {auto.manual} to manual triage"
    )
    lowest = evaluation.lowest_threshold(confidences, correct, target=AUTOMATIC_TARGET)
    held = (model_meta or {}).get("held_out_pages", {})
    at = held.get("by_threshold", {}).get(f"{threshold:g}")
    if at:
        families = ", ".join(f"{f} {v:.3f}" for f, v in held.get("by_family", {}).items())
        typer.echo(
            f"the corpus's own {held['n']} open-world rows, each page held out in training: "
            f"macro-F1 {held['macro_f1']:.3f} ({families}); at {threshold:g}, "
            f"{at['automatic']:.1%} decided without a person, right {at['right']:.1%} of the time"
        )
        subtypes = held.get("cable_subtype")
        if subtypes:
            typer.echo(
                f"  their cables' subtype right for {subtypes['accuracy']:.1%} of "
                f"{subtypes['n']} (commonest errors: "
                + ", ".join(f"{k} {v}" for k, v in subtypes["confusions"].items())
                + ")"
            )
        urgency = held.get("cable_urgency")
        if urgency:
            typer.echo(
                f"  their urgent cables called urgent {urgency['urgent_recall']:.1%} of "
                f"{urgency['urgent_n']} (precision {urgency['urgent_precision']:.1%})"
            )
        topics = held.get("other_by_topic", {})
        if topics:
            typer.echo(
                "  their other, called other per topic: "
                + ", ".join(f"{t} {hit}/{n}" for t, (hit, n) in topics.items())
            )
    if lowest is None:
        typer.echo(
            f"no threshold makes automatic decisions right {AUTOMATIC_TARGET:.0%} of the time"
        )
    else:
        typer.echo(
            f"lowest threshold for automatic decisions right {AUTOMATIC_TARGET:.0%} of the time: "
            f"{lowest.threshold:.3f} ({lowest.automatic_share:.1%} automatic, "
            f"{lowest.manual} to manual triage)"
        )


def _print_team_labelled(examples: list[Any], decisions: list[Any], labels: Path) -> None:
    """Subtype, urgency and the topics of `other`: from the file's own columns, or for real
    rows whose source gives only the category, from the team's labels keyed by text hash."""
    from classifiers import evaluation

    known: dict[str, Any] = {}
    if labels.exists():
        try:
            known = evaluation.read_row_labels(labels)
        except (OSError, KeyError, ValueError) as exc:
            _fail(f"{labels}: {exc}")
    rows = []
    for e, d in zip(examples, decisions, strict=True):
        mine = known.get(evaluation.text_key(e.text)) or evaluation.RowLabels(
            e.category, e.subtype, e.priority if e.subtype or e.topic else "", e.topic
        )
        rows.append(
            evaluation.Labelled(
                e.category,
                mine.subtype,
                mine.priority,
                mine.topic,
                d.category,
                d.subtype,
                d.priority,
            )
        )
    cable = evaluation.subtype_and_urgency(rows)
    if not cable["subtype_n"] and not cable["urgent_n"]:
        typer.echo("no cable subtype or urgency labels for these rows: not scored")
        return
    typer.echo(
        "cable subtype right for "
        f"{cable['subtype_accuracy']:.1%} of {cable['subtype_n']:.0f} correctly classified "
        f"cables; urgent cables called urgent {cable['urgent_recall']:.1%} of "
        f"{cable['urgent_n']:.0f} (precision {cable['urgent_precision']:.1%})"
    )
    typed = evaluation.subtype_hits(rows)
    if typed:
        low, high = evaluation.bootstrap_interval(
            len(typed), lambda picked: sum(typed[i] for i in picked) / len(picked)
        )
        typer.echo(f"  95% bootstrap interval of the subtype figure: {low:.1%} to {high:.1%}")
    topics = evaluation.other_by_topic(rows)
    if topics:
        typer.echo(
            "other, called other per topic: "
            + ", ".join(f"{t} {hit}/{n}" for t, (hit, n) in topics.items())
        )


def _print_interval(truth: list[str], predicted: list[str]) -> None:
    from classifiers import evaluation
    from classifiers import text as text_model

    low, high = evaluation.bootstrap_interval(
        len(truth),
        lambda rows: (
            text_model.score([truth[i] for i in rows], [predicted[i] for i in rows]).macro_f1
        ),
    )
    typer.echo(
        f"  the model's macro-F1, 95% bootstrap interval over these {len(truth)} reports: "
        f"{low:.3f} to {high:.3f}"
    )


def _print_scores(name: str, scores: Any, n: int) -> None:
    typer.echo(f"{name}: macro-F1 {scores.macro_f1:.3f} on {n} reports")
    typer.echo(f"  {'class':8} {'precision':>9} {'recall':>7} {'F1':>6} {'n':>4}")
    for row in zip(
        scores.labels, scores.precision, scores.recall, scores.f1, scores.support, strict=True
    ):
        typer.echo(f"  {row[0]:8} {row[1]:9.3f} {row[2]:7.3f} {row[3]:6.3f} {row[4]:4d}")
    typer.echo("  confusion (rows: truth, columns: predicted " + "/".join(scores.labels) + ")")
    for label, counts in zip(scores.labels, scores.confusion, strict=True):
        typer.echo(f"  {label:8} " + " ".join(f"{c:4d}" for c in counts))


def _eval_with_photos(model: Any, examples: list[Any], photos: Path) -> None:
    """Each report with one held-out photo of its category (fixed pairing); then the photos
    alone, and power lines told from telecom cables."""
    import random

    from classifiers import text as text_model
    from classifiers.corpus.compose_photos import read_photo_features
    from classifiers.fusion import SCENES_FOR, expected_calibration_error

    try:
        rows, scenes = read_photo_features(photos)
    except (OSError, KeyError, ValueError) as exc:
        _fail(str(exc))
    if getattr(model, "photo", None) is None:
        _fail("this model was trained without photos (triage model train, without --no-photos)")
    rng = random.Random(7)
    by_scene: dict[str, list[dict[str, float]]] = {}
    for row, scene in zip(rows, scenes, strict=True):
        by_scene.setdefault(scene, []).append(row)
    truth = [e.category for e in examples]
    paired = [
        model.decide_with_photos(e.text, [rng.choice(by_scene[rng.choice(SCENES_FOR[e.category])])])
        for e in examples
    ]
    _print_scores(
        "text + a photo of the same category",
        text_model.score(truth, [d.category for d in paired]),
        len(examples),
    )
    correct = [d.category == t for d, t in zip(paired, truth, strict=True)]
    ece = expected_calibration_error([d.confidence for d in paired], correct)
    text_only = model.decide_many([e.text for e in examples])
    ece_text = expected_calibration_error(
        [d.confidence for d in text_only],
        [d.category == t for d, t in zip(text_only, truth, strict=True)],
    )
    typer.echo(
        f"calibration error (ECE, 10 bins): text + photo {ece:.3f}, text alone {ece_text:.3f}"
    )
    photo_verdicts = model.photo.judge_many(rows)
    photo_truth = [{"telecom_cable": "cable", "ad": "ad"}.get(s, "other") for s in scenes]
    photo_pred = [max(v.categories, key=v.categories.get) for v in photo_verdicts]
    _print_scores(
        f"photos alone ({photos.name})", text_model.score(photo_truth, photo_pred), len(rows)
    )
    power = [v.scenes.get("power_line", 0.0) > 0.5 for v in photo_verdicts]
    is_power = [s == "power_line" for s in scenes]
    hits = sum(p and t for p, t in zip(power, is_power, strict=True))
    typer.echo(
        f"power lines told from telecom cables by photo: {hits}/{sum(is_power)} power-line "
        f"photos found, {sum(power) - hits} other photos taken for power lines"
    )


@app.command("classify")
def classify(
    model_path: Annotated[Path | None, typer.Option("--model", help=_MODEL_HELP)] = None,
) -> None:
    """Read JSON lines {"text": …, "photos": [path, …]} on stdin, write one decision per line
    on stdout: {"category", "subtype", "priority", "confidence", "operator", "phones"}.
    Photos are read (OCR) and join the decision; their numbers join the phones."""
    from classifiers.phones import extract_phones
    from classifiers.photo_text import operator_of, phones_on_photo
    from classifiers.text import TextModel

    operators = _operators()
    plan, patterns = operators.number_plan, operators.label_patterns
    try:
        model = TextModel.load(_model_path(model_path))
    except (OSError, TypeError) as exc:
        _fail(f"{exc} (train first: triage model train)")
    for n, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
            text = doc["text"]
            paths = doc.get("photos") or []
            if not isinstance(text, str) or not all(isinstance(p, str) for p in paths):
                raise TypeError("text must be a string and photos a list of paths")
            seen = [_read_photo(Path(p), operators) for p in paths]
        except (json.JSONDecodeError, KeyError, TypeError, OSError) as exc:
            typer.secho(f"line {n}: skipped ({exc})", fg=typer.colors.RED, err=True)
            continue
        decision = model.decide_with_photos(
            text, [features for _, features in seen], [reading.text for reading, _ in seen]
        )
        readings = [reading for reading, _ in seen]
        operator = operator_of(text, readings, patterns) if decision.category == "cable" else None
        phones = [p.e164 for p in extract_phones(text, plan=plan)]
        for i, reading in enumerate(readings, start=1):
            found = phones_on_photo(reading, photo=i, plan=plan)
            phones += [p.e164 for p in found if p.e164 not in phones]
        out = {
            "category": decision.category,
            "subtype": decision.subtype,
            "priority": decision.priority,
            "confidence": round(decision.confidence, 4),
            "operator": operator,
            "phones": phones,
        }
        if seen:  # a photo that clearly shows another category: a person should look
            out["disputed"] = decision.disputed
        typer.echo(json.dumps(out, ensure_ascii=False))


def _open_photo(path: Path) -> Any:
    """The image in a file, upright; OSError with a message a person can act on."""
    from PIL import UnidentifiedImageError

    from classifiers.ocr import open_image

    try:
        return open_image(path.read_bytes())
    except FileNotFoundError as exc:
        raise OSError("no such file") from exc
    except IsADirectoryError as exc:
        raise OSError("a folder, not an image") from exc
    except UnidentifiedImageError as exc:
        raise OSError("not an image this reader knows (JPEG, PNG, WebP, GIF, TIFF…)") from exc
    except OSError as exc:
        raise OSError(f"cannot be read: {exc}") from exc


def _operators() -> "OperatorDirectory":
    from service.operators.directory import load_directory

    try:
        return load_directory(get_settings().operators_file)
    except ServiceError as exc:
        _fail(exc.detail)
        raise  # not reached: _fail exits


def _read_photo(path: Path, operators: "OperatorDirectory") -> tuple[Any, dict[str, float]]:
    """OCR and features of one image file (OSError: see _open_photo)."""
    from classifiers.ocr import shared_reader
    from classifiers.photo import measure

    try:
        image = _open_photo(path)
    except OSError as exc:
        raise OSError(f"{path}: {exc}") from exc
    reading = shared_reader().read(image)
    features = measure(
        image, reading, plan=operators.number_plan, patterns=operators.label_patterns
    )
    return reading, features


@app.command("phones")
def phones(
    images: Annotated[list[Path], typer.Argument(help="photos of ads (JPEG, PNG, WebP…)")],
    details: Annotated[
        bool, typer.Option("--details", help="also where each number was read (box, text)")
    ] = False,
    annotate: Annotated[
        Path | None,
        typer.Option(help="folder: write each photo with its OCR boxes and numbers drawn on"),
    ] = None,
) -> None:
    """Read the phone numbers off photos: one JSON line per image {"file", "numbers"}.
    An unreadable file gets {"file", "error"} and the exit status 1."""
    from classifiers.ocr import shared_reader
    from classifiers.photo_text import phones_on_photo

    plan = _operators().number_plan
    failed = False
    for path in images:
        out: dict[str, Any] = {"file": str(path)}
        try:
            image = _open_photo(path)
        except OSError as exc:
            out["error"] = str(exc)
            failed = True
            typer.echo(json.dumps(out, ensure_ascii=False))
            continue
        reading = shared_reader().read(image)
        found = phones_on_photo(reading, photo=1, plan=plan)
        out["numbers"] = [p.e164 for p in found]
        if details:
            out["found"] = [
                {"e164": p.e164, "kind": p.kind, "carrier_hint": p.carrier_hint,
                 "box": p.source.split("/", 1)[1], "raw": p.raw}
                for p in found
            ]  # fmt: skip
            out["lines"] = [line.as_dict() for line in reading.lines]
            out["seconds"] = round(reading.seconds, 3)
        if annotate is not None:
            from classifiers.annotate import annotate as draw_on

            annotate.mkdir(parents=True, exist_ok=True)
            picture = annotate / f"{path.stem}.annotated.png"
            draw_on(image, reading, found).save(picture)
            out["annotated"] = str(picture)
        typer.echo(json.dumps(out, ensure_ascii=False))
    if failed:
        raise typer.Exit(1)


@seed_app.command("demo")
def seed_demo() -> None:
    """Submit a handful of demo reports (once) and create a demo inspector key."""
    from service.demo import seed

    settings = get_settings()
    runtime = build_runtime(settings)
    for line in seed(runtime):
        typer.echo(line)
