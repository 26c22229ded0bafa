"""Alerts as an Atom 1.0 feed (RFC 4287), built with ElementTree so every text is escaped."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NS = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot carry at all (ElementTree escapes <, & and quotes, not these).
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(s: Any) -> str:
    return _BAD.sub("\ufffd", str(s))


def _ts(day: str | None, fallback: str) -> str:
    if day and len(day) == 10:
        return f"{day}T00:00:00Z"
    return fallback


def atom_feed(alerts: Iterable[dict[str, Any]], *, title: str = "tocsin alerts", feed_id: str = "urn:tocsin:alerts") -> bytes:
    """The feed as UTF-8 bytes: one entry per alert (title, level, place, explanation, evidence)."""
    ET.register_namespace("", NS)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    feed = ET.Element(f"{{{NS}}}feed")
    ET.SubElement(feed, f"{{{NS}}}title").text = _x(title)
    ET.SubElement(feed, f"{{{NS}}}id").text = _x(feed_id)
    ET.SubElement(feed, f"{{{NS}}}updated").text = _x(now)
    ET.SubElement(ET.SubElement(feed, f"{{{NS}}}author"), f"{{{NS}}}name").text = _x("tocsin")
    for a in alerts:
        e = ET.SubElement(feed, f"{{{NS}}}entry")
        ET.SubElement(e, f"{{{NS}}}id").text = _x(f"urn:tocsin:alert:{a['id']}")
        ET.SubElement(e, f"{{{NS}}}title").text = _x(f"[{a['level']}] {a['rule']}: {a['place']} — {a['group']}")
        ET.SubElement(e, f"{{{NS}}}updated").text = _x(_ts(a.get("last_seen"), now))
        if a.get("first_seen"):
            ET.SubElement(e, f"{{{NS}}}published").text = _x(_ts(a["first_seen"], now))
        for ind in a.get("indicators") or []:
            ET.SubElement(e, f"{{{NS}}}category", term=_x(ind))
        ET.SubElement(e, f"{{{NS}}}category", term=f"level:{a['level']}")
        ET.SubElement(e, f"{{{NS}}}summary").text = _x(a.get("explanation") or "")
        lines = [a.get("explanation") or "", ""]
        for ev in a.get("evidence") or []:
            lines.append(f"- {ev.get('outlet') or 'unknown outlet'} ({ev.get('side') or 'side unknown'}), "
                         f"{ev.get('source_file')}:{ev.get('line')}: {ev.get('sentence')}")
        ET.SubElement(e, f"{{{NS}}}content", type="text").text = _x("\n".join(lines))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def write_atom(alerts: Iterable[dict[str, Any]], path: str | Path) -> Path:
    """Write the feed atomically (temp file then rename)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_bytes(atom_feed(alerts))
    tmp.replace(p)
    return p
