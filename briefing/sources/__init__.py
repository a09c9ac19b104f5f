"""The sources stage: configured inputs to raw documents.

In: a ``Source`` from the config (``path``, ``feed`` or ``url``) and the settings.
Out: an iterator of ``RawDocument`` (bytes and where they came from), ``InputError`` for each
input that cannot be used (the run goes on without it), ``FileDone`` after each file of a
path source and ``SourceStatus`` at the end of a network source.

- ``kinds``: the kind → reader table (``iter_source``) and ``--input`` values;
- ``files``: folders and files, only ever read; JSON article files;
- ``feeds``: RSS/Atom entries; ``pages``: single article pages;
- ``conditional``: a GET that asks the server whether anything changed;
- ``fetch``: the one network seam (httpx), with its limits; tests point it at a local server;
- ``records``: what sources yield besides documents; ``report``: ``briefing sources``.
"""

from briefing.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "records": "FileDone SourceResult SourceStatus",
    "files": "iter_path json_documents",
    "kinds": "iter_source source_from_cli",
    "report": "source_report",
})
