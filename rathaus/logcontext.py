"""The call id as a structured field of every log record, not only in the message text.

`call_context(call_id)` (or `set_call_id`) binds the id in a contextvar for the current thread or
task; `CallIdFilter`, installed on the log handlers, copies it into `record.call_id` ("-" outside
a call). The log format prints it as `call=<id>`, and under systemd the journal gets it as its own
field through the same line, so `journalctl --namespace=rathaus | grep call=<id>` finds every
line of one call, including library messages that never mention the id.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from typing import Iterator

_call_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("rathaus_call_id", default=None)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [call=%(call_id)s]: %(message)s"


def set_call_id(call_id: str | None) -> contextvars.Token:
    return _call_id.set(call_id)


def current_call_id() -> str | None:
    return _call_id.get()


@contextlib.contextmanager
def call_context(call_id: str | None) -> Iterator[None]:
    token = _call_id.set(call_id)
    try:
        yield
    finally:
        _call_id.reset(token)


class CallIdFilter(logging.Filter):
    """Adds `call_id` to every record (an explicit `extra={"call_id": ...}` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "call_id", None):
            record.call_id = _call_id.get() or "-"
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on each handler of `logger` (the root logger by default): filters on a
    logger do not see records propagated from child loggers, filters on handlers do."""
    logger = logger or logging.getLogger()
    for handler in logger.handlers:
        if not any(isinstance(f, CallIdFilter) for f in handler.filters):
            handler.addFilter(CallIdFilter())
