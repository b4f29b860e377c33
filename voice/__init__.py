"""Everything spoken: audio decoding, voice activity, speech recognition, speech synthesis and the
phone bot. Modules here take plain parameters and dataclasses; they never import apps.web."""
