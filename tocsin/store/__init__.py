"""The embedded SQLite store: articles, provenance, ingest state, full-text search."""
from .db import Store, migrations
from .queries import ParsedQuery, SearchHit, parse_query

__all__ = ["Store", "SearchHit", "ParsedQuery", "parse_query", "migrations"]
