"""A self-contained HTML briefing: one file, no scripts, works offline, charts and map inline.

Of the whole store, a date range (``date_from``/``date_to``, YYYY[-MM[-DD]]) or one story.
Every string from an article is untrusted and goes through html.escape; the page forbids
scripts with a Content-Security-Policy (its one stylesheet allowed by hash), so even a
missed escape could not run code.
"""
from __future__ import annotations

import base64
import hashlib
import html
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import TocsinError
from ..model import Article
from ..store import Store
from ..store.queries import date_bounds

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:62rem;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem}.sub{color:#666;margin-top:0}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f4f4f4}
.bar{fill:#8b1e1e}.axis{font-size:11px;fill:#555}.muted{color:#777}.grid{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:1rem}.col{border:1px solid #ddd;padding:.5rem}
"""


def _e(s: object) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _bar_chart(counts: list[tuple[str, int]], width: int = 460, bar_h: int = 18) -> str:
    from ..serve.charts import bars

    return bars(counts, width=width, bar_h=bar_h)


def _in_range(art: Article, lo: str | None, hi: str | None) -> bool:
    if not (lo or hi):
        return True
    if not art.date:
        return False
    a_lo, a_hi = date_bounds(art.date[:10], "article date") if len(art.date) >= 4 else (art.date, art.date)
    return (lo is None or a_hi >= lo) and (hi is None or a_lo <= hi)


def _articles(store: Store, date_from: str | None, date_to: str | None,
              story: dict[str, Any] | None) -> list[Article]:
    if story is not None:
        arts = [store.get_article(a.get("id")) for a in story.get("articles") or []]
        return [a for a in arts if a is not None]
    lo = date_bounds(date_from, "date_from")[0] if date_from else None
    hi = date_bounds(date_to, "date_to")[1] if date_to else None
    out = []
    for art in store.iter_articles():
        try:
            if _in_range(art, lo, hi):
                out.append(art)
        except TocsinError:  # an odd stored date: keep it only in unfiltered briefings
            continue
    return out


def render_briefing(store: Store, *, title: str | None = None, date_from: str | None = None,
                    date_to: str | None = None, story: str | None = None) -> str:
    """The briefing page as a string (see module doc)."""
    from ..serve import charts, data, geo

    st = None
    if story:
        st = data.one("get_story", store, story)
        if st is None:
            raise TocsinError("E400", f"no story {story!r} in this store", file=str(store.path))
    arts = _articles(store, date_from, date_to, st)
    ids = {a.id for a in arts}
    side_of = data.outlet_sides(store)
    by_outlet: Counter = Counter()
    by_lang: Counter = Counter()
    by_topic: Counter = Counter()
    by_month_side: dict[str, Counter] = defaultdict(Counter)
    rows = []
    for art in arts:
        by_outlet[art.outlet or "unknown outlet"] += 1
        by_lang[art.language or "?"] += 1
        by_month_side[side_of.get(art.outlet or "") or "unknown side"][(art.date or "undated")[:7]] += 1
        topic = data.plain(art.annotations.get("topic"))
        topic = topic.get("label") if isinstance(topic, dict) else topic
        if topic:
            by_topic[str(topic)] += 1
        ents = ", ".join(e.get("name", "") for e in (art.annotations.get("entities") or [])[:8] if isinstance(e, dict))
        rows.append(
            f"<tr><td>{_e(art.date or '')}</td><td>{_e(art.title or '(untitled)')}</td><td>{_e(art.outlet or '')}</td>"
            f"<td>{_e(side_of.get(art.outlet or '') or '')}</td><td>{_e(art.language or '')}</td><td>{_e(topic or '')}</td>"
            f"<td class=muted>{_e(art.source_file)}:{_e(art.start_line or '')}</td><td class=muted>{_e(ents)}</td></tr>")
    months = sorted({m for c in by_month_side.values() for m in c})
    side_chart = charts.stacked(months, {s: [c.get(m, 0) for m in months] for s, c in sorted(by_month_side.items())},
                                title="articles by side per month")
    events = [ev for ev in data.all_events(store) if any(
        (m.get("article_id") in ids) for m in ev.get("mentions") or [{"article_id": None}])]
    ev_types = Counter(str(ev.get("type")) for ev in events)
    placed: dict[tuple, int] = Counter()
    for ev in events:
        c = data.place_coords(ev.get("place"))
        if c:
            placed[(ev.get("place"), c)] += 1
    markers = [{"lat": c[0], "lon": c[1], "n": n, "label": f"{p}: {n} event(s)", "kind": "event"}
               for (p, c), n in placed.items()]
    scope = (f"story {st.get('title') or story}" if st else
             f"{date_from or 'start'} to {date_to or 'now'}" if (date_from or date_to) else "whole store")
    title = title or ("tocsin briefing: " + scope)
    css = _CSS + charts.CSS + geo.CSS
    style_hash = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    story_html = _story_section(st) if st else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-{style_hash}'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{_e(title)}</title><style>{css}</style></head><body>
<h1>{_e(title)}</h1><p class=sub>{len(rows)} articles · {len(events)} events · {_e(scope)} · generated {now} by tocsin</p>
{story_html}
<div class=grid>
<section><h2>Articles by side per month</h2>{side_chart}</section>
<section><h2>Articles by outlet</h2>{charts.bars(by_outlet.most_common(12))}</section>
<section><h2>Events by type</h2>{charts.bars(ev_types.most_common(13))}</section>
<section><h2>Languages and topics</h2>{charts.bars(by_lang.most_common() + by_topic.most_common())}</section>
</div>
<h2>Map of events</h2>{geo.svg_map(markers, width=900) if markers else '<p class=muted>no placed events</p>'}
<h2>Articles</h2>
<table><thead><tr><th>date</th><th>title</th><th>outlet</th><th>side</th><th>lang</th><th>topic</th><th>source</th><th>entities</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
</body></html>
"""


def _story_section(st: dict[str, Any]) -> str:
    cols: dict[str, list[str]] = defaultdict(list)
    for a in st.get("articles") or []:
        cols[a.get("side") or "unknown"].append(
            f"<li>{_e(a.get('title') or '(untitled)')}<br><span class=muted>{_e(a.get('date') or '')} · "
            f"{_e(a.get('outlet') or '')} · {_e(a.get('source_file') or '')}:{_e(a.get('line') or '')}</span></li>")
    body = "".join(f"<div class=col><h3>{_e(side)}</h3><ul>{''.join(items)}</ul></div>" for side, items in cols.items())
    omitted = [(e.get("label"), ", ".join(e.get("omitted_by") or []))
               for e in (st.get("comparison") or {}).get("events") or [] if e.get("omitted_by")]
    om = "".join(f"<li>{_e(lbl)}: not reported by {_e(by)}</li>" for lbl, by in omitted)
    return (f"<h2>Story: sides side by side</h2><div class=cols>{body}</div>"
            + (f"<h3>Omissions</h3><ul>{om}</ul>" if om else "") + _words_section(st))


def _words_section(st: dict[str, Any]) -> str:
    """What each side calls the same thing: concepts and place names, own voice only."""
    voc = (st.get("comparison") or {}).get("vocabulary") or {}
    rows = [(c.get("label"), c.get("by_side") or {}) for c in voc.get("concepts") or []]
    rows += [(p.get("place"), p.get("by_side") or {}) for p in voc.get("places") or []]
    items = []
    for label, by_side in rows:
        words = "; ".join(f"{_e(side)}: " + ", ".join(f"“{_e(w)}” ×{_e(n)}" for w, n in used.items())
                          for side, used in by_side.items() if used)
        if words:
            items.append(f"<li><b>{_e(label)}</b>: {words}</li>")
    return f"<h3>Same thing, different words</h3><ul>{''.join(items)}</ul>" if items else ""


def write_briefing(store: Store, out_path: Path, *, title: str | None = None, date_from: str | None = None,
                   date_to: str | None = None, story: str | None = None) -> Path:
    page = render_briefing(store, title=title, date_from=date_from, date_to=date_to, story=story)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(page, encoding="utf-8")
    return out_path
