"""The one `rathaus` command. Each module in COMMANDS registers its subcommands on the parser.

Handlers get (args, config) and return an exit code. A RathausError becomes one line on stderr
and exit code 2; anything else keeps its traceback because it is a bug.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sqlite3
import sys

from rathaus import __version__
from rathaus.config import Config
from rathaus.errors import DiskFullError, RathausError, disk_full_error, is_disk_full

# Modules under apps.cli, each with register(subparsers). Order is the order in --help.
COMMANDS = ("serve", "speech", "catalog", "chat", "meeting", "minutes", "admin", "privacy", "config_cmd", "backup")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rathaus",
        description="Self-hosted voice and meeting assistant for German town halls.",
    )
    parser.add_argument("--version", action="version", version=f"rathaus {__version__}")
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: $RATHAUS_CONFIG, else built-in defaults)")
    parser.add_argument("--db", metavar="PATH", help="SQLite database (default: $RATHAUS_DB, else <data_dir>/rathaus.db)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"apps.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"apps.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        config = Config.load(args.config, args.db)
        level = "debug" if args.verbose else config.get("general.log_level")
        from rathaus import logcontext
        from rathaus.metrics import install_error_counter

        logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), format=logcontext.LOG_FORMAT)
        logcontext.install()  # every record carries call_id (see rathaus.logcontext)
        install_error_counter()
        from rathaus.privacy import install as install_privacy

        install_privacy(config)  # redaction policy for stored records, exports and log messages
        return int(args.func(args, config) or 0)
    except RathausError as exc:
        print(f"rathaus: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except (sqlite3.Error, OSError) as exc:
        if not is_disk_full(exc):
            raise
        print(f"rathaus: {disk_full_error(exc, 'the database or the data directory')}", file=sys.stderr)
        return DiskFullError.exit_code


if __name__ == "__main__":
    sys.exit(main())
