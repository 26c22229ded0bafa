"""Run settings shared by the CLI, the API and the pipeline stages.

Stages are plain functions, so what they need beyond their input (which conflict pack) comes
from here. A process-pool or Ray runner passes the same Settings to its workers.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    db: str = "tocsin.db"
    pack: str = "south-caucasus"  # a built-in pack name, an entry-point name or a folder path
    seeds: str = str(REPO_ROOT.parent / "shared" / "seeds")


def _from_env() -> Settings:
    s = Settings()
    return replace(
        s,
        db=os.environ.get("TOCSIN_DB", s.db),
        pack=os.environ.get("TOCSIN_PACK", s.pack),
        seeds=os.environ.get("TOCSIN_SEEDS", s.seeds),
    )


_current: Settings = _from_env()


def settings() -> Settings:
    return _current


def configure(**changes: str) -> Settings:
    """Change the settings for this process (and the workers a runner starts from it)."""
    global _current
    _current = replace(_current, **{k: v for k, v in changes.items() if v is not None})
    return _current
