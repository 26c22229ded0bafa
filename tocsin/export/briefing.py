"""A self-contained HTML briefing: one file, no scripts, works offline.

Every string from an article is untrusted and goes through html.escape; the page forbids
scripts with a Content-Security-Policy so even a missed escape could not run code.
"""
from __future__ import annotations

import base64
import hashlib
import html
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from ..store import Store

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:62rem;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem}.sub{color:#666;margin-top:0}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f4f4f4}
.bar{fill:#8b1e1e}.axis{font-size:11px;fill:#555}.muted{color:#777}.grid{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem}
"""


def _e(s: object) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _bar_chart(counts: list[tuple[str, int]], width: int = 460, bar_h: int = 18) -> str:
    """Horizontal bar chart as inline SVG (no JavaScript)."""
    if not counts:
        return "<p class=muted>nothing yet</p>"
    top = max(v for _, v in counts) or 1
    rows = []
    for i, (label, v) in enumerate(counts):
        y = i * (bar_h + 4)
        w = int((width - 170) * v / top)
        rows.append(
            f'<text class=axis x="0" y="{y + 13}">{_e(label[:26])}</text>'
            f'<rect class=bar x="165" y="{y}" width="{max(w, 1)}" height="{bar_h}"></rect>'
            f'<text class=axis x="{170 + w}" y="{y + 13}">{v}</text>'
        )
    h = len(counts) * (bar_h + 4)
    return f'<svg role="img" width="{width}" height="{h}" viewBox="0 0 {width} {h}">{"".join(rows)}</svg>'


def write_briefing(store: Store, out_path: Path, *, title: str = "tocsin briefing") -> Path:
    by_outlet: Counter = Counter()
    by_lang: Counter = Counter()
    by_month: Counter = Counter()
    by_topic: Counter = Counter()
    rows = []
    for art in store.iter_articles():
        by_outlet[art.outlet or "unknown outlet"] += 1
        by_lang[art.language or "?"] += 1
        by_month[(art.date or "undated")[:7]] += 1
        topic = art.annotations.get("topic")
        if topic:
            by_topic[topic] += 1
        ents = ", ".join(e.get("name", "") for e in (art.annotations.get("entities") or [])[:8])
        rows.append(
            f"<tr><td>{_e(art.date or '')}</td><td>{_e(art.title or '(untitled)')}</td><td>{_e(art.outlet or '')}</td>"
            f"<td>{_e(art.language or '')}</td><td>{_e(topic or '')}</td>"
            f"<td class=muted>{_e(art.source_file)}:{_e(art.start_line or '')}</td><td class=muted>{_e(ents)}</td></tr>"
        )
    # The one inline style is allowed by its hash, so the policy needs no 'unsafe-inline'.
    style_hash = base64.b64encode(hashlib.sha256(_CSS.encode("utf-8")).digest()).decode("ascii")
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-{style_hash}'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{_e(title)}</title><style>{_CSS}</style></head><body>
<h1>{_e(title)}</h1><p class=sub>{len(rows)} articles · generated {now} by tocsin</p>
<div class=grid>
<section><h2>Articles by outlet</h2>{_bar_chart(by_outlet.most_common(12))}</section>
<section><h2>Articles by month</h2>{_bar_chart(sorted(by_month.items()))}</section>
<section><h2>Languages</h2>{_bar_chart(by_lang.most_common())}</section>
<section><h2>Topics</h2>{_bar_chart(by_topic.most_common())}</section>
</div>
<h2>Articles</h2>
<table><thead><tr><th>date</th><th>title</th><th>outlet</th><th>lang</th><th>topic</th><th>source</th><th>entities</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
</body></html>
"""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(page, encoding="utf-8")
    return out_path
