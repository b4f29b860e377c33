"""Council recordings to minutes: decode -> diarize -> transcribe -> align words to speakers ->
name speakers -> split by agenda item -> minutes -> exports. Never imports apps.web."""
