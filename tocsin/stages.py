"""The default pipeline: importing these modules registers their stages.

Order of execution comes from each stage's declared needs/adds and order, not from this list.
"""
from __future__ import annotations

from .extract import assertions, claims, entities, event_store, events, topic  # noqa: F401
from .segment import lang, sentences, split  # noqa: F401
from .compare import contradictions, perspective, stories  # noqa: F401
from . import warn  # noqa: F401  (indicators and alerts: corpus stage)
