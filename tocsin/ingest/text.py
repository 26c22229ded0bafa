"""Turning bytes into text: BOMs, UTF-8, legacy single-byte code pages, mixed files.

Analysts' files come from Word exports, old CMS dumps and copy-paste: mostly UTF-8, some
Windows-1251 (Russian/Azerbaijani Cyrillic), some Windows-1252/Latin-1, sometimes a UTF-8 file
with a few pasted cp1252 lines. We never reject text for its encoding: a mixed file is decoded
line by line and the lines that needed a legacy code page are reported in ``warnings``.

charset_normalizer is installed, but on short news snippets it picks cp1250 for French and
cp932 for KOI8-R, so legacy guessing uses a small plausibility score over the few code pages
this domain actually meets, with charset_normalizer only as a last resort for CJK and friends.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field

from ..errors import TocsinError

# Order matters: on a tie the earlier (more common in this domain) code page wins.
LEGACY_CANDIDATES = ("cp1252", "cp1251", "koi8_r", "cp1250", "cp1254", "cp1253", "cp1255", "cp1256", "latin-1")

_BOMS = (  # utf-32 before utf-16: FF FE 00 00 starts with the UTF-16-LE BOM
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 controls that never occur in text (tab, LF, VT, FF, CR and ESC excepted).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27))
# Punctuation legacy code pages legitimately produce (smart quotes, dashes, guillemets...).
_GOOD_SYMBOLS = set("“”‘’«»–—…€°№•„‚·\u00a0×§©®")
# Letters that are real but rare; a code page that produces them loses to one that does not.
_RARE_LETTERS = set("ÐðÞþÝýªºƒŠšŽžŒœŸµ")


@dataclass
class Decoded:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def detect_bom(data: bytes) -> tuple[str, int] | None:
    """(encoding, BOM length) when ``data`` starts with a Unicode byte-order mark."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc, len(bom)
    return None


def detect_unicode_without_bom(head: bytes) -> str | None:
    """UTF-16/32 without a BOM, recognised by where the NUL bytes fall (ASCII-heavy text)."""
    n = min(len(head), 4096) // 4 * 4
    if n < 4:
        return None
    h = head[:n]
    zeros = [h[i::4].count(0) for i in range(4)]
    quarter = n // 4
    if zeros[0] > 0.7 * quarter and zeros[1] > 0.7 * quarter and zeros[2] > 0.7 * quarter and zeros[3] < 0.3 * quarter:
        return "utf-32-be"
    if zeros[3] > 0.7 * quarter and zeros[2] > 0.7 * quarter and zeros[1] > 0.7 * quarter and zeros[0] < 0.3 * quarter:
        return "utf-32-le"
    even, odd = zeros[0] + zeros[2], zeros[1] + zeros[3]
    half = n // 2
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    return None


def looks_binary(data: bytes) -> bool:
    """True for bytes that are not text in any 8-bit or UTF-8 encoding (NULs, C0 controls)."""
    if not data:
        return False
    if detect_bom(data) or detect_unicode_without_bom(data):
        return False
    sample = data[:65536]
    nul = sample.count(0)
    ctrl = len(sample) - len(sample.translate(None, _CONTROL))
    return nul > len(sample) / 1000 or ctrl > len(sample) * 0.02


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so line numbers mean the same everywhere."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    word = name.split(" ", 1)[0]
    if word in ("HIRAGANA", "KATAKANA", "CJK", "HANGUL"):
        return "CJK"
    return word


def plausibility(text: str) -> float:
    """How much ``text`` looks like real prose rather than mojibake (higher is better).

    Mis-decoded text shows itself in a few ways this scores: non-ASCII symbols that prose
    never uses, C1 control characters, letters of two scripts glued into one word, capitals
    inside lower-case words (KOI8-R read as cp1251), and Latin words made mostly of accented
    letters (cp1251 Cyrillic read as cp1252: "Ìèíèñòåðñòâî").
    """
    score = 0.0
    for word in re.findall(r"[^\s]+", text):
        if word.isascii():
            continue
        letters = [c for c in word if c.isalpha()]
        scripts = {_script(c) for c in letters if not c.isascii()} | ({"LATIN"} if any(c.isascii() for c in letters) else set())
        for i, c in enumerate(word):
            if c.isascii():
                continue
            if c.isalpha():
                score += 1.0
                if c in _RARE_LETTERS:
                    score -= 1.5
                prev = word[i - 1] if i else ""
                if c.isupper() and prev.isalpha() and prev.islower():
                    score -= 2.0
            elif c in _GOOD_SYMBOLS:
                score += 0.5
            elif unicodedata.category(c) == "Cc":
                score -= 3.0
            else:
                score -= 1.5
        if len(scripts) > 1:
            score -= 2.0 * len(letters)
        if scripts == {"LATIN"} and len(letters) >= 3:
            accented = sum(1 for c in letters if not c.isascii())
            if accented / len(letters) > 0.5:
                score -= 2.0 * accented
    return score


def guess_legacy(data: bytes) -> str:
    """Best single-byte (or, failing that, charset_normalizer's) encoding for non-UTF-8 bytes."""
    sample = data[:200_000]
    best, best_score = "", float("-inf")
    for enc in LEGACY_CANDIDATES:
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        s = plausibility(text)
        if s > best_score:
            best, best_score = enc, s
    if best_score < 0:
        # Nothing single-byte reads like prose: maybe a multi-byte legacy encoding (GB2312, Shift_JIS...).
        try:
            from charset_normalizer import from_bytes

            match = from_bytes(sample).best()
        except Exception:  # detection is best effort; never let it fail the read
            match = None
        if match is not None and match.encoding:
            try:
                s = plausibility(sample.decode(match.encoding, "replace"))
            except LookupError:
                s = float("-inf")
            if s > best_score:
                best = match.encoding
    return best or "cp1252"


def _usable_codec(declared: str | None) -> str | None:
    """Python codec for a declared charset; Latin-1/ASCII labels mean cp1252, as in browsers."""
    if not declared:
        return None
    try:
        name = codecs.lookup(declared.strip().strip("\"'")).name
    except LookupError:
        return None
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return None if name.startswith("utf") else name


def _strict_or_none(data: bytes, enc: str) -> str | None:
    try:
        return data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes, name: str, declared: str | None = None) -> Decoded:
    """Decode a whole text file. Order: BOM, UTF-8, declared charset, legacy guess, per line.

    ``declared`` is a charset stated by the container (HTTP header, <meta charset>); it is
    used for bytes that are not valid UTF-8, if they decode cleanly with it. Raises E105 only
    when a BOM promises UTF-16/32 and the bytes contradict it badly.
    """
    bom = detect_bom(data)
    if bom:
        enc, n = bom
        body = data[n:]
        text = _strict_or_none(body, enc)
        if text is not None:
            return Decoded(normalise_newlines(text), enc)
        text = body.decode(enc, "replace")
        bad = text.count("\ufffd")
        if bad > max(3, len(text) // 100):
            raise TocsinError("E105", f"byte-order mark says {enc} but the bytes are not valid {enc}", file=name,
                              hint="re-save the file as UTF-8")
        return Decoded(normalise_newlines(text), enc, [f"{bad} invalid {enc} sequence(s) replaced"])
    nobom = detect_unicode_without_bom(data)
    if nobom:
        text = data.decode(nobom, "replace")
        warn = [f"decoded as {nobom} without byte-order mark"]
        return Decoded(normalise_newlines(text), nobom, warn)
    # Valid UTF-8 with non-ASCII bytes is UTF-8 whatever a header claims: pages that declare
    # iso-8859-1 and serve UTF-8 are common, the reverse never decodes cleanly.
    text = _strict_or_none(data, "utf-8")
    if text is not None:
        return Decoded(normalise_newlines(text), "utf-8")
    enc = _usable_codec(declared)
    if enc:
        text = _strict_or_none(data, enc)
        if text is not None:
            return Decoded(normalise_newlines(text), enc)
    return _decode_mixed(data)


def _decode_mixed(data: bytes) -> Decoded:
    """Not UTF-8 as a whole: one legacy code page, or UTF-8 lines mixed with legacy lines."""
    lines = data.split(b"\n")
    utf8_lines = 0
    bad: list[int] = []
    for i, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_lines += 1
        except UnicodeDecodeError:
            bad.append(i)
    enc = guess_legacy(b"\n".join(lines[i] for i in bad))
    if utf8_lines == 0:
        return Decoded(normalise_newlines(data.decode(enc, "replace")), enc)
    out = []
    bad_set = set(bad)
    for i, line in enumerate(lines):
        out.append(line.decode(enc, "replace") if i in bad_set else line.decode("utf-8"))
    shown = ", ".join(str(i + 1) for i in bad[:20]) + (" ..." if len(bad) > 20 else "")
    warning = f"mixed encodings: {len(bad)} line(s) not UTF-8, decoded as {enc} (lines {shown})"
    return Decoded(normalise_newlines("\n".join(out)), "utf-8", [warning])


def decode_line(line: bytes) -> tuple[str, str | None]:
    """One line (JSONL): UTF-8, else a legacy guess. Returns (text, legacy encoding used or None)."""
    try:
        return line.decode("utf-8"), None
    except UnicodeDecodeError:
        enc = guess_legacy(line)
        return line.decode(enc, "replace"), enc
