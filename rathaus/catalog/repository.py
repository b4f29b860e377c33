"""The catalog in the store: import, read, local edits, synonyms, and the lexical index.

Every write bumps the catalog generation (table catalog_state), so a running assistant reloads
its search index on the next question: staff changes take effect without a restart.
Imported values live in the service columns; local edits live in `overrides` and win on read,
so importing the same source again updates the catalog without losing them.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterable

from rathaus.catalog import text as T
from rathaus.catalog.importers import read_catalog
from rathaus.catalog.model import EDITABLE_FIELDS, ImportReport, Link, Office, Service
from rathaus.errors import RathausError
from rathaus.store import Store, now_iso

_LIST_FIELDS = ("keywords", "documents", "forms", "links")


def generation(store: Store) -> int:
    row = store.conn.execute("SELECT value FROM catalog_state WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def _bump(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE catalog_state SET value = value + 1 WHERE key = 'generation'")


def count_services(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM catalog_services WHERE active = 1").fetchone()[0]


# --- reading ------------------------------------------------------------------------------------

def _row_to_service(row: sqlite3.Row | dict, offices: list[Office], synonyms: list[str]) -> Service:
    data = dict(row)
    overrides = json.loads(data.get("overrides") or "{}")
    values: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        raw = data.get(name, "")
        values[name] = json.loads(raw) if name in _LIST_FIELDS else raw
    values.update({k: v for k, v in overrides.items() if k in EDITABLE_FIELDS})
    return Service(
        id=data["id"], name=values["name"], description=values["description"],
        keywords=list(values["keywords"]), fees=values["fees"], documents=list(values["documents"]),
        forms=[Link(**f) for f in values["forms"]], links=[Link(**f) for f in values["links"]],
        leika=values["leika"], forward_to=values["forward_to"], offices=offices, synonyms=synonyms,
        source=data.get("source", ""), edited_fields=sorted(overrides))


def _load(store: Store, where: str = "active = 1", params: Iterable[Any] = ()) -> list[Service]:
    conn = store.conn
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute(f"SELECT * FROM catalog_services WHERE {where} ORDER BY name", tuple(params)).fetchall()
        ids = [r["id"] for r in rows]
        offices: dict[str, list[Office]] = {i: [] for i in ids}
        synonyms: dict[str, list[str]] = {i: [] for i in ids}
        if ids:
            for r in conn.execute(
                "SELECT so.service_id, o.* FROM catalog_service_offices so JOIN catalog_offices o ON o.id = so.office_id "
                "ORDER BY so.service_id, so.position"):
                if r["service_id"] in offices:
                    offices[r["service_id"]].append(Office(
                        id=r["id"], name=r["name"], address=r["address"], phone=r["phone"], email=r["email"],
                        opening_hours=r["opening_hours"], url=r["url"]))
            for r in conn.execute("SELECT service_id, phrase FROM catalog_synonyms ORDER BY id"):
                if r["service_id"] in synonyms:
                    synonyms[r["service_id"]].append(r["phrase"])
        return [_row_to_service(r, offices[r["id"]], synonyms[r["id"]]) for r in rows]
    finally:
        conn.row_factory = None


def all_services(store: Store) -> list[Service]:
    """Every active service with offices and synonyms, local edits applied."""
    return _load(store)


def get_service(store: Store, service_id: str) -> Service | None:
    found = _load(store, "id = ?", (str(service_id),))
    return found[0] if found else None


def list_services(store: Store, query: str | None = None) -> list[Service]:
    """Active services by name; with `query`, those whose name, keywords or text match it."""
    services = _load(store)
    if not query or not query.strip():
        return services
    stems = [T.stem(w) for w in T.content_words(query)]
    ids: set[str] = set()
    if stems:
        match = " OR ".join(f'"{s}"*' for s in stems)
        try:
            ids = {r[0] for r in store.conn.execute(
                "SELECT service_id FROM catalog_fts WHERE catalog_fts MATCH ?", (match,))}
        except sqlite3.OperationalError:
            ids = set()
    needle = T.fold(query.strip())
    return [s for s in services if s.id in ids or needle in T.fold(s.name) or needle == s.id
            or any(needle in T.fold(k) for k in s.keywords + s.synonyms)]


# --- staff changes ------------------------------------------------------------------------------

def _require(store: Store, service_id: str) -> None:
    if not store.conn.execute("SELECT 1 FROM catalog_services WHERE id = ?", (service_id,)).fetchone():
        raise RathausError(f"no service with id {service_id}")


def add_synonym(store: Store, service_id: str, phrase: str, source: str = "staff") -> bool:
    """Store a phrase that means this service; True when it was new. Effective at once."""
    phrase = " ".join(phrase.split())
    if not phrase:
        raise RathausError("a synonym must not be empty")
    if len(phrase) > 200:
        raise RathausError("a synonym must be at most 200 characters")
    service_id = str(service_id)
    _require(store, service_id)
    conn = store.conn
    with conn:
        cur = conn.execute(
            "INSERT OR IGNORE INTO catalog_synonyms (service_id, phrase, source, created_at) VALUES (?, ?, ?, ?)",
            (service_id, phrase, source, now_iso()))
        if cur.rowcount:
            _reindex(conn, [service_id])
            _bump(conn)
    return bool(cur.rowcount)


def remove_synonym(store: Store, service_id: str, phrase: str) -> bool:
    conn = store.conn
    with conn:
        cur = conn.execute("DELETE FROM catalog_synonyms WHERE service_id = ? AND phrase = ?",
                           (str(service_id), " ".join(phrase.split())))
        if cur.rowcount:
            _reindex(conn, [str(service_id)])
            _bump(conn)
    return bool(cur.rowcount)


def list_synonyms(store: Store, service_id: str | None = None) -> list[dict[str, Any]]:
    sql = ("SELECT s.service_id, c.name, s.phrase, s.source, s.created_at FROM catalog_synonyms s "
           "JOIN catalog_services c ON c.id = s.service_id")
    params: tuple = ()
    if service_id:
        sql += " WHERE s.service_id = ?"
        params = (str(service_id),)
    rows = store.conn.execute(sql + " ORDER BY s.service_id, s.phrase", params).fetchall()
    return [dict(zip(("service_id", "service_name", "phrase", "source", "created_at"), r)) for r in rows]


def update_service(store: Store, service_id: str, **fields: Any) -> Service:
    """A local edit (e.g. forward_to or fees); kept across re-imports until reverted."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise RathausError(f"cannot edit field(s) {', '.join(sorted(unknown))}; editable: {', '.join(EDITABLE_FIELDS)}")
    service_id = str(service_id)
    _require(store, service_id)
    conn = store.conn
    with conn:
        current = json.loads(conn.execute("SELECT overrides FROM catalog_services WHERE id = ?", (service_id,)).fetchone()[0])
        for key, value in fields.items():
            if key in ("forms", "links"):
                value = [asdict(v) if isinstance(v, Link) else dict(v) for v in value]
            current[key] = value
        conn.execute("UPDATE catalog_services SET overrides = ?, updated_at = ? WHERE id = ?",
                     (json.dumps(current, ensure_ascii=False), now_iso(), service_id))
        _reindex(conn, [service_id])
        _bump(conn)
    return get_service(store, service_id)  # type: ignore[return-value]


def revert_service(store: Store, service_id: str, fields: Iterable[str] | None = None) -> Service:
    """Drop local edits (all, or the named fields): the imported values apply again."""
    service_id = str(service_id)
    _require(store, service_id)
    conn = store.conn
    with conn:
        current = json.loads(conn.execute("SELECT overrides FROM catalog_services WHERE id = ?", (service_id,)).fetchone()[0])
        for key in list(fields) if fields else list(current):
            current.pop(key, None)
        conn.execute("UPDATE catalog_services SET overrides = ?, updated_at = ? WHERE id = ?",
                     (json.dumps(current, ensure_ascii=False), now_iso(), service_id))
        _reindex(conn, [service_id])
        _bump(conn)
    return get_service(store, service_id)  # type: ignore[return-value]


# --- import -------------------------------------------------------------------------------------

def import_file(store: Store, path: str | Path, format: str | None = None, source: str | None = None,
                prune: bool = False) -> ImportReport:
    """Import a catalog file (dldb, csv or json); all or nothing.

    The bundled sample town is retired (kept, inactive) when a real catalog arrives. With
    `prune`, services of the same format that the file no longer lists are retired too."""
    fmt, services = read_catalog(path, format)
    return import_services(store, services, source=source or fmt, path=str(path), format=fmt, prune=prune)


def import_services(store: Store, services: list[Service], source: str, path: str = "", format: str = "",
                    prune: bool = False) -> ImportReport:
    report = ImportReport(path=path, format=format or source)
    conn = store.conn
    now = now_iso()
    with conn:
        if source != "sample":
            report.retired += conn.execute(
                "UPDATE catalog_services SET active = 0, updated_at = ? WHERE source = 'sample' AND active = 1",
                (now,)).rowcount
        if prune:
            ids = [s.id for s in services]
            report.retired += conn.execute(
                f"UPDATE catalog_services SET active = 0, updated_at = ? WHERE source = ? AND active = 1 "
                f"AND id NOT IN ({','.join('?' * len(ids))})", (now, source, *ids)).rowcount
        office_ids: set[str] = set()
        for service in services:
            for office in service.offices:
                if office.id not in office_ids:
                    office_ids.add(office.id)
                    conn.execute(
                        "INSERT INTO catalog_offices (id, name, address, phone, email, opening_hours, url, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name=excluded.name, "
                        "address=excluded.address, phone=excluded.phone, email=excluded.email, "
                        "opening_hours=excluded.opening_hours, url=excluded.url, updated_at=excluded.updated_at",
                        (office.id, office.name, office.address, office.phone, office.email, office.opening_hours,
                         office.url, now))
        report.offices = len(office_ids)
        for service in services:
            values = {
                "name": service.name, "description": service.description,
                "keywords": json.dumps(service.keywords, ensure_ascii=False), "fees": service.fees,
                "documents": json.dumps(service.documents, ensure_ascii=False),
                "forms": json.dumps([asdict(f) for f in service.forms], ensure_ascii=False),
                "links": json.dumps([asdict(f) for f in service.links], ensure_ascii=False),
                "leika": service.leika, "forward_to": service.forward_to, "source": source,
            }
            existing = conn.execute(
                "SELECT name, description, keywords, fees, documents, forms, links, leika, forward_to, source, overrides, active "
                "FROM catalog_services WHERE id = ?", (service.id,)).fetchone()
            if existing is None:
                conn.execute(
                    f"INSERT INTO catalog_services (id, {', '.join(values)}, created_at, updated_at) "
                    f"VALUES (?, {', '.join('?' * len(values))}, ?, ?)", (service.id, *values.values(), now, now))
                report.added += 1
            else:
                old = dict(zip(("name", "description", "keywords", "fees", "documents", "forms", "links", "leika",
                                "forward_to", "source"), existing[:10]))
                if json.loads(existing[10] or "{}"):
                    report.kept_local_edits += 1
                if old == values and existing[11] == 1:
                    report.unchanged += 1
                else:
                    conn.execute(
                        f"UPDATE catalog_services SET {', '.join(f'{k} = ?' for k in values)}, active = 1, updated_at = ? WHERE id = ?",
                        (*values.values(), now, service.id))
                    report.updated += 1
            conn.execute("DELETE FROM catalog_service_offices WHERE service_id = ?", (service.id,))
            for position, office in enumerate(service.offices):
                conn.execute("INSERT OR IGNORE INTO catalog_service_offices VALUES (?, ?, ?)", (service.id, office.id, position))
            # Synonyms that come with the file replace the file's earlier ones; staff synonyms stay.
            conn.execute("DELETE FROM catalog_synonyms WHERE service_id = ? AND source = 'import'", (service.id,))
            for phrase in service.synonyms:
                phrase = " ".join(phrase.split())
                if phrase:
                    cur = conn.execute(
                        "INSERT OR IGNORE INTO catalog_synonyms (service_id, phrase, source, created_at) VALUES (?, ?, 'import', ?)",
                        (service.id, phrase, now))
                    report.synonyms_added += cur.rowcount
        _reindex(conn, None)
        _bump(conn)
    return report


def ensure_initial(config, store: Store) -> ImportReport | None:
    """Load the [catalog] initial catalog ("sample" or a file) into a store with no services."""
    if count_services(store) > 0:
        return None
    initial = str(config.get("catalog.initial") or "").strip()
    if not initial or initial == "none":
        return None
    if initial == "sample":
        from importlib import resources

        with resources.as_file(resources.files("rathaus.catalog.data").joinpath("sample_musterstadt.json")) as path:
            return import_file(store, path, "json", source="sample")
    return import_file(store, Path(initial).expanduser())


# --- lexical index ------------------------------------------------------------------------------

def index_text(service: Service) -> tuple[str, str]:
    """(name, body) texts indexed for one service: what a caller may say about it."""
    body = [" ".join(service.keywords), " ".join(service.synonyms), service.description[:800],
            " ".join(service.documents)]
    return service.name, "\n".join(b for b in body if b)


def _stems_with_parts(text: str, vocab: T.Vocabulary) -> str:
    out = []
    for w in T.content_words(text):
        out.append(T.stem(w))
        for part in vocab.split_compound(w):
            if part not in T.STOPWORDS:
                out.append(T.stem(part))
    return " ".join(out)


def _reindex(conn: sqlite3.Connection, service_ids: list[str] | None) -> None:
    """Rebuild the FTS rows (stems plus compound parts against the whole catalog's vocabulary)."""
    store_like = _ConnStore(conn)
    services = _load(store_like)
    vocab = T.Vocabulary.build([t for s in services for t in index_text(s)])
    targets = services if service_ids is None else [s for s in services if s.id in set(service_ids)]
    if service_ids is None:
        conn.execute("DELETE FROM catalog_fts")
    else:
        conn.executemany("DELETE FROM catalog_fts WHERE service_id = ?", [(i,) for i in service_ids])
    conn.executemany(
        "INSERT INTO catalog_fts (service_id, name, body) VALUES (?, ?, ?)",
        [(s.id, _stems_with_parts(index_text(s)[0], vocab), _stems_with_parts(index_text(s)[1], vocab)) for s in targets])


class _ConnStore:
    """Just enough of Store for _load inside an open transaction."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
