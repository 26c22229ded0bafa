"""Web dashboard and JSON API (FastAPI). ``create_app`` is imported lazily: charts.py and
geo.py are also used by the offline briefing, which must not need the web stack."""
from __future__ import annotations

from typing import Any


def create_app(*args: Any, **kwargs: Any) -> Any:
    from .app import create_app as _create

    return _create(*args, **kwargs)


__all__ = ["create_app"]
