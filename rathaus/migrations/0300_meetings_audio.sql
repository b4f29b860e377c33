-- Meeting audio pipeline: enrollment details of voice profiles, match similarity per named speaker,
-- job attempts (a worker restart resumes the job), and the processing parameters of a meeting.
ALTER TABLE voice_profiles ADD COLUMN seconds REAL;          -- seconds of speech behind the embedding
ALTER TABLE voice_profiles ADD COLUMN source TEXT;           -- file names it was enrolled from
CREATE INDEX voice_profiles_name ON voice_profiles(name);
ALTER TABLE meeting_speakers ADD COLUMN similarity REAL;     -- cosine similarity to the matched profile
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN engine TEXT;                 -- diarization engine used
ALTER TABLE meetings ADD COLUMN out_dir TEXT;                -- folder with the exports
CREATE INDEX jobs_ref ON jobs(kind, ref);
