"""Language identification for articles and sentences.

py3langid's naive Bayes model is loaded once, lazily, and restricted to the candidate
languages of the conflict (configurable: a conflict pack's ``languages`` calls
``set_candidate_languages``). Scripts settle most cases before the model runs: Armenian
and Georgian letters are unambiguous, Cyrillic only needs ru vs uk, and "ə" marks
Azerbaijani. Confidence is discounted for short, names-only or number-heavy text so the
stage can let such sentences inherit the article's language.
"""
from __future__ import annotations

import logging
import re
import threading
from typing import Any, Sequence

from ..errors import TocsinError
from ..model import Article
from ..pipeline import stage

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_CANDIDATES",
    "MIN_CONFIDENCE",
    "detect_language",
    "get_candidate_languages",
    "language_stage",
    "set_candidate_languages",
]

DEFAULT_CANDIDATES: tuple[str, ...] = ("en", "fr", "hy", "az", "ru", "tr", "de", "es", "it", "uk", "ka", "fa", "ar")
MIN_CONFIDENCE = 0.6  # below this a detection is "unsure"
SWITCH_CONFIDENCE = 0.9  # a sentence leaves its article's language only on strong evidence
ARTICLE_EVIDENCE_CHARS = 4000  # more text barely changes the answer, only the cost
UNDETERMINED = "und"

# Which candidate languages each script can be. Everything not listed is Latin-script here.
_CYRILLIC_LANGS = frozenset("ru uk be bg mk sr kk ky tg mn ba tt".split())
_ARABIC_LANGS = frozenset("ar fa ur ps ku ug sd ary arz".split())
_NON_LATIN = _CYRILLIC_LANGS | _ARABIC_LANGS | frozenset(
    "hy ka el he ja zh ko hi bn ta te th am my km lo si ne mr gu pa kn ml or as yue wuu dz".split()
)

_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")
_ARMENIAN = re.compile(r"[\u0531-\u0587\uFB13-\uFB17]")
_GEORGIAN = re.compile(r"[\u10A0-\u10FF\u1C90-\u1CBF\u2D00-\u2D2F]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF\u0500-\u052F]")
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")
_NON_LATIN_CHAR = re.compile(
    r"[\u0370-\u03FF\u0400-\u052F\u0531-\u0587\u0590-\u06FF\u0750-\u077F\u0900-\u0DFF"
    r"\u10A0-\u10FF\u1C90-\u1CBF\u2D00-\u2D2F\u3040-\u9FFF\uAC00-\uD7AF\uFB13-\uFB17\uFB50-\uFEFF]"
)
_SCHWA = re.compile(r"[əƏ]")
# English function words that are not words of the other Latin-script candidates (fr de es it
# tr az; so no "a", "in", "on", "or", "but", "was", "will", "also", "her", "at"). A sentence of an
# English article dense in them is English: the per-sentence model call, whose only possible
# effect is a switch at SWITCH_CONFIDENCE, is skipped for it.
_EN_MARKERS = frozenset("""
the and of with that which were has have had been from this these those their they them would could
should who its into than after about is are to for not be it by his we you our said says against
between while when where what there
""".split())
_ASCII_WORD = re.compile(r"[A-Za-z]+")
_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]+")
_UK_ONLY = re.compile(r"[іїєґІЇЄҐ]")
_RU_ONLY = re.compile(r"[ыэъёЫЭЪЁ]")

_lock = threading.Lock()
_identifier: Any = None  # py3langid LanguageIdentifier, loaded on first use
_identifier_langs: tuple[str, ...] | None = None  # what set_languages was last called with
_model_labels: frozenset[str] = frozenset()
_candidates: tuple[str, ...] = DEFAULT_CANDIDATES


def _get_identifier() -> Any:
    global _identifier, _model_labels
    if _identifier is None:
        try:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier
        except ImportError as e:  # pragma: no cover - dependency missing
            raise TocsinError("E301", f"py3langid is not installed: {e}", hint="pip install py3langid==0.4.0") from None
        _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        _model_labels = frozenset(_identifier.labels)
    return _identifier


def _normalise_code(code: str) -> str:
    """'en-US' / 'EN_gb' / ' fr ' -> 'en' / 'en' / 'fr'."""
    return code.strip().lower().replace("_", "-").split("-")[0]


def _validate(langs: Sequence[str]) -> tuple[str, ...]:
    if isinstance(langs, str):
        langs = [langs]
    codes = tuple(dict.fromkeys(_normalise_code(c) for c in langs if c and str(c).strip()))
    if not codes:
        raise TocsinError("E301", "candidate language list is empty", hint="give ISO 639-1 codes such as en, hy, az")
    _get_identifier()
    unknown = [c for c in codes if c not in _model_labels]
    if unknown:
        raise TocsinError(
            "E301",
            f"unknown language code(s) {', '.join(unknown)} for language identification",
            hint="use ISO 639-1 codes known to py3langid",
        )
    return codes


def set_candidate_languages(langs: Sequence[str] | None) -> None:
    """Restrict detection to ``langs`` (ISO 639-1); None restores the defaults.

    Raises TocsinError E301 for an empty list or a code the model does not know.
    """
    global _candidates
    _candidates = DEFAULT_CANDIDATES if langs is None else _validate(langs)


def get_candidate_languages() -> tuple[str, ...]:
    return _candidates


def _model_probs(text: str, cands: tuple[str, ...]) -> dict[str, float]:
    """Probabilities over ``cands`` from the model (set_languages only when the set changes)."""
    global _identifier_langs
    ident = _get_identifier()
    with _lock:
        if _identifier_langs != cands:
            ident.set_languages(list(cands))
            _identifier_langs = cands
        return dict(ident.rank(text))


def _restrict(probs: dict[str, float], allowed: Sequence[str]) -> tuple[str, float]:
    """Best language among ``allowed`` with probability renormalised over that subset.

    Renormalising a softmax over a subset equals a softmax over just that subset, so one
    model state serves every script group (switching set_languages costs ~10 ms).
    """
    sub = {k: probs.get(k, 0.0) for k in allowed}
    total = sum(sub.values())
    best = max(sub, key=sub.__getitem__)
    return best, (sub[best] / total if total > 0 else 1.0 / len(sub))


def _evidence_factor(text: str, letters: int) -> float:
    """How much a detection on this text can be trusted, 0..1, independent of the model."""
    digits = len(_DIGIT.findall(text))
    length = min(1.0, letters / 30.0) ** 0.5  # a few words are weak evidence
    numeric = letters / (letters + digits)
    words = _WORD.findall(text)
    cased = [w for w in words if w[0].isupper() or w[0].islower()]
    if cased:
        lower = sum(1 for w in cased if w[0].islower())
        if lower == 0:
            names = 0.3 if len(cased) <= 8 else 0.6  # "Nikol Pashinyan", a Title-Case headline
        else:
            names = min(1.0, 0.5 + lower / len(cased))
    else:
        names = 1.0  # uncased scripts: no signal either way
    return length * numeric * names


def detect_language(text: str, candidates: Sequence[str] | None = None) -> tuple[str, float]:
    """ISO 639-1 code of ``text`` and a confidence in 0..1.

    Only ``candidates`` (default: the configured list) can be returned. Text without letters
    gives ("und", 0.0); short, names-only or mostly numeric text gets a low confidence.
    """
    return _detect(text, _candidates if candidates is None else _validate_cached(candidates))


def _validate_cached(candidates: Sequence[str]) -> tuple[str, ...]:
    key = (candidates,) if isinstance(candidates, str) else tuple(candidates)
    hit = _validated.get(key)
    if hit is None:
        hit = _validated[key] = _validate(candidates)
    return hit


_validated: dict[tuple, tuple[str, ...]] = {}


def _detect(text: str, cands: tuple[str, ...], floor: float = 0.0) -> tuple[str, float]:
    """detect_language; gives up with ("und", factor) when the text's evidence factor is below
    ``floor`` (the stage's shortcut: such a sentence inherits whatever the model would say)."""
    letters = len(_LETTER.findall(text))
    if letters == 0:
        return UNDETERMINED, 0.0
    if _NON_LATIN_CHAR.search(text) is None:  # common case: skip the per-script counts
        script, share = "latin", 1.0
    else:
        counts = {
            "hy": len(_ARMENIAN.findall(text)),
            "ka": len(_GEORGIAN.findall(text)),
            "cyr": len(_CYRILLIC.findall(text)),
            "arab": len(_ARABIC.findall(text)),
            "latin": len(_LATIN.findall(text)),
        }
        script, n = max(counts.items(), key=lambda kv: kv[1])
        share = n / letters
    if share >= 0.5 and script in ("hy", "ka") and script in cands:
        # Script is decisive; only very short text is doubtful.
        return script, round(share * min(1.0, letters / 4.0) ** 0.5, 4)
    factor = _evidence_factor(text, letters)
    if factor < floor:
        return UNDETERMINED, round(factor, 4)
    if share >= 0.5 and script == "cyr":
        group = [c for c in cands if c in _CYRILLIC_LANGS]
        uk, ru = len(_UK_ONLY.findall(text)), len(_RU_ONLY.findall(text))
        if "uk" in group and uk and not ru:
            return "uk", round(factor, 4)
        if "ru" in group and ru and not uk:
            return "ru", round(factor, 4)
    elif share >= 0.5 and script == "arab":
        group = [c for c in cands if c in _ARABIC_LANGS]
    elif script == "latin" and share >= 0.5:
        group = [c for c in cands if c not in _NON_LATIN]
    else:  # mixed or another script: let the model choose among all candidates
        group = list(cands)
    group = group or list(cands)
    probs = _model_probs(text, cands)
    lang, p = _restrict(probs, group)
    if "az" in group and lang != "az" and _SCHWA.search(text):
        # "ə" is written only in Azerbaijani: Turkish-looking text with it is Azerbaijani;
        # otherwise trust it only when the model is unsure (English quoting "Əliyev").
        if lang == "tr":
            lang = "az"
        elif p < 0.9:
            lang, p = "az", 0.6
    return lang, round(p * factor, 4)


def _article_evidence(art: Article) -> str:
    title = (art.title or "").strip()
    body = art.text.strip()
    if not body:
        return title
    return f"{title}\n{body[:ARTICLE_EVIDENCE_CHARS]}" if title else body[:ARTICLE_EVIDENCE_CHARS]


def _clearly_english(text: str) -> bool:
    """At least two distinct English marker words, and markers are >= 1/6 of all the words
    (so a sentence quoting a long clause in another language is still left to the model)."""
    hits = [w for w in _ASCII_WORD.findall(text) if w.lower() in _EN_MARKERS]
    if len(hits) < 2:
        return False
    distinct = {w.lower() for w in hits}
    return len(distinct) >= 2 and len(hits) * 6 >= len(_WORD.findall(text))


@stage("language", kind="article", needs=("sentences",), adds=("language",), version="1", order=40)
def language_stage(art: Article) -> Article:
    """Set the article's language and each sentence's (weak sentences inherit the article's)."""
    reader = _normalise_code(art.language) if art.language else None
    lang, conf = detect_language(_article_evidence(art))
    if lang != UNDETERMINED and (conf >= MIN_CONFIDENCE or not reader):
        art.language = lang
    else:
        art.language = reader  # the reader's declared language wins over an unsure guess
    base = art.language
    for s in art.sentences:
        # Text too weak to reach SWITCH_CONFIDENCE inherits without running the model.
        if base == "en" and _clearly_english(s.text):
            s.language = base
            continue
        slang, sconf = _detect(s.text, _candidates, floor=SWITCH_CONFIDENCE if base else 0.0)
        if base is None:
            s.language = slang if slang != UNDETERMINED else None
        elif slang != base and sconf >= SWITCH_CONFIDENCE:
            s.language = slang
        else:
            s.language = base
    return art
