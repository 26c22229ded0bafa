"""CLI command groups contributed by features (stories, alerts, serve, bench...).

Each module here defines ``register(app: typer.Typer) -> None`` that adds its commands, each a
few lines over a public library function. tocsin/cli.py registers every module in this
package, so a feature adds its commands without editing the core CLI.
"""
from __future__ import annotations

import importlib
import pkgutil


def register_all(app) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
