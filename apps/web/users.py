"""Staff accounts: create, list, change password and role, first admin on first start.

Used by the web page and by `rathaus users ...`; both go through these functions so that
the rules (roles, password length, unique names) hold everywhere.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass

from rathaus.errors import RathausError
from rathaus.store import Store, now_iso
from apps.web.passwords import generate_password, hash_password, needs_rehash, verify_password, weak_reason

import prompts

log = logging.getLogger(__name__)

ROLES = ("admin", "clerk")


@dataclass
class User:
    id: int
    username: str
    role: str
    display_name: str | None = None
    active: bool = True
    created_at: str | None = None
    last_login_at: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username


def _row_to_user(row: dict) -> User:
    return User(
        id=row["id"], username=row["username"], role=row["role"], display_name=row.get("display_name"),
        active=bool(row["active"]), created_at=row.get("created_at"), last_login_at=row.get("last_login_at"),
    )


def _check_password(password: str) -> None:
    reason = weak_reason(password)
    if reason:
        raise RathausError(prompts.text(reason))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise RathausError(prompts.text("web.users.bad_role", role=role, roles=", ".join(ROLES)))


def create_user(store: Store, username: str, password: str, role: str = "clerk",
                display_name: str | None = None) -> User:
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise RathausError(prompts.text("web.users.bad_name"))
    _check_role(role)
    _check_password(password)
    if get_user_by_name(store, username):
        raise RathausError(prompts.text("web.users.exists", username=username))
    with store.conn:
        cur = store.conn.execute(
            "INSERT INTO users (username, display_name, role, password_hash, active, created_at)"
            " VALUES (?, ?, ?, ?, 1, ?)",
            (username, display_name or None, role, hash_password(password), now_iso()),
        )
    return get_user(store, cur.lastrowid)


def get_user(store: Store, user_id: int) -> User | None:
    rows = list(store.db.query("SELECT * FROM users WHERE id = ?", [user_id]))
    return _row_to_user(rows[0]) if rows else None


def get_user_by_name(store: Store, username: str) -> User | None:
    rows = list(store.db.query("SELECT * FROM users WHERE username = ?", [username.strip()]))
    return _row_to_user(rows[0]) if rows else None


def list_users(store: Store) -> list[User]:
    return [_row_to_user(r) for r in store.db.query("SELECT * FROM users ORDER BY username")]


def count_users(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM users").fetchone()[0]


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same cost either way)."""
    rows = list(store.db.query("SELECT * FROM users WHERE username = ?", [username.strip()]))
    if not rows:
        verify_password(_DUMMY_HASH, password)  # do not reveal which user names exist by timing
        return None
    row = rows[0]
    if not verify_password(row["password_hash"], password) or not row["active"]:
        return None
    with store.conn:
        if needs_rehash(row["password_hash"]):
            store.conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (hash_password(password), row["id"]))
        store.conn.execute("UPDATE users SET last_login_at = ? WHERE id = ?", (now_iso(), row["id"]))
    return _row_to_user(row)


def set_password(store: Store, username: str, password: str) -> User:
    user = get_user_by_name(store, username)
    if not user:
        raise RathausError(prompts.text("web.users.unknown", username=username))
    _check_password(password)
    with store.conn:
        store.conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (hash_password(password), user.id))
        # a new password ends every open session of that account
        store.conn.execute("DELETE FROM sessions WHERE user_id = ?", (user.id,))
    return user


def update_user(store: Store, user_id: int, role: str | None = None, active: bool | None = None) -> User:
    user = get_user(store, user_id)
    if not user:
        raise RathausError(prompts.text("web.users.unknown", username=str(user_id)))
    if role is not None:
        _check_role(role)
    new_role = role if role is not None else user.role
    new_active = active if active is not None else user.active
    if user.is_admin and user.active and (new_role != "admin" or not new_active) and _active_admins(store) <= 1:
        raise RathausError(prompts.text("web.users.last_admin"))
    with store.conn:
        store.conn.execute("UPDATE users SET role = ?, active = ? WHERE id = ?", (new_role, int(new_active), user_id))
        if not new_active:
            store.conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
    return get_user(store, user_id)


def _active_admins(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1").fetchone()[0]


def ensure_first_admin(store: Store, username: str = "admin", configured_password: str = "") -> str | None:
    """Create the first admin when there is no account at all.

    The password comes from RATHAUS_ADMIN_PASSWORD, else [web] admin_password, else it is
    generated and printed once to stderr (and the log): it is never stored in clear anywhere.
    Returns the generated password, or None when nothing was generated.
    """
    if count_users(store):
        return None
    password = os.environ.get("RATHAUS_ADMIN_PASSWORD") or configured_password
    generated = None
    if not password:
        password = generated = generate_password()
    create_user(store, username, password, role="admin")
    if generated:
        message = prompts.text("web.users.first_admin_generated", username=username, password=generated)
        print(message, file=sys.stderr, flush=True)
        log.warning("%s", prompts.text("web.users.first_admin_logged", username=username))
    else:
        log.info("%s", prompts.text("web.users.first_admin_created", username=username))
    return generated


_DUMMY_HASH = hash_password("not-a-real-password-only-for-timing")
