"""Hue-S settings (env prefix TRIAGE_HUES_)."""

from functools import lru_cache

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.config import PROJECT_ROOT, check_production_secret

DEV_SECRET = "dev-hue-s-secret"


class HueSSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRIAGE_HUES_", extra="ignore", env_file=PROJECT_ROOT / ".local" / "dev.env"
    )

    env: str = Field("dev", validation_alias=AliasChoices("TRIAGE_ENV"))
    # Shared with Hue-S: signs their events to us and our status callbacks to them.
    secret: SecretStr = SecretStr(DEV_SECRET)
    max_clock_skew_s: int = 300
    # Where status changes are POSTed; unset = no callbacks.
    callback_url: str | None = None
    callback_timeout_s: float = 10.0
    callback_max_attempts: int = 8

    @model_validator(mode="after")
    def _real_secret_in_prod(self) -> "HueSSettings":
        check_production_secret(
            self.env, "TRIAGE_HUES_SECRET", self.secret.get_secret_value(), default=DEV_SECRET
        )
        return self


@lru_cache
def get_hue_s_settings() -> HueSSettings:
    return HueSSettings()
