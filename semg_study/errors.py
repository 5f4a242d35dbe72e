"""Errors that name the file and the problem; the CLI prints them without a traceback."""
from __future__ import annotations

import os


class StudyError(Exception):
    """Base class for errors the CLI reports as one clear line."""


class DataError(StudyError):
    """A problem with one file of a dataset: ``DataError(path, problem)``."""

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class DataWarning(UserWarning):
    """Usable data with something worth a look: ``DataWarning(path, problem)`` (``validate`` lists them)."""

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ConfigError(StudyError):
    """An invalid configuration or override."""
