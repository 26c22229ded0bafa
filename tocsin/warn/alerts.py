"""Alerts: build them from the store, keep them (updated, not duplicated), query and export them.

The corpus stage "warn" recomputes signals, series and alerts over the whole store after each
ingest (a surge or a sequence depends on everything seen so far). An alert's id hashes its
place, group and rule, so as evidence grows the same alert is updated — its level, last_seen
and evidence change, its id and created_at do not.
"""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..corpus import CorpusContext, corpus_stage
from ..model import content_hash
from .detect import detect
from .explain import explain
from .indicators import WarnConfig, article_signals, day_of, load_config
from .series import build_series, cluster_weight, independent_sources, outlet_weights

EVIDENCE_FIELDS = ("source_file", "line", "outlet", "side", "sentence")


def alert_id(place: str, group: str, rule: str) -> str:
    return "al-" + content_hash(place, group, rule, length=12)


def collect(store: Any, cfg: WarnConfig, pack: Any = None, *, until: str | None = None
            ) -> tuple[list[dict[str, Any]], list[str]]:
    """(signals, coverage days) of every article published up to ``until`` (all when None)."""
    signals: list[dict[str, Any]] = []
    coverage: set[str] = set()
    for art in store.iter_articles():
        pub = day_of(art.date)
        if until is not None and (pub is None or pub > until):
            continue
        if pub:
            coverage.add(pub)
        signals.extend(article_signals(art, cfg, pack))
    return signals, sorted(coverage)


def select_evidence(signals: list[dict[str, Any]], weights: dict[str, float], limit: int,
                    focus: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    """One sentence per independent source, alternating sides so no camp fills the list alone;
    sources inside ``focus`` (first, last day of the window that set the level) come first."""
    def outside(s: dict[str, Any]) -> bool:
        # Reported, or (for a later report) said to have happened, inside the focus window.
        if focus is None:
            return False
        ev = day_of(s.get("event_date"))
        return not (focus[0] <= s["day"] <= focus[1] or (ev is not None and focus[0] <= ev <= focus[1]))

    reps = []
    extra: list[dict[str, Any]] = []
    for cl in independent_sources(signals, weights):
        # A source's best sentence: in the window, dated in its own words, from an event, newest.
        cl.sort(key=lambda s: (outside(s), s.get("date_source") != "text", s["via"] != "event",
                               _neg_day(s["day"]), s["source_file"], s["line"] or 0))
        reps.append((cluster_weight(cl, weights), cl[0]))
        seen = {(cl[0]["article_id"], cl[0]["start"])}
        for s in cl[1:]:
            if (s["article_id"], s["start"]) not in seen:
                seen.add((s["article_id"], s["start"]))
                extra.append(s)
    # Named outlets first (an analyst can weigh them), then the more trusted, then the earlier.
    reps.sort(key=lambda r: (outside(r[1]), not r[1].get("outlet"), -r[0], r[1]["day"], r[1]["source_file"],
                             r[1]["line"] or 0))
    reps_order = {id(s): i for i, (_, s) in enumerate(reps)}
    by_side: dict[str, list[dict[str, Any]]] = {}
    for _, s in reps:
        by_side.setdefault(s.get("side") or "", []).append(s)
    out: list[dict[str, Any]] = []
    while len(out) < limit and any(by_side.values()):
        # Each round takes the best remaining source of every side, in the order sources rank.
        heads = sorted((reps_order[id(v[0])], k) for k, v in by_side.items() if v)
        for _, side in heads:
            if len(out) < limit:
                out.append(by_side[side].pop(0))
    # Room left: more sentences from the same sources (after every source has had its turn).
    extra.sort(key=lambda s: (outside(s), s.get("date_source") != "text", s["via"] != "event", _neg_day(s["day"]),
                              s["source_file"], s["line"] or 0))
    out += extra[:max(0, limit - len(out))]
    return [{**{k: s.get(k) for k in EVIDENCE_FIELDS}, "article_id": s["article_id"], "day": s["day"],
             "indicator": s["indicator"]} for s in out]


def _neg_day(day: str) -> int:
    return -date.fromisoformat(day).toordinal()


def build_alerts(signals: list[dict[str, Any]], coverage: list[str], cfg: WarnConfig,
                 weights: dict[str, float]) -> list[dict[str, Any]]:
    """Alerts (plain dicts) from every rule that fires over ``signals``."""
    rules = {r["id"]: r for r in cfg.rules}
    limit = int(cfg.detection.get("max_evidence", 8))
    alerts = []
    for f in detect(signals, cfg, weights, coverage):
        f["steps"] = rules[f["rule"]].get("steps")
        d = f.get("detail") or {}
        focus = None
        if d.get("window_end"):
            end = date.fromisoformat(d["window_end"])
            focus = ((end - timedelta(days=int(d.get("window_days", 30)) - 1)).isoformat(), d["window_end"])
        elif d.get("chain"):
            focus = (d["chain"][0], d["chain"][-1])
        elif d.get("surges"):
            focus = (min(x["day"] for x in d["surges"]), max(x["day"] for x in d["surges"]))
        evidence = select_evidence(f["signals"], weights, limit, focus)
        inds = [cfg.indicators[i] for i in f["indicators"] if i in cfg.indicators]
        alerts.append({
            "id": alert_id(f["area"], f["group"], f["rule"]), "rule": f["rule"], "kind": f["kind"],
            "level": f["level"], "indicators": f["indicators"], "place": f["area"], "group": f["group"],
            "first_seen": f["first_seen"], "last_seen": f["last_seen"],
            "explanation": explain(f, evidence, cfg), "evidence": evidence,
            "risk_factors": sorted({i.risk_factor for i in inds}),
            "stanton": sorted({s for i in inds for s in i.stanton}),
            "detail": f.get("detail") or {},
        })
    alerts.sort(key=lambda a: (-cfg.levels.index(a["level"]), a["place"], a["group"], a["rule"]))
    return alerts


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def refresh(store: Any, pack: Any = None, cfg: WarnConfig | None = None) -> dict[str, Any]:
    """Recompute signals, series and alerts over the whole store and save them."""
    if pack is None:
        from ..extract.entities import current_pack

        pack = current_pack()
    cfg = cfg or load_config(pack)
    weights = outlet_weights(store, cfg.detection)
    signals, coverage = collect(store, cfg, pack)
    alerts = build_alerts(signals, coverage, cfg, weights)
    series = build_series(signals, weights)
    old = {r["id"]: r for r in store.query("SELECT id, created_at, updated_at, level, evidence, explanation, "
                                           "first_seen, last_seen FROM alerts")}
    now = _now()
    with store.transaction() as conn:
        conn.execute("DELETE FROM warn_series")
        conn.executemany("INSERT INTO warn_series VALUES (?,?,?,?,?,?,?)",
                         [(k[0], k[1], k[2], day, p["value"], p["n_sources"], p["n_signals"])
                          for k, days in series.items() for day, p in days.items()])
        conn.execute("DELETE FROM warn_signals")
        conn.executemany("INSERT OR IGNORE INTO warn_signals VALUES (?,?,?,?,?,?,?)",
                         [(s["indicator"], s["article_id"], s["start"], s["area"], s["group"], s["day"],
                           json.dumps(s, ensure_ascii=False, sort_keys=True)) for s in signals])
        # Alerts no rule supports any more (a config change) go; the rest are upserted in place.
        gone = set(old) - {a["id"] for a in alerts}
        conn.executemany("DELETE FROM alerts WHERE id = ?", [(i,) for i in sorted(gone)])
        for a in alerts:
            ev = json.dumps(a["evidence"], ensure_ascii=False, sort_keys=True)
            prev = old.get(a["id"])
            same = prev is not None and (prev["level"], prev["evidence"], prev["explanation"],
                                         prev["first_seen"], prev["last_seen"]) == (
                a["level"], ev, a["explanation"], a["first_seen"], a["last_seen"])
            data = {k: a[k] for k in ("kind", "risk_factors", "stanton", "detail")}
            conn.execute(
                "INSERT INTO alerts (id, rule, level, level_rank, indicators, place, grp, first_seen, last_seen,"
                " explanation, evidence, data, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(id) DO UPDATE SET rule=excluded.rule, level=excluded.level,"
                " level_rank=excluded.level_rank, indicators=excluded.indicators, first_seen=excluded.first_seen,"
                " last_seen=excluded.last_seen, explanation=excluded.explanation, evidence=excluded.evidence,"
                " data=excluded.data, updated_at=excluded.updated_at",
                (a["id"], a["rule"], a["level"], cfg.levels.index(a["level"]), json.dumps(a["indicators"]),
                 a["place"], a["group"], a["first_seen"], a["last_seen"], a["explanation"], ev,
                 json.dumps(data, ensure_ascii=False, sort_keys=True),
                 prev["created_at"] if prev else now, prev["updated_at"] if same else now))
    levels: dict[str, int] = {}
    for a in alerts:
        levels[a["level"]] = levels.get(a["level"], 0) + 1
    return {"signals": len(signals), "series": len(series), "alerts": len(alerts), "levels": levels}


@corpus_stage("warn", needs=("events",), order=400)
def warn_stage(ctx: CorpusContext) -> dict[str, Any]:
    from ..extract.entities import current_pack

    pack = current_pack()
    if not pack.section("indicators"):
        return {"skipped": f"pack {pack.name} has no indicators.yaml"}  # not an error: warn is optional
    # Always the whole store: a surge or a sequence depends on everything seen so far.
    return refresh(ctx.store, pack)


def _row(r: Any) -> dict[str, Any]:
    data = json.loads(r["data"] or "{}")
    return {"id": r["id"], "level": r["level"], "rule": r["rule"], "indicators": json.loads(r["indicators"]),
            "place": r["place"], "group": r["grp"], "first_seen": r["first_seen"], "last_seen": r["last_seen"],
            "explanation": r["explanation"], "evidence": json.loads(r["evidence"]),
            "risk_factors": data.get("risk_factors", []), "stanton": data.get("stanton", []),
            "kind": data.get("kind"), "detail": data.get("detail", {}),
            "created_at": r["created_at"], "updated_at": r["updated_at"]}


def list_alerts(store: Any, *, level: str | None = None, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Stored alerts, most severe first; ``level`` keeps only that level."""
    sql, params = "SELECT * FROM alerts", []
    if level:
        sql += " WHERE level = ?"
        params.append(level)
    sql += " ORDER BY level_rank DESC, last_seen DESC, id LIMIT ? OFFSET ?"
    params += [max(0, int(limit)), max(0, int(offset))]
    return [_row(r) for r in store.query(sql, params)]


def get_alert(store: Any, id: str) -> dict[str, Any] | None:
    rows = store.query("SELECT * FROM alerts WHERE id = ?", (id,))
    return _row(rows[0]) if rows else None


def indicator_series(store: Any, *, indicator: str | None = None, place: str | None = None) -> list[dict[str, Any]]:
    """Stored series points: {indicator, place, group, day, value, n_sources, n_signals}."""
    sql, params, where = "SELECT * FROM warn_series", [], []
    if indicator:
        where.append("indicator = ?")
        params.append(indicator)
    if place:
        where.append("place = ?")
        params.append(place)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY indicator, place, grp, day"
    return [{"indicator": r["indicator"], "place": r["place"], "group": r["grp"], "day": r["day"],
             "value": r["value"], "n_sources": r["n_sources"], "n_signals": r["n_signals"]}
            for r in store.query(sql, params)]
