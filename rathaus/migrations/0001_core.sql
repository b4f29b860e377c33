-- Core tables shared by the phone bot, the meeting module and the review page.

CREATE TABLE calls (
    id TEXT PRIMARY KEY,               -- uuid
    started_at TEXT NOT NULL,
    ended_at TEXT,
    caller TEXT,                       -- masked per [phone] mask_caller
    language TEXT,
    outcome TEXT,                      -- answered, forwarded, callback, abandoned, error (NULL while live)
    service_id TEXT,                   -- the service the call was about, if any
    decision TEXT,                     -- last decision: answer, confirm, forward
    corrected_service_id TEXT,         -- set by staff on the review page
    handoff TEXT,                      -- JSON hand-off record for staff
    audio_path TEXT,                   -- only when [phone] keep_audio
    error TEXT
);
CREATE INDEX calls_started ON calls(started_at);

CREATE TABLE call_turns (
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    role TEXT NOT NULL,                -- caller or bot
    started_at TEXT NOT NULL,
    ended_at TEXT,
    text TEXT NOT NULL,
    language TEXT,
    action TEXT,                       -- decision for caller turns: answer, confirm, forward
    service_id TEXT,
    candidates TEXT,                   -- JSON list of {id, name, score}
    latency_ms REAL                    -- end of caller speech to first answer audio
);
CREATE INDEX call_turns_call ON call_turns(call_id, idx);

CREATE TABLE callbacks (
    id INTEGER PRIMARY KEY,
    call_id TEXT REFERENCES calls(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    name TEXT,
    number TEXT,
    service_id TEXT,
    reason TEXT,
    status TEXT NOT NULL DEFAULT 'open' -- open, done
);

CREATE TABLE meetings (
    id TEXT PRIMARY KEY,               -- uuid
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT,
    source_name TEXT,                  -- original file name of the upload
    audio_path TEXT,                   -- 16 kHz mono copy used for processing and playback
    duration REAL,
    language TEXT,
    body TEXT,                         -- Gremium
    date TEXT,
    place TEXT,
    agenda TEXT,                       -- JSON list of agenda items
    members TEXT,                      -- JSON list of {name, role, party}
    protocol_md TEXT,                  -- draft minutes, editable
    status TEXT NOT NULL DEFAULT 'new' -- new, processing, done, failed
);

CREATE TABLE meeting_segments (
    id INTEGER PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    speaker TEXT NOT NULL,             -- diarization label, e.g. SPEAKER_00
    start REAL NOT NULL,
    end REAL NOT NULL,
    text TEXT NOT NULL,
    words TEXT,                        -- JSON list of {word, start, end, probability, speaker}
    agenda_item TEXT
);
CREATE INDEX meeting_segments_meeting ON meeting_segments(meeting_id, idx);

CREATE TABLE meeting_speakers (
    meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    label TEXT NOT NULL,               -- diarization label
    name TEXT NOT NULL,                -- shown name: enrolled voice, renamed by staff, or "Sprecher N"
    profile_id INTEGER,
    PRIMARY KEY (meeting_id, label)
);

CREATE TABLE voice_profiles (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    model TEXT NOT NULL,               -- embedding model the vector came from
    embedding BLOB NOT NULL,           -- float32 vector
    created_at TEXT NOT NULL
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                -- e.g. meeting
    ref TEXT,                          -- e.g. meeting id
    params TEXT,                       -- JSON
    status TEXT NOT NULL DEFAULT 'queued', -- queued, running, done, failed
    stage TEXT,
    percent REAL NOT NULL DEFAULT 0,
    stages_done TEXT NOT NULL DEFAULT '[]', -- JSON list of finished stages
    error TEXT,
    worker TEXT,                       -- pid@host of the worker holding it
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX jobs_status ON jobs(status);
