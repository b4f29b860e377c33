-- Progress inside a stage (e.g. "3/20": windows of diarization or ASR done), shown by the CLI and
-- the review page next to the stage name.
ALTER TABLE jobs ADD COLUMN detail TEXT;
