"""Flat writers: CSV and Parquet.

Both need their columns before the first row. A table registered with declared column
types uses those; otherwise the first batch of rows decides (buffered, so still streaming).
Lists and objects become JSON strings, so every column is a scalar.
Column types: "str", "int", "float", "bool", "json".
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

from ..errors import TocsinError
from .jsonl import AtomicFile, dumps

BATCH = 1000


def infer_columns(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Column types from sample rows: one scalar type per column, else json/str."""
    kinds: dict[str, set[str]] = {}
    for row in rows:
        for key, value in row.items():
            seen = kinds.setdefault(key, set())
            if value is None:
                continue
            if isinstance(value, bool):
                seen.add("bool")
            elif isinstance(value, int):
                seen.add("int")
            elif isinstance(value, float):
                seen.add("float")
            elif isinstance(value, str):
                seen.add("str")
            else:
                seen.add("json")
    out = {}
    for key, seen in kinds.items():
        if seen == {"int", "float"}:
            out[key] = "float"
        elif len(seen) == 1:
            out[key] = next(iter(seen))
        else:  # empty (all null) or mixed: a string holds anything
            out[key] = "json" if "json" in seen else "str"
    return out


def cell(value: Any, kind: str, where: str) -> Any:
    """Coerce one value to its column type (None stays None)."""
    if value is None:
        return None
    if kind == "json":
        return value if isinstance(value, str) else dumps(value)
    if kind == "str":
        return value if isinstance(value, str) else dumps(value)
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise TocsinError("E400", f"export column {where} is {kind} but a row has {value!r:.60}")


class _Buffered(AtomicFile):
    """Buffers the first batch to learn columns when none were declared."""

    def __init__(self, path: Path, columns: dict[str, str] | None, binary: bool) -> None:
        super().__init__(path, binary=binary)
        self.columns = dict(columns) if columns else None
        self.buffer: list[dict[str, Any]] = []

    def write(self, row: dict[str, Any]) -> None:
        self.buffer.append(row)
        self.rows += 1
        if len(self.buffer) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.columns is None:
            self.columns = infer_columns(self.buffer)
        if self.buffer:
            self._emit([self._coerce(r) for r in self.buffer])
        self.buffer = []

    def _coerce(self, row: dict[str, Any]) -> dict[str, Any]:
        assert self.columns is not None
        extra = set(row) - set(self.columns)
        if extra:
            raise TocsinError("E400", f"{self.path.name}: row has columns not in the first rows: {sorted(extra)}")
        name = self.path.stem
        return {k: cell(row.get(k), t, f"{name}.{k}") for k, t in self.columns.items()}

    def _emit(self, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def close(self) -> Path:
        self._flush()
        self._end()
        return super().close()

    def _end(self) -> None:
        pass


class CsvWriter(_Buffered):
    def __init__(self, path: Path, columns: dict[str, str] | None = None) -> None:
        super().__init__(path, columns, binary=False)
        self.writer: csv.DictWriter | None = None

    def _header(self) -> None:
        if self.writer is None and self.columns is not None:
            self.writer = csv.DictWriter(self.fh, fieldnames=list(self.columns))  # type: ignore[arg-type]
            self.writer.writeheader()

    def _emit(self, rows: list[dict[str, Any]]) -> None:
        self._header()
        assert self.writer is not None
        for row in rows:
            self.writer.writerow({k: _csv_text(v) for k, v in row.items()})

    def _end(self) -> None:
        if self.columns is None:
            self.columns = {}
        self._header()


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_ARROW = {"str": "string", "json": "string", "int": "int64", "float": "float64", "bool": "bool_"}


class ParquetWriter(_Buffered):
    def __init__(self, path: Path, columns: dict[str, str] | None = None) -> None:
        super().__init__(path, columns, binary=True)
        self.writer = None
        self.schema = None

    def _open(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.writer is None:
            cols = self.columns or {}
            self.schema = pa.schema([(k, getattr(pa, _ARROW[t])()) for k, t in cols.items()])
            self.writer = pq.ParquetWriter(self.fh, self.schema, compression="zstd")

    def _emit(self, rows: list[dict[str, Any]]) -> None:
        import pyarrow as pa

        self._open()
        self.writer.write_table(pa.Table.from_pylist(rows, schema=self.schema))  # type: ignore[union-attr]

    def _end(self) -> None:
        self._open()  # an empty table still gets a valid file with its schema
        self.writer.close()  # type: ignore[union-attr]

    def abort(self) -> None:
        if self.writer is not None:
            try:
                self.writer.close()
            except Exception:  # the file is being thrown away anyway
                pass
        super().abort()


def read_csv(path: str | Path) -> list[dict[str, str]]:
    """Read a CSV export back; JSON columns stay strings (use json.loads)."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # article bodies can exceed the 128 KiB default
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


__all__ = ["CsvWriter", "ParquetWriter", "infer_columns", "read_csv"]
