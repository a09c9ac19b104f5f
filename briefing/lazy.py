"""Lazy package faces: each stage package declares its public names in ``__all__`` but imports
the module behind a name only when it is first used.

Why: a package's ``__init__`` runs whenever any of its modules is imported, and the stages'
modules pull in numpy, torch, Jinja2, WeasyPrint or feedparser. ``briefing --help`` and a
render with nothing new must not pay for those (see docs/benchmarks.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, modules: dict[str, str]
                 ) -> tuple[list[str], Callable[[str], Any]]:
    """``__all__`` and a module ``__getattr__`` (PEP 562) for ``package``, from
    ``{module: "name name …"}``: each name is imported from ``package.module`` on first use."""
    where = {name: module for module, names in modules.items() for name in names.split()}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return sorted(where), __getattr__
