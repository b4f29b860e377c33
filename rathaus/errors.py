"""Errors that reach a user as one clear line instead of a traceback."""

import errno
import sqlite3


class RathausError(Exception):
    """An expected failure caused by input or environment (bad file, missing model, ...).

    The command line prints `rathaus: <message>` and exits non-zero; the web page shows the
    message. Anything else is a bug and keeps its traceback.
    """

    exit_code = 2


class DiskFullError(RathausError):
    """A write failed because the disk (or the database's size limit) is full.

    Its own type so that the web page can answer 507 and the meeting worker can say what to do,
    instead of a traceback from deep inside SQLite or a file write.
    """


_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_SQLITE_FULL = 13


def is_disk_full(exc: BaseException) -> bool:
    """Whether `exc` means "no space left": SQLite's SQLITE_FULL or an OSError ENOSPC/EDQUOT/EFBIG."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        return (code is not None and code & 0xFF == _SQLITE_FULL) or "database or disk is full" in str(exc)
    return isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS


def disk_full_error(exc: BaseException, what: str) -> DiskFullError:
    """The one-line error for a failed write of `what` (a path or "the database")."""
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return DiskFullError(f"disk full: cannot write {what} ({detail}); free space on the data disk and try again")
