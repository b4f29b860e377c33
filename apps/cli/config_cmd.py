"""`rathaus config show` and `rathaus db migrate`: what the installation is running with."""

from __future__ import annotations

import argparse

from rathaus.config import Config
from rathaus.store import open_store


def register(sub: argparse._SubParsersAction) -> None:
    config = sub.add_parser("config", help="show the effective configuration")
    csub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = csub.add_parser("show", help="print the effective configuration as TOML (secrets masked)")
    show.set_defaults(func=show_config)

    db = sub.add_parser("db", help="database maintenance")
    dsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    migrate = dsub.add_parser("migrate", help="create or migrate the database schema and print its version")
    migrate.set_defaults(func=migrate_db)


def show_config(args: argparse.Namespace, config: Config) -> int:
    print(config.to_toml(), end="")
    return 0


def migrate_db(args: argparse.Namespace, config: Config) -> int:
    store = open_store(config)
    print(f"{store.path}: schema version {store.schema_version}")
    return 0
