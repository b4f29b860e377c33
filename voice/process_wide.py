"""One instance per process of an object behind a C library that may be set up only once
(libttspico's system, libespeak-ng), built on first use even when threads race for it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def process_wide(factory: Callable[[], T]) -> Callable[[], T]:
    """A getter that calls `factory` once, on its first call, and returns that object ever after."""
    lock = threading.Lock()
    made: list[T] = []

    def get() -> T:
        with lock:
            if not made:
                made.append(factory())
            return made[0]

    get.__doc__ = f"The process-wide {getattr(factory, '__name__', 'object')}, built on first use."
    return get
