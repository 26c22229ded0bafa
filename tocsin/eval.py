"""The eval command's library; the code lives in tocsin.evaluation (split for size).

    from tocsin.eval import evaluate, format_table
    result = evaluate("out/export", "../shared/gold")
    print(format_table(result))      # or to_json(result) for --json
"""
from __future__ import annotations

from .evaluation import METRICS, evaluate, format_table, norm, norm_date, to_json

__all__ = ["METRICS", "evaluate", "format_table", "to_json", "norm", "norm_date"]
