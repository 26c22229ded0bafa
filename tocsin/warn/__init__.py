"""Atrocity-risk early warning: indicators, series, detection, alerts, replay (docs/warn.md)."""
from __future__ import annotations

from .alerts import (
           alert_id,
           build_alerts,
           get_alert,
           indicator_series,
           list_alerts,
           refresh,
           warn_stage,
)
from .indicators import load_config
from .replay import replay, replay_svg

__all__ = [
           "alert_id",
           "build_alerts",
           "get_alert",
           "indicator_series",
           "list_alerts",
           "load_config",
           "refresh",
           "replay",
           "replay_svg",
           "warn_stage",
]

from . import export as _export  # noqa: F401  (registers the alerts table with tocsin.export)
