"""Errors that reach a user as one clear line instead of a traceback."""


class RathausError(Exception):
    """An expected failure caused by input or environment (bad file, missing model, ...).

    The command line prints `rathaus: <message>` and exits non-zero; the web page shows the
    message. Anything else is a bug and keeps its traceback.
    """

    exit_code = 2
