"""Stopping a meeting job between two pieces of work, so that a worker shutting down keeps what is
finished and the job resumes from there (stages in stages/runner.py, windows in diarization/windows.py)."""

from __future__ import annotations

from typing import Callable


class Interrupted(Exception):
    """The worker was asked to stop; finished stages are kept and the job resumes later."""


def check(should_stop: Callable[[], bool] | None) -> None:
    """Raise Interrupted when the worker asked to stop."""
    if should_stop is not None and should_stop():
        raise Interrupted()
