"""Settings, read from the environment (prefix CONVERGENCE_); see README, "Configuration"."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from convergence.errors import ConfigurationError


class Settings(BaseSettings):
    """Where the estate lives (a database URL, or a folder for the embedded SQLite file), the
    planning date, and the few choices a programme makes once. Each field is a row of the
    README's configuration table (a test holds the two together)."""

    model_config = SettingsConfigDict(env_prefix="CONVERGENCE_")

    database_url: str | None = None
    data_dir: Path = Path("var")
    session_minutes: int = 30  # signed out after this long without activity
    session_secret: SecretStr | None = None  # signs the session cookie
    charges_from: Literal["cutover", "start"] = "cutover"  # when framework charges begin
    today: date | None = None  # the planning date; the real date when not set
    password: SecretStr | None = None  # the password of the command line's --user

    @property
    def planning_date(self) -> date:
        """The date every schedule starts from: CONVERGENCE_TODAY, else the real date."""
        return self.today or date.today()

    @field_validator("database_url")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("CONVERGENCE_DATABASE_URL is set but empty")
        return value

    @field_validator("session_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < 16:
            raise ValueError(
                "CONVERGENCE_SESSION_SECRET is shorter than 16 characters: use a long random string"
            )
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the setting, else SQLite in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'convergence.sqlite'}"


def settings() -> Settings:
    """The settings in force, or ConfigurationError naming the first wrong one in one line:
    "CONVERGENCE_TODAY: '31/12/2026' is not a date in the form YYYY-MM-DD"."""
    try:
        return Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        name = f"CONVERGENCE_{field.upper()}"
        value = error.get("input")
        if error["type"] == "value_error":
            raise ConfigurationError(str(error["ctx"]["error"])) from None
        if field == "today":
            raise ConfigurationError(
                f"{name}: '{value}' is not a date in the form YYYY-MM-DD"
            ) from None
        raise ConfigurationError(f"{name}: '{value}' is not valid ({error['msg']})") from None
