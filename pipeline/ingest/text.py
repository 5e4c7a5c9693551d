"""Plain text files: detect the encoding, never produce silent mojibake."""

from __future__ import annotations

import codecs
import functools
import re

from pipeline.config import DATA_DIR
from pipeline.errors import DocumentError
from pipeline.ingest.model import RawText

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# A right decoding of a Chinese report is made almost only of common characters; a wrong one
# (GBK read as UTF-16, UTF-8 read as GBK) is full of rare ones.
_COMMON_CHARS_FILE = DATA_DIR / "common_chars.txt"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"[{_HAN}]")
# Characters that never occur in a text document: C0 controls other than tab/newline/form feed,
# the replacement character, private-use and unassigned-looking ranges.
_JUNK_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd\ue000-\uf8ff]")
MIN_COMMON_SHARE = 0.8  # share of Han characters among the common ones
MAX_JUNK_SHARE = 0.001


@functools.lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    lines = _COMMON_CHARS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset("".join(line for line in lines if not line.startswith("#")))


@functools.lru_cache(maxsize=1)
def _rare_han_re() -> re.Pattern:
    """A regex matching a Han character that is not a common one (one class: counted in C)."""
    common = "".join(sorted(_common_chars()))
    return re.compile(f"(?=[{_HAN}])[^{re.escape(common)}]")


# Characters a Chinese report is written in besides Han: ASCII, Latin-1, general and CJK
# punctuation, full-width forms, Roman numerals, circled numbers, boxes and arrows.
_USUAL = (
    "\\s\x20-\x7e\u00a0-\u00ff\u2000-\u206f\u2100-\u21ff\u2460-\u24ff"
    "\u2500-\u27bf\u3000-\u303f\uff00-\uffef\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
)
_UNUSUAL_RE = re.compile(f"[^{_USUAL}]")
MAX_UNUSUAL_SHARE = 0.02


# A wrong decoding garbles the whole text, so a long text is judged on evenly spaced windows:
# findall over 17 million characters took 27 s and 1.5 GB.
MAX_CHECKED_CHARS = 200_000
CHECKED_WINDOWS = 8


def text_sample(text: str) -> str:
    """Given a text, return it whole when short, else CHECKED_WINDOWS evenly spaced windows."""
    if len(text) <= MAX_CHECKED_CHARS:
        return text
    width = MAX_CHECKED_CHARS // CHECKED_WINDOWS
    step = (len(text) - width) // (CHECKED_WINDOWS - 1)
    return "\n".join(text[i * step : i * step + width] for i in range(CHECKED_WINDOWS))


def looks_like_text(text: str) -> bool:
    """Given decoded text, return whether it reads as a document rather than mojibake or junk."""
    text = text_sample(text)
    if not text.strip():
        return True
    if len(_JUNK_RE.findall(text)) > MAX_JUNK_SHARE * len(text) + 1:
        return False
    if len(_UNUSUAL_RE.findall(text)) > MAX_UNUSUAL_SHARE * len(text):
        return False  # Hangul, Cyrillic, symbols: the bytes were read in the wrong encoding
    han = len(text) - len(_HAN_RE.sub("", text))
    if not han:
        return True
    rare = len(_rare_han_re().findall(text))
    return (han - rare) / han >= MIN_COMMON_SHARE


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def decode_text(data: bytes) -> tuple[str, str]:
    """Given the bytes of a text file, return (text, encoding) or raise DocumentError.

    Tries a BOM, then strict UTF-8, UTF-16 without BOM, then GB18030 (a superset of GBK and
    GB2312), and accepts a decoding only when the result reads as text (common characters,
    no control characters): an undecodable file is an error, never silent mojibake.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _strict(data, encoding)
            if text is None or not looks_like_text(text):
                raise DocumentError(
                    f"file starts with a {encoding} byte-order mark but is not {encoding} text"
                )
            return text, encoding
    encodings = ["utf-8"]
    if len(data) % 2 == 0:
        encodings += ["utf-16-le", "utf-16-be"]
    encodings.append("gb18030")
    for encoding in encodings:
        text = _strict(data, encoding)
        if text is not None and looks_like_text(text):
            return text, encoding
    if b"\x00" in data[:4096]:
        raise DocumentError("binary content, not a text file")
    raise DocumentError(
        "cannot decode as UTF-8, UTF-16 or GB18030 without garbled characters; "
        "save the file as UTF-8 and run again"
    )


def read_text(data: bytes) -> RawText:
    """Given the bytes of a .txt file, return its decoded text."""
    text, _encoding = decode_text(data)
    return RawText(text=text)
