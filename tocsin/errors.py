"""One error type for every user-facing failure.

Each error carries a stable code (so scripts and the API can branch on it), a one-line
message, and where it applies the file and line it concerns. ``str(err)`` is the one line
a user sees: ``path:line: [E-CODE] what went wrong (what to do)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Codes are stable: add new ones, never renumber.
CODES: dict[str, str] = {
    "E100": "input not found",
    "E101": "input is binary, not text",
    "E102": "input is empty",
    "E103": "input too large",
    "E104": "truncated or corrupt compressed input",
    "E105": "cannot decode text",
    "E106": "malformed HTML",
    "E107": "malformed feed",
    "E108": "malformed JSON",
    "E109": "malformed WARC",
    "E110": "unsupported input format",
    "E111": "line too long",
    "E112": "input took too long to read",
    "E200": "store error",
    "E201": "store schema is newer than this tocsin",
    "E300": "invalid conflict pack",
    "E301": "invalid configuration",
    "E400": "invalid export or gold folder",
    "E500": "pipeline stage failed",
    "E501": "unknown pipeline stage",
}


@dataclass
class TocsinError(Exception):
    """A failure a user can act on: code, message, and optional file:line."""

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown error code {self.code}")
        Exception.__init__(self, str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        hint = f" ({self.hint})" if self.hint else ""
        one_line = " ".join(f"{where}[{self.code}] {self.message}{hint}".split())
        return one_line

    def to_dict(self) -> dict[str, Any]:
        """The one JSON error shape used by exports and the API."""
        return {
            "error": {
                "code": self.code,
                "title": CODES[self.code],
                "message": self.message,
                "file": self.file,
                "line": self.line,
                "hint": self.hint,
            }
        }
