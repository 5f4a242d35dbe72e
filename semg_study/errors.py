"""Errors that name the file and the problem; every command prints them without a traceback (:func:`run_command`)."""
from __future__ import annotations

import os
import sys


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


def run_command(prog: str, run, args) -> int:
    """``run(args)`` as a command's exit status: a StudyError is one line naming ``prog`` (1),
    Ctrl-C is "interrupted" (130)."""
    try:
        return int(run(args) or 0)
    except StudyError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
