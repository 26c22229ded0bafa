"""Plain dataclasses that flow through the pipeline.

Stages take and return these; nothing here knows about the store, the CLI or the web.
Every record keeps its provenance (source file, line and byte span, URL) so any output can
be traced back to the words it came from.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

# Kinds of raw document. A "bundle" is a plain-text digest of many articles that the
# segmenter splits; an "article" is one article whose text a reader already extracted.
BUNDLE = "bundle"
SINGLE = "article"


def content_hash(*parts: str | None, length: int = 16) -> str:
    """Stable hex id from text parts (sha256, truncated)."""
    h = hashlib.sha256()
    for p in parts:
        h.update((p or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()[:length]


_WS = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Case-folded, NFKC, whitespace-collapsed text: equal for trivially different copies."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


@dataclass
class RawDocument:
    """One unit a reader produced: a digest to segment, or one already-extracted article."""

    source_path: str  # path as given (or path inside an archive, "a.warc.gz#rec3")
    source_file: str  # base name, used to match gold and shown to users
    format: str  # digest | html | feed | warc | jsonl
    kind: str  # BUNDLE or SINGLE
    text: str  # digest text, or extracted article body
    url: str | None = None
    line_start: int | None = None  # 1-based line of this document inside source_file
    byte_start: int | None = None
    byte_end: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # title/date/outlet/author/language
    file_hash: str = ""  # sha256 of the whole input file's bytes (for idempotent skip)

    @property
    def id(self) -> str:
        return content_hash(self.source_file, str(self.line_start), str(self.byte_start), self.text)


@dataclass
class Sentence:
    text: str
    start: int  # character offsets into Article.text
    end: int
    line: int | None = None  # 1-based line in the source file, when line-based
    language: str | None = None


@dataclass
class Article:
    """One article with its metadata, clean body and what later stages add."""

    source_file: str
    source_path: str
    format: str
    text: str = ""  # clean body (boilerplate removed, title and metadata lines excluded)
    title: str | None = None
    title_line: int | None = None
    outlet: str | None = None
    date: str | None = None  # ISO: YYYY, YYYY-MM or YYYY-MM-DD
    date_inferred: bool = False
    dateline_place: str | None = None
    author: str | None = None
    language: str | None = None
    url: str | None = None
    start_line: int | None = None
    end_line: int | None = None
    byte_start: int | None = None
    byte_end: int | None = None
    boilerplate_lines: list[int] = field(default_factory=list)
    # Body lines: (source line number or None, text); lets sentences map back to lines.
    body_lines: list[tuple[int | None, str]] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    # What later stages add (entities, events, claims, topic, perspective...) by stage name.
    annotations: dict[str, Any] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=dict)  # stage name -> version that ran
    doc_id: str = ""
    file_hash: str = ""

    @property
    def id(self) -> str:
        """Content id: the same article seen again (same or overlapping input) has the same id."""
        return content_hash(normalise_text(self.title or ""), normalise_text(self.text))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["id"] = self.id
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Article":
        d = dict(d)
        d.pop("id", None)
        sentences = [Sentence(**s) for s in d.pop("sentences", [])]
        body_lines = [tuple(x) for x in d.pop("body_lines", [])]
        known = {f for f in cls.__dataclass_fields__}
        art = cls(**{k: v for k, v in d.items() if k in known})
        art.sentences = sentences
        art.body_lines = body_lines  # type: ignore[assignment]
        return art
