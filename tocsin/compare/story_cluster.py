"""Average-linkage clustering of the story link graph (a pure function of the edges)."""
from __future__ import annotations

import heapq
from collections.abc import Iterable

from .story_features import StoryParams


def cluster(nodes: dict[str, int | None], edges: Iterable[tuple[str, str, float]],
            p: StoryParams = StoryParams()) -> list[list[str]]:
    """Average-linkage clusters of a sparse scored graph (a pair without an edge counts 0).

    ``nodes``: id -> day (None when undated). Two clusters merge, best mean first, only when
    their mean pair score reaches ``p.cohesion``, their best pair ``p.link_threshold`` and the
    merged dated span stays within ``p.max_span_days``. Ties break by id, so the result depends
    on the graph alone, never on the order articles arrived in. Cost ~ E log E.
    """
    members: dict[str, list[str]] = {n: [n] for n in nodes}
    span: dict[str, tuple[int, int] | None] = {n: (d, d) if d is not None else None for n, d in nodes.items()}
    nbr: dict[str, dict[str, list[float]]] = {n: {} for n in nodes}  # cluster -> other -> [sum, max]
    for a, b, s in edges:
        if a in nbr and b in nbr and a != b:
            for x, y in ((a, b), (b, a)):
                cur = nbr[x].setdefault(y, [0.0, 0.0])
                cur[0] += s
                cur[1] = max(cur[1], s)
    ver = {n: 0 for n in nodes}
    heap: list[tuple[float, str, str, int, int]] = []

    def push(x: str, y: str) -> None:
        tot, best = nbr[x][y]
        avg = tot / (len(members[x]) * len(members[y]))
        if avg >= p.cohesion and best >= p.link_threshold:
            x, y = min(x, y), max(x, y)
            heapq.heappush(heap, (-round(avg, 9), x, y, ver[x], ver[y]))

    for x, others in nbr.items():
        for y in others:
            if x < y:
                push(x, y)
    while heap:
        _neg, x, y, vx, vy = heapq.heappop(heap)
        if x not in members or y not in members or ver[x] != vx or ver[y] != vy:
            continue  # stale: one side merged since
        sx, sy = span[x], span[y]
        if sx and sy and max(sx[1], sy[1]) - min(sx[0], sy[0]) > p.max_span_days:
            continue  # spans only grow, so this pair can never merge
        # Merge y into x (x is the smaller id: cluster keys stay their smallest member).
        members[x] += members.pop(y)
        span[x] = (min(sx[0], sy[0]), max(sx[1], sy[1])) if sx and sy else (sx or sy)
        del span[y]
        ver[x] += 1
        for z, (tot, best) in nbr.pop(y).items():
            if z == x:
                continue
            cur = nbr[x].setdefault(z, [0.0, 0.0])
            cur[0] += tot
            cur[1] = max(cur[1], best)
            nbr[z].pop(y, None)
            nbr[z][x] = cur  # one shared [sum, max] per pair from now on
        nbr[x].pop(y, None)
        for z in sorted(nbr[x]):
            push(x, z)
    return sorted(sorted(m) for m in members.values())


