"""The exceptions convergence raises, each with a message meant for the person using it.

ConvergenceError
 ├── ConfigurationError      a setting is wrong (database URL, data folder ...)
 ├── EstateFileError         an estate file cannot be read (row, column, problem)
 ├── EstateError             the estate refers to something that does not exist
 │    └── DependencyCycle    systems wait for each other in a circle
 ├── ValidationError         a record breaks a rule; holds every problem found
 └── RecordConflict          someone else changed the record since it was read
"""

from __future__ import annotations

from typing import Any


class ConvergenceError(Exception):
    """Base class of every error convergence reports to a person."""


class ConfigurationError(ConvergenceError):
    """A setting is missing or wrong; the message names the setting."""


class EstateFileError(ConvergenceError):
    """An estate file is missing, unreadable or has a bad value."""


class EstateError(ConvergenceError):
    """A record refers to a council, contract, lot or system that is not in the estate."""


class DependencyCycle(EstateError):
    """Dependencies form a cycle, so no schedule exists."""

    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__("These systems wait for each other in a circle: " + " → ".join(cycle))


class ValidationError(ConvergenceError):
    """One or more fields of a record break a rule."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{field}: {text}" for field, text in problems.items()))


class RecordConflict(ConvergenceError):
    """The record changed (or went) since it was read; holds the other person's changes."""

    def __init__(self, message: str, changes: list[Any]) -> None:
        self.changes = changes
        super().__init__(message)
