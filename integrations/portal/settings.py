"""Portal settings (env prefix TRIAGE_PORTAL_)."""

from functools import lru_cache

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.config import PROJECT_ROOT, check_production_secret

DEV_SECRET = "dev-portal-secret"


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRIAGE_PORTAL_", extra="ignore", env_file=PROJECT_ROOT / ".local" / "dev.env"
    )

    env: str = Field("dev", validation_alias=AliasChoices("TRIAGE_ENV"))
    secret: SecretStr = SecretStr(DEV_SECRET)  # signs the anti-CSRF tokens
    # Submissions per client IP: at most this many per minute and per hour.
    per_minute: int = 3
    per_hour: int = 20
    # Optional tile layer under the ward outlines (JavaScript map only), e.g.
    # "https://tile.openstreetmap.org/{z}/{x}/{y}.png"; none by default (no internet).
    tile_url: str | None = None
    secure_cookies: bool = False  # True behind HTTPS

    @model_validator(mode="after")
    def _real_secret_in_prod(self) -> "PortalSettings":
        check_production_secret(
            self.env, "TRIAGE_PORTAL_SECRET", self.secret.get_secret_value(), default=DEV_SECRET
        )
        return self


@lru_cache
def get_portal_settings() -> PortalSettings:
    return PortalSettings()
