-- Web chat: conversations on the town's website are stored as calls with channel 'web', so the
-- review page, search, catalog gaps, the dashboard, retention and data-subject requests read
-- them the same way as phone calls. web_chats holds only what continues a conversation across
-- requests: the hash of the browser's conversation token and the dialog state.
ALTER TABLE calls ADD COLUMN channel TEXT NOT NULL DEFAULT 'phone';
CREATE INDEX calls_channel ON calls(channel, started_at);
-- A contact request from the web may leave an e-mail address instead of a phone number.
ALTER TABLE callbacks ADD COLUMN email TEXT;
CREATE TABLE web_chats (
    call_id TEXT PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,   -- sha256 of the token the browser holds
    state TEXT NOT NULL DEFAULT '{}',  -- rathaus.dialog ConversationState as JSON
    updated_at TEXT NOT NULL,
    turns INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX web_chats_updated ON web_chats(updated_at);
