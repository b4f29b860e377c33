"""`rathaus backup`: a consistent copy of the database while the services keep running.

Copying the file (cp, rsync) while the bot writes can catch a half-written page or miss what
still sits in the WAL file. SQLite's online backup API copies a consistent snapshot instead; in
one step it holds only a read transaction, so in WAL mode the bot, the page and the worker keep
writing meanwhile. The copy is switched to rollback-journal mode, so it is one self-contained
file, and checked before it gets its final name.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from rathaus.config import Config
from rathaus.errors import RathausError, disk_full_error, is_disk_full


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backup", help="copy the database consistently while the services run",
        description="Copy the database with SQLite's online backup API, consistent even while the phone "
                    "bot, the web page and the meeting worker write. The copy is readable only by its "
                    "owner (mode 0600). Prints the path of the copy. Audio, models and voices are "
                    "files in the data directory; back them up with any file tool.")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="where to write the copy (default: <data_dir>/backups/rathaus-<UTC time>.db); "
                        "an existing file is not overwritten")
    p.set_defaults(func=backup_cmd)


def default_path(config: Config) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return config.data_dir / "backups" / f"rathaus-{stamp}.db"


def backup_database(source: Path, dest: Path) -> Path:
    """Write a checked copy of `source` to `dest` (mode 0600); returns `dest`."""
    if not source.is_file():
        raise RathausError(f"no database at {source}")
    if dest.exists():
        raise RathausError(f"{dest} exists; choose another file with -o")
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = dest.with_name(dest.name + ".partial")
    # Created with 0600 before SQLite opens it: the copy holds transcripts and caller numbers.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    try:
        src = sqlite3.connect(source, timeout=30)
        try:
            out = sqlite3.connect(partial)
            try:
                src.backup(out)  # pages=-1: one step, one consistent snapshot
                out.execute("PRAGMA journal_mode=DELETE")
                check = out.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                out.close()
        finally:
            src.close()
        if check != "ok":
            raise RathausError(f"the copy of {source} failed its check: {check}")
        os.chmod(partial, 0o600)
        os.replace(partial, dest)
    except (sqlite3.Error, OSError) as exc:
        _remove(partial)
        if is_disk_full(exc):
            raise disk_full_error(exc, str(dest)) from None
        raise RathausError(f"backup of {source} failed: {exc}") from None
    except BaseException:
        _remove(partial)
        raise
    return dest


def _remove(partial: Path) -> None:
    for path in (partial, partial.with_name(partial.name + "-journal")):
        path.unlink(missing_ok=True)


def backup_cmd(args: argparse.Namespace, config: Config) -> int:
    dest = Path(args.output).expanduser() if args.output else default_path(config)
    print(backup_database(config.db_path, dest.absolute()))
    return 0
