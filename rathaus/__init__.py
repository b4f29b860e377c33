"""Rathaus: a self-hosted voice and meeting assistant for German town halls.

This package is the application shell: configuration, the SQLite store, the service catalog,
the review web page and the one `rathaus` command. Speech lives in `voice`, council
recordings in `meetings`, and every sentence a person hears or reads in `prompts`.
"""

__version__ = "0.1.0"
