"""Login sessions kept in the database, so they survive a restart and work across processes.

The cookie holds 32 random bytes; only their sha256 is stored, so a copy of the database does
not give anyone a valid login. Each session has its own CSRF token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from rathaus.store import Store, now_iso
from apps.web.users import User, get_user

COOKIE = "rathaus_session"


@dataclass
class Session:
    token_hash: str
    user: User
    csrf_token: str
    expires_at: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _expiry(hours: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=hours)).isoformat(timespec="milliseconds")


def create_session(store: Store, user: User, hours: int, ip: str | None = None, user_agent: str | None = None) -> str:
    """A new session for `user`; returns the cookie value."""
    token = secrets.token_urlsafe(32)
    with store.conn:
        store.conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now_iso(),))
        store.conn.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, ip, user_agent)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (_hash(token), user.id, secrets.token_urlsafe(32), now_iso(), _expiry(hours), ip, (user_agent or "")[:200]),
        )
    return token


def load_session(store: Store, token: str | None, hours: int) -> Session | None:
    """The live session of a cookie value (sliding expiry), else None."""
    if not token or len(token) > 100:
        return None
    token_hash = _hash(token)
    rows = list(store.db.query("SELECT * FROM sessions WHERE token_hash = ?", [token_hash]))
    if not rows:
        return None
    row = rows[0]
    if row["expires_at"] < now_iso():
        delete_session(store, token)
        return None
    user = get_user(store, row["user_id"])
    if not user or not user.active:
        return None
    new_expiry = _expiry(hours)
    if new_expiry[:16] != row["expires_at"][:16]:  # refresh at most once a minute
        with store.conn:
            store.conn.execute("UPDATE sessions SET expires_at = ? WHERE token_hash = ?", (new_expiry, token_hash))
    return Session(token_hash=token_hash, user=user, csrf_token=row["csrf_token"], expires_at=new_expiry)


def delete_session(store: Store, token: str) -> None:
    with store.conn:
        store.conn.execute("DELETE FROM sessions WHERE token_hash = ?", (_hash(token),))
