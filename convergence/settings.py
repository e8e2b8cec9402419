"""Settings, read from the environment (prefix CONVERGENCE_); see README, "Configuration"."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the estate lives. Either a database URL, or a folder for the embedded SQLite file."""

    model_config = SettingsConfigDict(env_prefix="CONVERGENCE_")

    database_url: str | None = None
    data_dir: Path = Path("var")
    session_minutes: int = 30  # signed out after this long without activity
    charges_from: Literal["cutover", "start"] = "cutover"  # when framework charges begin

    @field_validator("database_url")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("CONVERGENCE_DATABASE_URL is set but empty")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the setting, else SQLite in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'convergence.sqlite'}"
