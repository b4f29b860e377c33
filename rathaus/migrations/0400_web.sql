-- Review page: accounts, sessions, login throttling, audit log and full-text search.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT,
    role TEXT NOT NULL CHECK (role IN ('admin', 'clerk')),
    password_hash TEXT NOT NULL,          -- argon2id
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    last_login_at TEXT
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,          -- sha256 of the cookie value; the cookie itself is never stored
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,                     -- unix time
    ip TEXT,
    username TEXT,
    success INTEGER NOT NULL
);
CREATE INDEX login_attempts_at ON login_attempts(at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    username TEXT,                        -- kept when the account is deleted later
    action TEXT NOT NULL,                 -- login, logout, login_failed, view, change, export, delete, upload, create
    object_type TEXT,                     -- call, meeting, service, user, catalog, search, ...
    object_id TEXT,
    detail TEXT,                          -- JSON
    ip TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);

-- Full-text search over what callers said and what was said in meetings. The trigram tokenizer
-- finds parts of German compounds ("ausweis" in "Personalausweis"); external content tables keep
-- the text once, the triggers keep the index in step with every insert, update and delete.
CREATE VIRTUAL TABLE call_turns_fts USING fts5(
    text, content='call_turns', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER call_turns_fts_ai AFTER INSERT ON call_turns BEGIN
    INSERT INTO call_turns_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER call_turns_fts_ad AFTER DELETE ON call_turns BEGIN
    INSERT INTO call_turns_fts(call_turns_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER call_turns_fts_au AFTER UPDATE OF text ON call_turns BEGIN
    INSERT INTO call_turns_fts(call_turns_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO call_turns_fts(rowid, text) VALUES (new.id, new.text);
END;

CREATE VIRTUAL TABLE meeting_segments_fts USING fts5(
    text, content='meeting_segments', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER meeting_segments_fts_ai AFTER INSERT ON meeting_segments BEGIN
    INSERT INTO meeting_segments_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER meeting_segments_fts_ad AFTER DELETE ON meeting_segments BEGIN
    INSERT INTO meeting_segments_fts(meeting_segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER meeting_segments_fts_au AFTER UPDATE OF text ON meeting_segments BEGIN
    INSERT INTO meeting_segments_fts(meeting_segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO meeting_segments_fts(rowid, text) VALUES (new.id, new.text);
END;

-- Rows written before this migration.
INSERT INTO call_turns_fts(call_turns_fts) VALUES ('rebuild');
INSERT INTO meeting_segments_fts(meeting_segments_fts) VALUES ('rebuild');
