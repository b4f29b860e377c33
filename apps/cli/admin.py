"""`rathaus users add|list|passwd|set`: staff accounts of the review page from the shell.

Passwords are read from the terminal (twice) or, for scripts, from stdin with --password-stdin;
never from the command line, where other users could see them in the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from rathaus.errors import RathausError


def register(sub) -> None:
    users = sub.add_parser("users", help="manage accounts of the review web page",
                           description="Manage the accounts (roles admin and clerk) of the review web page.")
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION")
    users.set_defaults(func=lambda args, config: (users.print_help(), 0)[1])

    add = users_sub.add_parser("add", help="create an account",
                               description="Create an account. The password is asked twice on the terminal.")
    add.add_argument("username")
    add.add_argument("--role", choices=("admin", "clerk"), default="clerk", help="role (default: clerk)")
    add.add_argument("--name", dest="display_name", help="display name shown on the page")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add.set_defaults(func=cmd_add)

    lst = users_sub.add_parser("list", help="list accounts", description="List all accounts with role and last login.")
    lst.add_argument("--json", action="store_true", help="one JSON object per line")
    lst.set_defaults(func=cmd_list)

    passwd = users_sub.add_parser("passwd", help="set a new password",
                                  description="Set a new password for an account; its open sessions end.")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    passwd.set_defaults(func=cmd_passwd)

    update = users_sub.add_parser("set", help="change role or disable/enable an account",
                                  description="Change the role of an account, or disable / enable it.")
    update.add_argument("username")
    update.add_argument("--role", choices=("admin", "clerk"))
    state = update.add_mutually_exclusive_group()
    state.add_argument("--disable", action="store_true", help="block logins (sessions end)")
    state.add_argument("--enable", action="store_true", help="allow logins again")
    update.set_defaults(func=cmd_set)


def _read_password(args: argparse.Namespace) -> str:
    import prompts

    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise RathausError("no terminal to ask for the password: use --password-stdin")
    first = getpass.getpass(prompts.text("web.users.password_prompt", username=args.username))
    second = getpass.getpass(prompts.text("web.users.password_repeat"))
    if first != second:
        raise RathausError(prompts.text("web.users.password_mismatch"))
    return first


def _store(config):
    from rathaus.store import open_store

    return open_store(config)


def _audit(store, action: str, username: str, detail: dict) -> None:
    from apps.web.audit import audit

    detail = {**detail, "via": "cli"}
    audit(store, None, action, "user", username, detail, None)


def cmd_add(args: argparse.Namespace, config) -> int:
    import prompts
    from apps.web.users import create_user

    password = _read_password(args)
    store = _store(config)
    user = create_user(store, args.username, password, args.role, args.display_name)
    _audit(store, "create", user.username, {"role": user.role})
    print(prompts.text("web.users.added", username=user.username, role=user.role))
    return 0


def cmd_list(args: argparse.Namespace, config) -> int:
    import json

    import prompts
    from apps.web.users import list_users

    users = list_users(_store(config))
    if args.json:
        for u in users:
            print(json.dumps({"username": u.username, "role": u.role, "active": u.active, "display_name": u.display_name,
                              "created_at": u.created_at, "last_login_at": u.last_login_at}, ensure_ascii=False))
        return 0
    if not users:
        print(prompts.text("web.users.no_users"))
        return 0
    width = max(len(u.username) for u in users)
    for u in users:
        state = "" if u.active else "  (disabled)"
        print(f"{u.username:<{width}}  {u.role:<5}  last login: {u.last_login_at or '-'}{state}")
    return 0


def cmd_passwd(args: argparse.Namespace, config) -> int:
    import prompts
    from apps.web.users import get_user_by_name, set_password

    store = _store(config)
    if get_user_by_name(store, args.username) is None:
        raise RathausError(prompts.text("web.users.unknown", username=args.username))
    password = _read_password(args)
    user = set_password(store, args.username, password)
    _audit(store, "change", user.username, {"password": "reset"})
    print(prompts.text("web.users.password_changed", username=user.username))
    return 0


def cmd_set(args: argparse.Namespace, config) -> int:
    import prompts
    from apps.web.users import get_user_by_name, update_user

    store = _store(config)
    user = get_user_by_name(store, args.username)
    if user is None:
        raise RathausError(prompts.text("web.users.unknown", username=args.username))
    active = False if args.disable else True if args.enable else None
    user = update_user(store, user.id, role=args.role, active=active)
    _audit(store, "change", user.username, {"role": user.role, "active": user.active})
    print(f"{user.username}: {user.role}, {'active' if user.active else 'disabled'}")
    return 0
