import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from classifiers import text as text_model
from service.cli import app
from service.config import PROJECT_ROOT, get_settings
from service.intake.service import ParsedReport, Unparseable
from service.outbox import service as outbox_service
from service.outbox.models import OutboxMessage
from service.wiring import Runtime

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    ("lat", "lon", "match", "code"),
    [("16.45394", "107.58305", "inside", "19789"), ("16.0544", "108.2022", "outside", None)],
)
def test_geotag_prints_the_ward_as_json(lat: str, lon: str, match: str, code: str | None) -> None:
    result = runner.invoke(app, ["geotag", lat, lon])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["match"], out["ward_code"]) == (match, code)


@pytest.mark.usefixtures("cli_env")
def test_geotag_refuses_a_latitude_out_of_range() -> None:
    result = runner.invoke(app, ["geotag", "--", "123", "107"])
    assert result.exit_code != 0
    assert "less than or equal to 90" in result.output


@pytest.mark.usefixtures("cli_env")
def test_wards_load_reports_a_bad_file_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"code": "1"}, "geometry": null}]}'
    )
    result = runner.invoke(app, ["wards", "load", str(bad)])
    assert result.exit_code == 1
    assert "'code' and 'name' are required" in result.output


@pytest.mark.usefixtures("cli_env")
def test_wards_load_reports_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["wards", "load", str(tmp_path / "nope.geojson")])
    assert result.exit_code == 1
    assert "cannot read" in result.output


@pytest.mark.usefixtures("cli_env")
def test_intake_failures_lists_what_a_channel_could_not_read(
    runtime: Runtime, tmp_path: Path
) -> None:
    channel = f"cli-test-{uuid.uuid4().hex[:8]}"
    body = "Xin chào\x00 not a report".encode()

    def refuse(_: bytes) -> ParsedReport:
        raise Unparseable("no description in the message")

    outcome = runtime.intake.receive(
        channel=channel, body=body, content_type="text/plain", parse=refuse
    )
    try:
        listed = runner.invoke(app, ["intake", "failures", "--channel", channel])
        assert listed.exit_code == 0, listed.output
        assert f"#{outcome.raw_id}" in listed.stdout
        assert "no description in the message" in listed.stdout
        out = tmp_path / "raw.bin"
        shown = runner.invoke(app, ["intake", "show", str(outcome.raw_id), "--out", str(out)])
        assert shown.exit_code == 0, shown.output
        assert out.read_bytes() == body
        missing = runner.invoke(app, ["intake", "show", "999999999"])
        assert missing.exit_code == 1
        assert "does not exist" in missing.output
    finally:
        with runtime.engine.begin() as conn:
            conn.execute(text("DELETE FROM raw_inputs WHERE channel = :c"), {"c": channel})


@pytest.mark.usefixtures("cli_env")
def test_outbox_dead_and_replay(runtime: Runtime) -> None:
    with runtime.session_factory.begin() as session:
        outbox_service.add_message(session, task_name="cli.test", kwargs={"n": 1})
        message_id = session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.task_name == "cli.test")
        ).one()
        outbox_service.dead_letter(session, message_id=message_id, error="HTTP 503 from Hue-S")
    try:
        dead = runner.invoke(app, ["outbox", "dead"])
        assert f"#{message_id}  cli.test" in dead.stdout
        assert "HTTP 503 from Hue-S" in dead.stdout
        assert runner.invoke(app, ["outbox", "replay"]).exit_code == 1
        replayed = runner.invoke(app, ["outbox", "replay", str(message_id)])
        assert "replaying 1 message(s)" in replayed.stdout
        assert f"#{message_id}" not in runner.invoke(app, ["outbox", "dead"]).stdout
    finally:
        with runtime.engine.begin() as conn:
            conn.execute(text("DELETE FROM outbox_messages WHERE task_name = 'cli.test'"))


@pytest.mark.usefixtures("cli_env")
def test_email_ingest_takes_saved_messages_and_explains_refusals(runtime: Runtime) -> None:
    mail = Path(__file__).resolve().parents[1] / "data" / "mail" / "mikel_mail"
    files = [
        mail / "plain_emails__raw_email_reply.eml",
        mail / "multipart_report_emails__report_422.eml",
    ]
    try:
        result = runner.invoke(app, ["email", "ingest", *map(str, files)])
        assert result.exit_code == 0, result.output
        assert "plain_emails__raw_email_reply.eml: accepted HUE-" in result.stdout
        assert "multipart_report_emails__report_422.eml: ignored" in result.stdout
        assert "bounce" in result.stdout
        again = runner.invoke(app, ["email", "ingest", str(files[0])])
        assert "duplicate" in again.stdout
        missing = runner.invoke(app, ["email", "ingest", "/nonexistent.eml"])
        assert missing.exit_code == 1
        assert "no such file" in missing.output
    finally:
        with runtime.engine.begin() as conn:
            conn.execute(text("DELETE FROM raw_inputs WHERE channel = 'email'"))
            conn.execute(text("DELETE FROM outbox_messages"))
            conn.execute(text("DELETE FROM reports WHERE channel = 'email'"))


@pytest.mark.usefixtures("cli_env")
def test_intake_retry_replays_a_failed_input_once_the_parser_is_fixed(runtime: Runtime) -> None:
    mail = Path(__file__).resolve().parents[1] / "data" / "mail" / "mikel_mail"
    body = (mail / "plain_emails__raw_email_reply.eml").read_bytes()

    def broken(_: bytes) -> ParsedReport:
        raise RuntimeError("parser bug")

    outcome = runtime.intake.receive(
        channel="email", body=body, content_type="message/rfc822", parse=broken
    )
    assert outcome.status == "failed"
    try:
        first = runner.invoke(app, ["intake", "retry", str(outcome.raw_id)])
        assert first.exit_code == 0, first.output
        assert f"#{outcome.raw_id}  email: accepted HUE-" in first.stdout
        again = runner.invoke(app, ["intake", "retry", str(outcome.raw_id)])
        assert "duplicate" in again.stdout
        assert runner.invoke(app, ["intake", "retry"]).exit_code == 1
    finally:
        with runtime.engine.begin() as conn:
            conn.execute(text("DELETE FROM raw_inputs WHERE channel = 'email'"))
            conn.execute(text("DELETE FROM outbox_messages"))
            conn.execute(text("DELETE FROM reports WHERE channel = 'email'"))


@pytest.mark.usefixtures("cli_env")
def test_model_train_with_corrections_learns_from_inspectors(
    runtime: Runtime, tmp_path: Path
) -> None:
    from service.cases import service as case_service
    from service.reports.service import IncomingReport
    from service.triage import pipeline

    with runtime.session_factory.begin() as session:
        accepted = pipeline.accept_report(
            session,
            incoming=IncomingReport(
                channel="cli-test",
                text="dây điện thoại rủ ngang ngõ",
                raw_body=b"{}",
                raw_content_type="application/json",
                payload={},
            ),
            blobs=runtime.blobs,
            limits=runtime.photo_limits,
        )
        case_id = pipeline.process_report(
            session, report_id=accepted.report_id, policy=runtime.policy
        ).case_id
        assert case_id is not None
        case_service.relabel(
            session,
            case_id=case_id,
            category="cable",
            subtype="low_or_sagging",
            priority="urgent",
            actor="inspector",
            note=None,
        )
    try:
        out = tmp_path / "m.joblib"
        result = runner.invoke(app, ["model", "train", "--with-corrections", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "1 correction(s) from inspectors added" in result.stdout
        meta = json.loads(result.stdout.splitlines()[-1])
        assert meta["n"] == len(text_model.read_corpus(PROJECT_ROOT / "classifiers" / "corpus")) + 1
    finally:
        with runtime.engine.begin() as conn:
            conn.execute(text("DELETE FROM outbox_messages"))
            conn.execute(text("DELETE FROM reports WHERE channel = 'cli-test'"))
            conn.execute(text("DELETE FROM cases WHERE id = :id"), {"id": case_id})


def test_model_commands_use_the_services_model_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    artifact = tmp_path / "where-the-service-looks.joblib"
    monkeypatch.setenv("TRIAGE_TEXT_MODEL_PATH", str(artifact))
    get_settings.cache_clear()
    try:
        missing = runner.invoke(app, ["classify"], input='{"text": "cáp rối"}\n')
        assert missing.exit_code == 1
        assert str(artifact) in missing.output  # names the file it looked for
        trained = runner.invoke(app, ["model", "train", "--no-photos"])
        assert trained.exit_code == 0, trained.output
        assert artifact.exists()
        decided = runner.invoke(app, ["classify"], input='{"text": "Cáp viễn thông rủ thấp"}\n')
        assert decided.exit_code == 0, decided.output
        assert json.loads(decided.stdout)["category"] == "cable"
    finally:
        get_settings.cache_clear()


@pytest.mark.usefixtures("cli_env")
def test_clients_add_list_revoke() -> None:
    name = f"Zalo bridge {uuid.uuid4().hex[:6]}"
    added = runner.invoke(app, ["clients", "add", name, "--channel", "zalo", "--per-minute", "5"])
    assert added.exit_code == 0, added.output
    key = added.stdout.strip().splitlines()[-1]
    assert key.startswith("tri_c_")
    assert len(key) >= 40
    client_id = added.stdout.split()[1]
    listed = runner.invoke(app, ["clients", "list"])
    line = next(x for x in listed.stdout.splitlines() if name in x)
    assert "channel zalo" in line
    assert "5/min" in line
    assert "active" in line
    assert key not in listed.stdout
    revoked = runner.invoke(app, ["clients", "revoke", client_id])
    assert revoked.exit_code == 0, revoked.output
    line = next(x for x in runner.invoke(app, ["clients", "list"]).stdout.splitlines() if name in x)
    assert "revoked" in line
    assert runner.invoke(app, ["clients", "revoke", "999999"]).exit_code == 1


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize("channel", ["hue-s", "portal", "Not A Slug"])
def test_clients_add_refuses_a_reserved_or_malformed_channel(channel: str) -> None:
    result = runner.invoke(app, ["clients", "add", "x", "--channel", channel])
    assert result.exit_code == 1
    assert "error:" in result.stderr
    assert "tri_c_" not in result.stdout


@pytest.mark.usefixtures("cli_env")
def test_clients_ensure_dev_is_idempotent_and_refused_in_prod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "dev-client-key"
    first = runner.invoke(app, ["clients", "ensure-dev", "--key-file", str(key_file)])
    again = runner.invoke(app, ["clients", "ensure-dev", "--key-file", str(key_file)])
    assert first.exit_code == again.exit_code == 0, first.output
    assert first.stdout == again.stdout
    key = key_file.read_text().strip()
    assert key in first.stdout
    assert key_file.stat().st_mode & 0o077 == 0
    monkeypatch.setenv("TRIAGE_ENV", "prod")
    monkeypatch.setenv("TRIAGE_ADMIN_TOKEN", "a" * 40)
    get_settings.cache_clear()
    refused = runner.invoke(app, ["clients", "ensure-dev", "--key-file", str(key_file)])
    assert refused.exit_code == 1
    assert "production" in refused.stderr


@pytest.mark.usefixtures("cli_env")
def test_outbox_relay_unstarted_sends_again_what_never_began(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a broker restart that lost its queue (`./dev run` runs this when its Redis
    starts), a message sent a minute ago whose run never began is sent again at once, not
    after the 30 min timeout. The broker here is a closed port: the attempt is recorded."""
    monkeypatch.setenv("TRIAGE_BROKER_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    with runtime.session_factory.begin() as session:
        outbox_service.add_message(session, task_name="cli.unstarted", kwargs={"n": 1})
        session.execute(
            text(
                "UPDATE outbox_messages SET dispatched_at = now() - interval '60 seconds', "
                "dispatch_count = 1 WHERE task_name = 'cli.unstarted'"
            )
        )

    def row() -> tuple[int, str | None]:
        with runtime.session_factory() as session:
            message = session.scalars(
                select(OutboxMessage).where(OutboxMessage.task_name == "cli.unstarted")
            ).one()
            return message.dispatch_count, message.last_error

    try:
        assert runner.invoke(app, ["outbox", "relay"]).exit_code == 0
        assert row() == (1, None)  # within the unstarted timeout: still queued, not resent
        result = runner.invoke(app, ["outbox", "relay", "--unstarted"])
        assert result.exit_code == 0, result.output
        # Attempted at once; it never reached the (closed) broker, so it is not counted as
        # sent and the next pass tries again.
        assert row() == (1, "broker unavailable")
    finally:
        with runtime.engine.begin() as conn:
            conn.execute(text("DELETE FROM outbox_messages WHERE task_name = 'cli.unstarted'"))


REAL_DEV = PROJECT_ROOT.parent / "shared" / "data" / "real-dev" / "reports.csv"


@pytest.mark.skipif(not REAL_DEV.exists(), reason="needs ../shared/data/real-dev (evaluation only)")
def test_model_eval_reads_the_real_development_set_and_reports_by_source_family(
    tmp_path: Path,
) -> None:
    model = tmp_path / "m.joblib"
    trained = runner.invoke(app, ["model", "train", "--no-photos", "--out", str(model)])
    assert trained.exit_code == 0, trained.output
    result = runner.invoke(app, ["model", "eval", str(REAL_DEV), "--model", str(model)])
    assert result.exit_code == 0, result.output
    assert "on 153 reports" in result.stdout
    assert "source family portal:" in result.stdout
    assert "source family press:" in result.stdout
    assert "cable subtype right for" in result.stdout  # the team's labels, by text hash
    assert "urgent cables called urgent" in result.stdout
    assert "other, called other per topic: banners_signs" in result.stdout
    assert "calibration error (ECE, 10 bins):" in result.stdout
    assert "decided without a person" in result.stdout


@pytest.mark.usefixtures("cli_env")
def test_units_contact_sets_a_webhook_and_prints_its_secret_once() -> None:
    hook = "https://noc.vtvcab.example/triage"
    try:
        result = runner.invoke(
            app, ["units", "contact", "vtvcab", "--webhook", hook, "--secret-generate"]
        )
        assert result.exit_code == 0, result.output
        assert f"webhook {hook}" in result.stdout
        secret = result.stdout.rsplit(": ", 1)[-1].strip()
        assert len(secret) >= 40
        again = runner.invoke(app, ["units", "contact", "vtvcab", "--email", "noc@vtvcab.vn"])
        assert again.exit_code == 0, again.output
        assert secret not in again.stdout  # shown once
        assert "e-mail noc@vtvcab.vn" in again.stdout
    finally:
        runner.invoke(app, ["units", "contact", "vtvcab", "--clear-webhook", "--clear-email"])


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["vtvcab", "--webhook", "http://noc.vtvcab.example/"], "must be https"),
        (["vtvcab", "--webhook", "https://noc.vtvcab.example/"], "needs a secret"),
        (["vtvcab", "--email", "not-an-address"], "not an e-mail address"),
        (["no-such-unit", "--email", "a@b.vn"], "there is no unit"),
    ],
)
def test_units_contact_refuses_bad_input_in_one_line(args: list[str], error: str) -> None:
    result = runner.invoke(app, ["units", "contact", *args])
    assert result.exit_code == 2
    assert error in result.output
    assert len(result.output.strip().splitlines()) == 1
