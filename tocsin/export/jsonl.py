"""JSON Lines writer: one JSON object a line, written to a temp file and renamed when done.

The rename means a reader (or the eval) never sees a half-written export as if complete.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, IO


def json_default(obj: Any) -> Any:
    """Serialise what stages may leave in rows (tuples, sets, dataclasses) instead of failing."""
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=str)
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    return str(obj)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=json_default)


class AtomicFile:
    """Base for writers: ``path.tmp`` while writing, renamed to ``path`` by close()."""

    def __init__(self, path: Path, *, binary: bool = False) -> None:
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + ".tmp")
        self.rows = 0
        self.fh: IO[Any] | None = (
            open(self.tmp, "wb") if binary else open(self.tmp, "w", encoding="utf-8", newline="")
        )

    def _finish(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None

    def close(self) -> Path:
        self._finish()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        try:
            self._finish()
        finally:
            self.tmp.unlink(missing_ok=True)


class JsonlWriter(AtomicFile):
    def __init__(self, path: Path, columns: dict[str, str] | None = None) -> None:
        super().__init__(path)

    def write(self, row: dict[str, Any]) -> None:
        assert self.fh is not None
        self.fh.write(dumps(row))
        self.fh.write("\n")
        self.rows += 1


def read_jsonl(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Read a JSON Lines file back (tests, eval)."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
