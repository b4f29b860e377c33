"""Audio and speech recognition that both flows need: decoding and resampling audio (`audio`),
the whisper model files (`whisper_model`, `checksums`) and recognition itself (`asr`).

It sits in the core because the phone flow (voice/) and the meeting flow (meetings/) both
transcribe, and the two flows must not import each other.
"""
