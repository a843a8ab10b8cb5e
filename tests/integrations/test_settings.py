"""Each adapter's settings refuse default and short secrets when TRIAGE_ENV=prod."""

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from integrations.hue_s.settings import HueSSettings
from integrations.open311.settings import Open311Settings
from integrations.portal.settings import PortalSettings

STRONG = "k" * 32
CASES = [
    (HueSSettings, "secret", "TRIAGE_HUES_SECRET"),
    (PortalSettings, "secret", "TRIAGE_PORTAL_SECRET"),
]


@pytest.mark.parametrize(("model", "field", "variable"), CASES)
def test_prod_refuses_the_default_secret(
    monkeypatch: pytest.MonkeyPatch, model: type[BaseSettings], field: str, variable: str
) -> None:
    monkeypatch.setenv("TRIAGE_ENV", "prod")
    monkeypatch.delenv(variable, raising=False)
    with pytest.raises(ValidationError, match=f"{variable} is still the development default"):
        model()


@pytest.mark.parametrize(("model", "field", "variable"), CASES)
def test_prod_refuses_a_short_secret_and_takes_a_long_one(
    monkeypatch: pytest.MonkeyPatch, model: type[BaseSettings], field: str, variable: str
) -> None:
    monkeypatch.setenv("TRIAGE_ENV", "prod")
    monkeypatch.setenv(variable, "x")
    with pytest.raises(ValidationError, match=f"{variable} is 1 characters"):
        model()
    monkeypatch.setenv(variable, STRONG)
    assert getattr(model(), field).get_secret_value() == STRONG


def test_prod_refuses_the_open311_dev_key_even_beside_a_real_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRIAGE_ENV", "prod")
    monkeypatch.delenv("TRIAGE_OPEN311_API_KEYS", raising=False)
    with pytest.raises(ValidationError, match="TRIAGE_OPEN311_API_KEYS is still the development"):
        Open311Settings()
    monkeypatch.setenv("TRIAGE_OPEN311_API_KEYS", f"{STRONG},dev-open311-key")
    with pytest.raises(ValidationError, match="TRIAGE_OPEN311_API_KEYS"):
        Open311Settings()
    monkeypatch.setenv("TRIAGE_OPEN311_API_KEYS", f"{STRONG}, short")
    with pytest.raises(ValidationError, match="TRIAGE_OPEN311_API_KEYS is 5 characters"):
        Open311Settings()
    monkeypatch.setenv("TRIAGE_OPEN311_API_KEYS", STRONG)
    assert Open311Settings().api_keys == [STRONG]


def test_dev_keeps_the_default_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_ENV", "dev")
    monkeypatch.delenv("TRIAGE_OPEN311_API_KEYS", raising=False)
    monkeypatch.delenv("TRIAGE_HUES_SECRET", raising=False)
    assert Open311Settings().api_keys == ["dev-open311-key"]
    assert HueSSettings().secret.get_secret_value() == "dev-hue-s-secret"
