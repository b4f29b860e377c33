"""Login rate limiting: too many failures for one user name or from one address in a window
blocks further attempts until the window has passed. Kept in the database, so restarting the
server or running two processes does not reset it."""

from __future__ import annotations

import time

from rathaus.store import Store


def record_attempt(store: Store, ip: str | None, username: str, success: bool) -> None:
    now = time.time()
    with store.conn:
        store.conn.execute("DELETE FROM login_attempts WHERE at < ?", (now - 86400,))
        store.conn.execute(
            "INSERT INTO login_attempts (at, ip, username, success) VALUES (?, ?, ?, ?)",
            (now, ip, username.strip().lower(), int(success)),
        )


def is_blocked(store: Store, ip: str | None, username: str, max_failures: int, window_s: int) -> bool:
    """Whether the name or the address has reached `max_failures` failed logins in the window."""
    since = time.time() - window_s
    name = username.strip().lower()
    by_name = store.conn.execute(
        "SELECT count(*) FROM login_attempts WHERE success = 0 AND at >= ? AND username = ?"
        " AND at > coalesce((SELECT max(at) FROM login_attempts WHERE success = 1 AND username = ?), 0)",
        (since, name, name),
    ).fetchone()[0]
    by_ip = store.conn.execute(
        "SELECT count(*) FROM login_attempts WHERE success = 0 AND at >= ? AND ip = ?", (since, ip),
    ).fetchone()[0]
    # one address may try several names (a shared office NAT), so it gets a larger allowance
    return by_name >= max_failures or by_ip >= max_failures * 4
