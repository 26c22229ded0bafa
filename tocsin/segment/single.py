"""Articles that a reader already extracted (HTML, feeds, WARC, JSONL): clean and wrap them."""
from __future__ import annotations

from ..config import settings
from ..model import Article, RawDocument
from . import meta
from .lines import is_chrome


def single_article(doc: RawDocument) -> Article:
    m = doc.meta or {}
    art = Article(
        source_file=doc.source_file, source_path=doc.source_path, format=doc.format, url=doc.url,
        title=(m.get("title") or None), outlet=m.get("outlet") or None, date=m.get("date") or None,
        author=m.get("author") or None, language=m.get("language") or None,
        start_line=doc.line_start, end_line=doc.line_start if doc.format == "jsonl" else None,
        byte_start=doc.byte_start, byte_end=doc.byte_end,
    )
    if art.outlet:  # canonical spelling when the pack knows the outlet
        art.outlet = meta.find_outlet(art.outlet, settings().pack) or art.outlet
    body: list[tuple[int | None, str]] = []
    line = doc.line_start if doc.format == "jsonl" else None
    for para in (p.strip() for p in doc.text.replace("\r\n", "\n").split("\n\n")):
        if not para:
            continue
        if is_chrome(para):
            continue  # readers give no line numbers to report as dropped
        body.append((line, " ".join(para.split())))
    art.body_lines = body
    art.text = "\n\n".join(t for _, t in body)
    return art
