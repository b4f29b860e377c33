"""The service catalog: data model, importers, hybrid search and the answer/confirm/forward decision.

Public entry points: `load_assistant(config, store) -> Assistant`, `Assistant.ask(question)`,
the `Decision` dataclass, and `rathaus.catalog.repository` for the web page. Heavy models load
lazily on the first question.
"""

from rathaus.catalog.decision import Candidate, Decision, ServiceRef


def load_assistant(config, store):
    from rathaus.catalog.assistant import load_assistant as _load

    return _load(config, store)


def __getattr__(name):
    if name in ("Assistant", "CatalogSettings"):
        from rathaus.catalog import assistant

        return getattr(assistant, name)
    raise AttributeError(name)


__all__ = ["load_assistant", "Decision", "ServiceRef", "Candidate", "Assistant", "CatalogSettings"]
