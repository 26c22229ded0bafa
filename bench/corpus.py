"""Deterministic synthetic corpus: N articles recombined from the seed digests' sentences.

The seed texts are read at bench time from a path (never copied into the repo). Each
synthetic article takes a headline-like line and 3-8 paragraphs of seed sentences, swaps
place and person names for others of the same kind from the conflict pack, and gets a date
shifted inside the conflict window and an outlet from the pack. Everything comes from one
``random.Random(seed)``, so the same (seed, n) gives byte-identical files.

Output formats: ``digest`` (plain-text digests of ``per_file`` articles, the main tocsin
input, so segmentation is exercised), ``jsonl`` (one article object per line) and ``html``
(one page per article, for the trafilatura baseline).
"""
from __future__ import annotations

import html
import json
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WINDOW = (date(2020, 9, 27), date(2023, 12, 31))  # the 2020 war to the 2023 exodus


@dataclass
class SynthArticle:
    n: int
    title: str
    date: date
    outlet: str
    paragraphs: list[str]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    def date_line(self) -> str:
        return f"{_MONTHS[self.date.month - 1]} {self.date.day} {self.date.year}"


@dataclass
class Pool:
    titles: list[str]
    sentences: list[str]
    places: list[str]
    people: list[str]
    outlets: list[str]


def load_pool(seeds_dir: str | Path, pack_name: str = "south-caucasus") -> Pool:
    """Titles and sentences from the seed files, names from the pack (read, not stored)."""
    from tocsin.packs.loader import load_pack

    files = sorted(p for p in Path(seeds_dir).iterdir() if p.is_file())
    if not files:
        raise FileNotFoundError(f"{seeds_dir}: no seed files")
    titles: list[str] = []
    sentences: list[str] = []
    for f in files:
        for line in f.read_text(encoding="utf-8", errors="replace").split("\n"):
            line = line.strip()
            words = line.split()
            if 5 <= len(words) <= 16 and line[-1:] not in ".:;," and line[:1].isupper():
                titles.append(line)
            elif len(words) >= 12:
                sentences.extend(s for s in _SENT.split(line) if 8 <= len(s.split()) <= 60)
    pack = load_pack(pack_name)
    places = [p.name for p in pack.places if " " not in p.name and len(p.name) > 3]
    people = [a.name for a in pack.actors if a.type == "person"]
    outlets = [o.name for o in pack.outlets]
    if not titles or not sentences:
        raise ValueError(f"{seeds_dir}: too little text to recombine")
    return Pool(sorted(set(titles)), sentences, sorted(places), sorted(people), sorted(outlets))


def _swap(text: str, rng: random.Random, names: list[str], pattern: re.Pattern | None) -> str:
    # Swap every name of the kind the pack lists for a random other one: the same sentence
    # then talks about different places/people, as another day's report would.
    if pattern is None:
        return text
    return pattern.sub(lambda m: rng.choice(names), text)


def _alternation(names: list[str]) -> re.Pattern | None:
    if not names:
        return None
    alts = sorted((re.escape(n) for n in names), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b")


def articles(n: int, pool: Pool, seed: int = 0) -> Iterator[SynthArticle]:
    """The first ``n`` synthetic articles for ``seed`` (a generator: constant memory)."""
    rng = random.Random(seed)
    place_re, people_re = _alternation(pool.places), _alternation(pool.people)
    span = (WINDOW[1] - WINDOW[0]).days
    for i in range(n):
        paras = []
        for _ in range(rng.randint(3, 8)):
            sents = [rng.choice(pool.sentences) for _ in range(rng.randint(1, 4))]
            para = " ".join(sents)
            para = _swap(_swap(para, rng, pool.places, place_re), rng, pool.people, people_re)
            paras.append(para)
        title = _swap(rng.choice(pool.titles), rng, pool.places, place_re)
        d = WINDOW[0] + timedelta(days=rng.randrange(span + 1))
        yield SynthArticle(i, title, d, rng.choice(pool.outlets), paras)


def digest_text(arts: list[SynthArticle]) -> str:
    """A plain-text digest in the seed layout: title, date line, outlet, paragraphs."""
    out = []
    for a in arts:
        out += [a.title, "", a.date_line(), "", a.outlet, "", a.text, "", ""]
    return "\n".join(out)


def html_page(a: SynthArticle) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in a.paragraphs)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(a.title)}</title>"
            f"<meta property='article:published_time' content='{a.date.isoformat()}'>"
            f"<meta property='og:site_name' content='{html.escape(a.outlet)}'></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article><h1>{html.escape(a.title)}</h1>"
            f"<time datetime='{a.date.isoformat()}'>{a.date_line()}</time>{body}</article>"
            "<footer>© synthetic bench page</footer></body></html>")


def write_corpus(out_dir: str | Path, n: int, pool: Pool, *, seed: int = 0, fmt: str = "digest",
                 per_file: int = 100) -> dict:
    """Write ``n`` articles under ``out_dir``; returns {files, articles, bytes}. Streams."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = size = 0
    batch: list[SynthArticle] = []

    def flush() -> None:
        nonlocal files, size
        if not batch:
            return
        if fmt == "digest":
            data = digest_text(batch)
            path = out / f"synth_{files:06d}.txt"
        elif fmt == "jsonl":
            data = "".join(json.dumps({"title": a.title, "date": a.date.isoformat(), "outlet": a.outlet,
                                       "text": a.text}, ensure_ascii=False) + "\n" for a in batch)
            path = out / f"synth_{files:06d}.jsonl"
        else:
            raise ValueError(f"unknown corpus format {fmt!r}")
        path.write_text(data, encoding="utf-8")
        files += 1
        size += len(data.encode("utf-8"))
        batch.clear()

    for a in articles(n, pool, seed):
        if fmt == "html":
            data = html_page(a)
            (out / f"page_{a.n:07d}.html").write_text(data, encoding="utf-8")
            files += 1
            size += len(data.encode("utf-8"))
            continue
        batch.append(a)
        if len(batch) >= per_file:
            flush()
    flush()
    return {"files": files, "articles": n, "bytes": size}
