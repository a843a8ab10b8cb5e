from collections.abc import Iterator

import pytest

from integrations.email.settings import get_mail_settings
from tests.live import SmtpSink


@pytest.fixture
def smtp_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    """A real SMTP server on loopback, and the mail settings pointed at it."""
    sink = SmtpSink()
    sink.start()
    monkeypatch.setenv("TRIAGE_MAIL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRIAGE_MAIL_SMTP_PORT", str(sink.port))
    monkeypatch.setenv("TRIAGE_MAIL_SMTP_SECURITY", "none")
    get_mail_settings.cache_clear()
    yield sink
    sink.stop()
    get_mail_settings.cache_clear()
