"""A logging filter that redacts personal data and masks secrets in every log message.

The phone bot logs what callers said ("call ... heard: ...") because operators need it to debug
recognition; the journal keeps those lines far longer than transcripts are kept, so the text is
redacted on the way out. Secrets given as key=value ("password=...", "api_key: ...") are masked
too, whatever logged them.
"""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(
    r"(?i)\b((?:[\w-]*(?:password|passwd|passwort|pwd|secret|token|api[_-]?key|apikey|access[_-]?key))"
    r"['\"]?\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;&]+)")
_BEARER = re.compile(r"(?i)\b(authorization\s*[=:]\s*)?(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
MASK = "***"


def mask_secrets(text: str) -> str:
    text = _SECRET.sub(lambda m: m.group(1) + MASK, text)
    return _BEARER.sub(lambda m: (m.group(1) or "") + m.group(2) + " " + MASK, text)


class RedactingFilter(logging.Filter):
    """Rewrites the record's message in place; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True  # a broken format string is the logging module's error to report
        from rathaus.privacy import policy

        cleaned = mask_secrets(policy().redact(message).text)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # a traceback repeats the failing value ("invalid literal: 'DE89 3704 ...'"): format it
            # here, redacted, and the handler's formatter uses this text instead of its own
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(policy().redact(record.exc_text).text)
        return True


def install_filter(logger: logging.Logger) -> None:
    """Put one RedactingFilter on each handler of `logger` (filters on a logger do not see
    records that propagate from child loggers; filters on handlers do)."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
