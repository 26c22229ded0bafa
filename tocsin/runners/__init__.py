"""Runners execute the registered stages over documents: here, in a process pool, or on Ray.

Every runner yields ``(RawDocument, list[Article] | TocsinError)`` in input order, so the store's
single writer takes results the same way whichever runner produced them.
"""
from __future__ import annotations

from typing import Any

from ..errors import TocsinError
from ..pipeline import LocalRunner

RUNNERS = ("local", "process", "ray")


def get_runner(name: str = "local", **options: Any):
    """The runner called ``name``; options (workers, ray_address, ...) go to its constructor."""
    if name == "local":
        # Only a stage subset applies here (the bench's store fill); workers are for pools.
        return LocalRunner(options.get("stages"))
    if name == "process":
        from .process import ProcessRunner

        return ProcessRunner(**options)
    if name == "ray":
        from .ray_runner import RayRunner

        return RayRunner(**options)
    raise TocsinError("E301", f"unknown runner {name!r}", hint="use one of: " + ", ".join(RUNNERS))
