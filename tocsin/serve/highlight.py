"""Highlight untrusted text safely: escape every character first, then add our own marks.

Article text never reaches a template unescaped; these helpers return Markup built only from
html.escape'd pieces of the text and fixed tags whose attributes we escape too.
"""
from __future__ import annotations

import html
from typing import Any, Iterable

from markupsafe import Markup

_KINDS = {"entity", "event", "claim", "framing", "hit"}


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def spans(text: str | None, spans_: Iterable[Iterable[int]]) -> Markup:
    """Text with [start, end) spans wrapped in <mark class="hit">, all else escaped."""
    text = text or ""
    out, pos = [], 0
    for s, e in sorted((int(a), int(b)) for a, b in spans_):
        if s < pos or e <= s or e > len(text):
            continue
        out.append(esc(text[pos:s]))
        out.append(f'<mark class="hit">{esc(text[s:e])}</mark>')
        pos = e
    out.append(esc(text[pos:]))
    return Markup("".join(out))


def marks(text: str | None, marks_: list[dict[str, Any]]) -> Markup:
    """Text with properly nested marks (see search.non_overlapping) as <mark> elements."""
    text = text or ""
    opens: dict[int, list[dict[str, Any]]] = {}
    for m in marks_:
        opens.setdefault(m["start"], []).append(m)
    for lst in opens.values():
        lst.sort(key=lambda m: -m["end"])  # outer first
    out: list[str] = []
    stack: list[int] = []  # end offsets of open marks
    pos = 0
    bounds = sorted({0, len(text), *opens.keys(), *(m["end"] for m in marks_)})
    for b in bounds:
        if b > pos:
            out.append(esc(text[pos:b]))
            pos = b
        while stack and stack[-1] <= b:
            stack.pop()
            out.append("</mark>")
        for m in opens.get(b, []):
            if stack and m["end"] > stack[-1]:
                continue  # would cross its parent: skip rather than emit broken HTML
            kind = m["kind"] if m["kind"] in _KINDS else "entity"
            out.append(f'<mark class="{kind}" title="{esc(m.get("label", ""))}">')
            stack.append(m["end"])
    out.extend("</mark>" for _ in stack)
    return Markup("".join(out))

