"""Event and claim metrics over all gold files at once.

Mentions and claims are matched to gold by (file, line). Linking metrics (same event,
contradicting claims) are about pairs that often span two files, so the overall value is
computed over all pairs, and a file's own value over the pairs that touch that file; the
overall is therefore not the sum of the per-file counts (that would count cross-file
pairs twice)."""
from __future__ import annotations

from collections import Counter, defaultdict
from math import isfinite
from pathlib import Path
from typing import Any, Iterable

from .common import F1, Ratio, Stat, norm
from ..errors import TocsinError
from .load import Export, Gold, as_line, as_list, file_key

EVENT_METRICS = ("event_recall", "event_precision", "event_type_acc", "event_link_f1")
CLAIM_METRICS = (
    "claim_recall",
    "claim_precision",
    "claim_attribution_acc",
    "contradiction_recall",
    "contradiction_precision",
)
QUANTITY_TOLERANCE = 0.005  # README: quantities match within 0.5%

PerFile = dict[str, dict[str, Stat]]


def _mention_file(m: dict[str, Any]) -> Any:
    return m.get("source_file", m.get("file"))


def _pair_f1(items: list[tuple[Any, Any]]) -> F1:
    """Pairwise F1 for (gold group, predicted group) items, counted per group (no n² loop)."""

    def pairs(counter: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    both = pairs(Counter(items))
    gold_same = pairs(Counter(g for g, _ in items))
    pred_same = pairs(Counter(p for _, p in items))
    return F1(both, pred_same - both, gold_same - both)


def _align(
    gold_mentions: dict[tuple[str, int, str], str | None],
    predicted: dict[tuple[str, int], list[tuple[str, str | None]]],
) -> list[tuple[str, tuple[str, str]]]:
    """(file, (gold event, predicted event)) for every recalled gold mention.

    When a line holds several gold and predicted mentions, which prediction stands for
    which gold mention is ambiguous; they are paired one-to-one per line, preferring the
    predicted event that shares the most lines with the gold event overall, then the same
    type, then export order. Leftover gold mentions (more gold than predicted on the line)
    take their best candidate even if already used."""
    overlap: Counter = Counter()
    for f, line, gid in gold_mentions:
        for pid in {pid for pid, _ in predicted.get((f, line), [])}:
            overlap[(gid, pid)] += 1
    by_line: dict[tuple[str, int], list[str]] = defaultdict(list)
    for f, line, gid in gold_mentions:
        if predicted.get((f, line)):
            by_line[(f, line)].append(gid)
    linked = []
    for (f, line), gids in by_line.items():
        preds = predicted[(f, line)]
        ranked = sorted(
            (-overlap[(gid, pid)], ptype != gold_mentions[(f, line, gid)], i, gid, pid)
            for gid in gids
            for i, (pid, ptype) in enumerate(preds)
        )
        chosen: dict[str, str] = {}
        used: set[str] = set()
        for *_, gid, pid in ranked:
            if gid not in chosen and pid not in used:
                chosen[gid] = pid
                used.add(pid)
        for *_, gid, pid in ranked:
            chosen.setdefault(gid, pid)
        linked += [(f, (gid, chosen[gid])) for gid in gids]
    return linked


def event_stats(gold: Gold, export: Export, names: dict[str, str]) -> tuple[PerFile, dict[str, Stat]]:
    files = list(gold.files)
    if gold.events is None or export.events is None:
        none = {m: None for m in EVENT_METRICS}
        return {f: dict(none) for f in files}, dict(none)
    gpath, ppath = gold.events_path or Path("events.json"), export.events_path or Path("events.jsonl")

    # Gold mentions: (file, line, gold event, normalised type), one per event and line.
    gold_mentions: dict[tuple[str, int, str], str | None] = {}
    for i, ev in enumerate(gold.events, start=1):
        gid = str(ev.get("id", f"#{i}"))
        for m in as_list(ev.get("mentions"), gpath, None, f"event {gid} mentions"):
            if not isinstance(m, dict):
                raise TocsinError("E400", f"event {gid}: mention is not an object", file=str(gpath))
            f = file_key(_mention_file(m), names)
            line = as_line(m.get("line"), gpath, None, f"event {gid} mention line")
            if f is not None and line is not None:
                gold_mentions[(f, line, gid)] = norm(ev.get("type"))

    # Predicted mentions by (file, line), in export order; one per event and line.
    predicted: dict[tuple[str, int], list[tuple[str, str | None]]] = defaultdict(list)
    seen: set[tuple[str, str, int]] = set()
    for n, ev in export.events:
        pid = str(ev.get("id", f"@{n}"))
        for m in as_list(ev.get("mentions"), ppath, n, "mentions"):
            if not isinstance(m, dict):
                raise TocsinError("E400", "mention is not an object", file=str(ppath), line=n)
            f = file_key(_mention_file(m), names)
            line = as_line(m.get("line"), ppath, n, "mention line")
            if f is None or line is None or (pid, f, line) in seen:
                continue  # other files and non-line-based mentions are not judged
            seen.add((pid, f, line))
            predicted[(f, line)].append((pid, norm(ev.get("type"))))

    gold_lines = {(f, line) for f, line, _ in gold_mentions}
    recall = {f: Ratio() for f in files}
    type_acc = {f: Ratio() for f in files}
    precision = {f: Ratio() for f in files}
    for (f, line, gid), gtype in gold_mentions.items():
        recall[f].den += 1
        preds = predicted.get((f, line))
        if not preds:
            continue
        recall[f].num += 1
        type_acc[f].den += 1
        # Several predictions on one line: any with the gold type counts as right.
        type_acc[f].num += any(ptype is not None and ptype == gtype for _, ptype in preds)
    linked = _align(gold_mentions, predicted)
    for (f, line), preds in predicted.items():
        precision[f].den += len(preds)
        precision[f].num += len(preds) if (f, line) in gold_lines else 0

    per_file: PerFile = {}
    everything = _pair_f1([pair for _, pair in linked])
    for f in files:
        # Pairs touching f = all pairs minus the pairs among the other files' mentions.
        rest = _pair_f1([pair for mf, pair in linked if mf != f])
        link = F1(everything.tp - rest.tp, everything.fp - rest.fp, everything.fn - rest.fn)
        per_file[f] = {
            "event_recall": recall[f],
            "event_precision": precision[f],
            "event_type_acc": type_acc[f],
            "event_link_f1": link,
        }
    return per_file, {"event_link_f1": everything}


def _quantity(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        q = float(str(value).replace(",", "").replace("\u00a0", "").strip())
    except ValueError:
        return None
    return q if isfinite(q) else None


def _claims(records: Iterable[tuple[int | None, dict[str, Any]]], names: dict[str, str], path: Path, prefix: str):
    out = []
    for n, c in records:
        if c.get("kind") == "assertion":
            continue  # a yes/no statement ("no civilians were harmed"); gold claims are figures
        f = file_key(c.get("source_file", c.get("file")), names)
        line = as_line(c.get("line"), path, n, "claim line")
        if f is None or line is None:
            continue
        cid = str(c.get("id", f"{prefix}{n}"))
        contradicts = {str(x) for x in as_list(c.get("contradicts"), path, n, "contradicts")}
        out.append({"id": cid, "file": f, "line": line, "q": _quantity(c.get("quantity")),
                    "by": norm(c.get("attributed_to")), "contradicts": contradicts})
    return out


def _attribution_ok(pred: str | None, gold: str | None) -> bool:
    if pred is None or gold is None:
        return pred is None and gold is None
    return pred == gold or pred in gold or gold in pred


def claim_stats(gold: Gold, export: Export, names: dict[str, str]) -> tuple[PerFile, dict[str, Stat]]:
    files = list(gold.files)
    if gold.claims is None or export.claims is None:
        none = {m: None for m in CLAIM_METRICS}
        return {f: dict(none) for f in files}, dict(none)
    gpath, ppath = gold.claims_path or Path("claims.json"), export.claims_path or Path("claims.jsonl")
    gclaims = _claims(enumerate(gold.claims, start=1), names, gpath, "#")
    for g in gclaims:
        if g["q"] is None:
            raise TocsinError("E400", f"claim {g['id']} has no numeric quantity", file=str(gpath))
    pclaims = _claims(export.claims, names, ppath, "@")

    # One-to-one on (file, line), closest quantity first, within the tolerance.
    candidates = []
    for gi, g in enumerate(gclaims):
        for pi, p in enumerate(pclaims):
            if (p["file"], p["line"]) != (g["file"], g["line"]) or p["q"] is None:
                continue
            diff = abs(p["q"] - g["q"])
            if diff <= QUANTITY_TOLERANCE * abs(g["q"]) + 1e-9:
                candidates.append((diff / (abs(g["q"]) or 1.0), gi, pi))
    g2p: dict[int, int] = {}
    used: set[int] = set()
    for _, gi, pi in sorted(candidates):
        if gi not in g2p and pi not in used:
            g2p[gi] = pi
            used.add(pi)

    recall = {f: Ratio() for f in files}
    precision = {f: Ratio() for f in files}
    attribution = {f: Ratio() for f in files}
    for gi, g in enumerate(gclaims):
        recall[g["file"]].den += 1
        if gi in g2p:
            recall[g["file"]].num += 1
            attribution[g["file"]].den += 1
            attribution[g["file"]].num += _attribution_ok(pclaims[g2p[gi]]["by"], g["by"])
    for pi, p in enumerate(pclaims):
        precision[p["file"]].den += 1
        precision[p["file"]].num += pi in used

    # Contradiction pairs among matched claims, named by gold index (symmetric relation).
    gid_to_index = {g["id"]: gi for gi, g in enumerate(gclaims) if gi in g2p}
    p2g = {pi: gi for gi, pi in g2p.items()}
    pid_to_gold = {pclaims[pi]["id"]: gi for pi, gi in p2g.items()}
    gold_pairs = {frozenset((gi, gid_to_index[o])) for gi in g2p for o in gclaims[gi]["contradicts"]
                  if o in gid_to_index and gid_to_index[o] != gi}
    pred_pairs = {frozenset((gi, pid_to_gold[o])) for pi, gi in p2g.items() for o in pclaims[pi]["contradicts"]
                  if o in pid_to_gold and pid_to_gold[o] != gi}
    have_contradicts = "contradicts" in export.claim_fields
    have_attribution = "attributed_to" in export.claim_fields

    def pair_ratios(pairs_filter) -> tuple[Stat, Stat]:
        if not have_contradicts:
            return None, None
        gp = {p for p in gold_pairs if pairs_filter(p)}
        pp = {p for p in pred_pairs if pairs_filter(p)}
        return Ratio(len(gp & pp), len(gp)), Ratio(len(gp & pp), len(pp))

    per_file: PerFile = {}
    for f in files:
        c_rec, c_prec = pair_ratios(lambda p, f=f: any(gclaims[i]["file"] == f for i in p))
        per_file[f] = {
            "claim_recall": recall[f],
            "claim_precision": precision[f],
            "claim_attribution_acc": attribution[f] if have_attribution else None,
            "contradiction_recall": c_rec,
            "contradiction_precision": c_prec,
        }
    c_rec, c_prec = pair_ratios(lambda p: True)
    return per_file, {"contradiction_recall": c_rec, "contradiction_precision": c_prec}
