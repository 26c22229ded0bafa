"""Readers: what analysts have (digests, pages, feeds, web archives, JSONL) -> RawDocuments.

    for f in expand_inputs(["corpus/", "*.warc.gz"]):
        if isinstance(f, TocsinError): report(f); continue
        for item in read_input(f):          # may also raise TocsinError (file unreadable)
            ...                             # RawDocument, or TocsinError for one bad record
"""
from .files import InputFile, Limits, expand_inputs, read_input
from .sniff import sniff_format

__all__ = ["InputFile", "Limits", "expand_inputs", "read_input", "sniff_format"]
