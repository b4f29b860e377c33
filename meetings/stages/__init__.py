"""The stages of the meeting pipeline, one module each, in the order they run: decode (16 kHz copy),
diarize (who spoke when), transcribe (words, stored as `asr`), align (words to speakers, speakers
named), minutes (agenda, minutes and exports).

Each stage's result is a dataclass that converts to and from the JSON stored for it
(`to_stored()` / `from_stored()`), so a finished stage is read back exactly as a fresh one is
handed on; runner.py runs them in order, keeps and resumes finished ones, reports progress and
stops between pieces of work. meetings/pipeline.py strings them together.
"""
