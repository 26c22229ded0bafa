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
    _check_pack()
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


def _check_pack() -> None:
    """A broken pack is a run-wide error (E300 with file:line), raised before any input is read:
    per document it would be logged and the inputs wrongly marked done with no articles."""
    from ..config import settings
    from ..packs import check_pack
    from ..pipeline import load_default_stages

    load_default_stages()  # stage modules register the section validators
    check_pack(settings().pack)
