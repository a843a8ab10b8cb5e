import os

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, text

from service.models import Base
from tests.conftest import alembic_config, create_database


def test_upgrade_head_leaves_no_autogenerate_diff(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": alembic_helpers.include_object,
            },
        )
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == []


def test_newest_revision_downgrades_and_upgrades_cleanly(worker_id: str) -> None:
    url = create_database(os.environ["TEST_DATABASE_URL"], f"triage_migrations_{worker_id}")
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    head = ScriptDirectory.from_config(cfg).get_current_head()
    command.downgrade(cfg, "-1")
    command.upgrade(cfg, "head")
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head
        assert conn.scalar(text("SELECT postgis_version()"))
    engine.dispose()


NOTE_VISIBILITY = "9c1d2e3f4a01"


def test_note_visibility_migration_makes_every_existing_note_internal(worker_id: str) -> None:
    url = create_database(os.environ["TEST_DATABASE_URL"], f"triage_notes_{worker_id}")
    cfg = alembic_config(url)
    before = ScriptDirectory.from_config(cfg).get_revision(NOTE_VISIBILITY).down_revision
    assert isinstance(before, str)
    command.upgrade(cfg, before)
    engine = create_engine(url)
    with engine.begin() as conn:
        case_id = conn.scalar(
            text(
                "INSERT INTO cases (category, status, priority, location_match, due_at,"
                " search_text) VALUES ('cable', 'triaged', 'normal', 'missing', now(), '')"
                " RETURNING id"
            )
        )
        conn.execute(
            text(
                "INSERT INTO case_events (case_id, actor, action, from_status, to_status,"
                " before, after, note, is_public) VALUES"
                " (:c, 'an', 'transition', 'new', 'triaged', '{}', '{}', 'chủ nhà khó tính', true)"
            ),
            {"c": case_id},
        )
    command.upgrade(cfg, NOTE_VISIBILITY)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT note, note_is_public FROM case_events")).one()
    assert tuple(row) == ("chủ nhà khó tính", False)
    # Down again: the old code would publish the note, so it is set aside (kept for staff),
    # and the next upgrade brings it back as an internal note.
    command.downgrade(cfg, before)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT note, after ->> 'internal_note' FROM case_events")).one()
    assert tuple(row) == (None, "chủ nhà khó tính")
    command.upgrade(cfg, NOTE_VISIBILITY)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT note, note_is_public, after FROM case_events")).one()
    assert tuple(row) == ("chủ nhà khó tính", False, {})
    engine.dispose()


CARRIER_SLUGS = "9c1d2e3f4a05"


def test_carrier_hints_become_slugs_and_back(worker_id: str) -> None:
    url = create_database(os.environ["TEST_DATABASE_URL"], f"triage_carriers_{worker_id}")
    cfg = alembic_config(url)
    before = ScriptDirectory.from_config(cfg).get_revision(CARRIER_SLUGS).down_revision
    assert isinstance(before, str)
    command.upgrade(cfg, before)
    engine = create_engine(url)
    hints = ["Viettel", "VinaPhone", "MobiFone", "Vietnamobile", "Gmobile", "Itelecom", "Reddi"]
    with engine.begin() as conn:
        report_id = conn.scalar(
            text(
                "INSERT INTO reports (channel, tracking_code, text, raw_content_type,"
                " raw_body_sha256, raw_body_size, payload) VALUES ('web', 'HUE-T1', 'quảng cáo',"
                " 'application/json', repeat('0', 64), 2, '{}') RETURNING id"
            )
        )
        for i, hint in enumerate([*hints, None]):
            conn.execute(
                text(
                    "INSERT INTO report_phones (report_id, e164, kind, carrier_hint, source,"
                    " span_start, span_end, raw) VALUES (:r, :e, 'mobile', :h, 'text', 0, 10, 'x')"
                ),
                {"r": report_id, "e": f"+8490512345{i}", "h": hint},
            )

    def stored() -> list[str | None]:
        with engine.connect() as conn:
            return list(conn.scalars(text("SELECT carrier_hint FROM report_phones ORDER BY e164")))

    command.upgrade(cfg, CARRIER_SLUGS)
    slugs = ["viettel", "vnpt", "mobifone", "vietnamobile", "gmobile", "itelecom", "reddi"]
    assert stored() == [*slugs, None]
    command.downgrade(cfg, before)
    assert stored() == [*hints, None]
    engine.dispose()
