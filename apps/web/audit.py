"""The audit log: who viewed, changed, exported or deleted what, and when, from where."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rathaus.store import Store, now_iso

ACTIONS = ("login", "login_failed", "logout", "view", "change", "create", "export", "delete", "upload", "import", "search")


@dataclass
class AuditEntry:
    id: int
    at: str
    username: str | None
    action: str
    object_type: str | None
    object_id: str | None
    detail: dict[str, Any] | None
    ip: str | None


def audit(store: Store, user, action: str, object_type: str | None = None, object_id: str | None = None,
          detail: dict[str, Any] | None = None, ip: str | None = None) -> None:
    """Append one entry. `user` is a users.User or None (failed logins)."""
    with store.conn:
        store.conn.execute(
            "INSERT INTO audit_log (at, user_id, username, action, object_type, object_id, detail, ip)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (now_iso(), getattr(user, "id", None), getattr(user, "username", None), action, object_type,
             None if object_id is None else str(object_id),
             json.dumps(detail, ensure_ascii=False) if detail else None, ip),
        )


def recent(store: Store, limit: int = 200, action: str | None = None, username: str | None = None) -> list[AuditEntry]:
    sql = "SELECT * FROM audit_log WHERE 1=1"
    params: list[Any] = []
    if action:
        sql += " AND action = ?"
        params.append(action)
    if username:
        sql += " AND username = ?"
        params.append(username)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return [
        AuditEntry(id=r["id"], at=r["at"], username=r["username"], action=r["action"], object_type=r["object_type"],
                   object_id=r["object_id"], detail=json.loads(r["detail"]) if r["detail"] else None, ip=r["ip"])
        for r in store.db.query(sql, params)
    ]
