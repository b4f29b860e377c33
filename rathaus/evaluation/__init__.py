"""Scoring the core on labelled sets: never imported by the code that answers citizens.

catalog: accuracy and latency of the catalog assistant on a questions file (`rathaus eval`,
bench/catalog.py); dialog: conversations scored turn by turn, was the asked fact said
(bench/catalog.py). Why a package of its own: a harness inside rathaus/catalog or rathaus/dialog
reads as part of what answers the caller, and its test sets and scoring rules change for other
reasons than the answers do. The meeting flow's scoring (DER, votes) lives in meetings/evaluation/.
"""
