-- Service catalog: services, offices, synonyms, cached vectors and the lexical index.
-- Imported fields live in the columns; staff edits live in `overrides` (JSON object of field ->
-- value) so that importing the same catalog again never loses them.

CREATE TABLE catalog_services (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    keywords TEXT NOT NULL DEFAULT '[]',      -- JSON list of strings (from the source)
    fees TEXT NOT NULL DEFAULT '',            -- plain text as spoken, e.g. "37 Euro, unter 24 Jahren 22,80 Euro"
    documents TEXT NOT NULL DEFAULT '[]',     -- JSON list: what to bring
    forms TEXT NOT NULL DEFAULT '[]',         -- JSON list of {name, url}
    links TEXT NOT NULL DEFAULT '[]',         -- JSON list of {name, url}
    leika TEXT NOT NULL DEFAULT '',
    forward_to TEXT NOT NULL DEFAULT '',      -- SIP URI of the office queue; empty: [catalog] default_queue
    source TEXT NOT NULL DEFAULT '',          -- dldb, csv, json, sample, staff
    overrides TEXT NOT NULL DEFAULT '{}',     -- JSON: local edits that win over imported fields
    active INTEGER NOT NULL DEFAULT 1,        -- 0: removed from search without deleting history
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE catalog_offices (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    opening_hours TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);

CREATE TABLE catalog_service_offices (
    service_id TEXT NOT NULL REFERENCES catalog_services(id) ON DELETE CASCADE,
    office_id TEXT NOT NULL REFERENCES catalog_offices(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (service_id, office_id)
);

CREATE TABLE catalog_synonyms (
    id INTEGER PRIMARY KEY,
    service_id TEXT NOT NULL REFERENCES catalog_services(id) ON DELETE CASCADE,
    phrase TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'staff',     -- staff, import, review
    created_at TEXT NOT NULL,
    UNIQUE (service_id, phrase)
);

-- Embeddings of service texts, computed once: keyed by model and a hash of the embedded text.
CREATE TABLE catalog_vectors (
    model TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,                     -- float32 little-endian
    PRIMARY KEY (model, text_hash)
);

-- Lexical index over normalized, stemmed service text (maintained by rathaus.catalog.repository).
CREATE VIRTUAL TABLE catalog_fts USING fts5(
    service_id UNINDEXED,
    name,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- One counter bumped on every catalog change: running assistants reload when it moves.
CREATE TABLE catalog_state (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO catalog_state VALUES ('generation', 0);
