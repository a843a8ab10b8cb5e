import pytest
from pydantic import ValidationError

from service.config import Settings

STRONG = "s" * 32


def test_prod_refuses_the_default_admin_token_naming_the_variable() -> None:
    with pytest.raises(ValidationError, match="TRIAGE_ADMIN_TOKEN is still the development"):
        Settings(env="prod")


@pytest.mark.parametrize("token", ["x", "a" * 31])
def test_prod_refuses_an_admin_token_shorter_than_32_characters(token: str) -> None:
    with pytest.raises(ValidationError, match=r"TRIAGE_ADMIN_TOKEN is .* at least 32"):
        Settings(env="prod", admin_token=token)


def test_prod_takes_a_32_character_admin_token_and_dev_takes_the_default() -> None:
    assert Settings(env="prod", admin_token=STRONG).admin_token.get_secret_value() == STRONG
    assert Settings(env="dev").admin_token.get_secret_value() == "dev-admin-token"
