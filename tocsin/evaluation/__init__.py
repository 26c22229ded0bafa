"""Scoring tocsin's export against hand-made gold annotations (see shared gold README)."""
from __future__ import annotations

import json
from typing import Any

from .common import norm, norm_date
from .core import METRICS, evaluate
from .table import format_table

__all__ = ["METRICS", "evaluate", "format_table", "to_json", "norm", "norm_date"]


def to_json(result: dict[str, Any]) -> str:
    """The `--json` output: the result as one JSON document (None becomes null)."""
    return json.dumps(result, ensure_ascii=False)
