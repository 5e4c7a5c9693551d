"""The one jieba tokenizer of the project: explicit, with the domain's user dictionary, quiet.

``make_tokenizer()`` builds a jieba tokenizer (no hidden global) with
``pipeline/data/user_dict.txt`` loaded, so domain terms (矛盾纠纷, 法治副校长, 三项制度…) are single
words. ``word_bounds(tok, text, span)`` segments one clause (HMM off) and returns the offsets
where its words start and end; extraction uses it only on clauses that hold a candidate number.

Extraction segments a few hundred clauses a corpus, yet loading jieba's prefix dictionary
(500,000 entries) costs every process more than a second, longer than reading a hundred
reports. So by default the tokenizer is a ``LazyTokenizer``: the same dictionary (jieba's and
ours, merged exactly as jieba merges them) is kept in an index file beside jieba's own cache,
cut by first character and by first two characters, and a clause loads only the parts its
characters need (about 4,000 entries for 500 reports). Its words are jieba's, to the
character: jieba's own code segments, and every entry it looks up is there (tests compare).
``make_tokenizer(lazy=False)`` loads the whole dictionary (the analysis segments every
sentence of the corpus).
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import mmap
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jieba

from pipeline.config import DEFAULT_USER_DICT
from pipeline.errors import ConfigError


def make_tokenizer(
    user_dict: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    lazy: bool = True,
) -> jieba.Tokenizer:
    """Given a user dictionary path (default: the shipped one), return a loaded Tokenizer:
    a LazyTokenizer, or with ``lazy=False`` a jieba.Tokenizer holding the whole dictionary.

    jieba keeps its prefix dictionary in a cache file, by default in the temp folder, and the
    lazy index goes beside it; give ``cache_dir`` (e.g. OUT_DIR/.cache) to keep both there.
    """
    path = Path(user_dict) if user_dict is not None else DEFAULT_USER_DICT
    if not path.is_file():
        raise ConfigError(f"jieba user dictionary not found: {path}")
    if not lazy:
        return _full_tokenizer(path, cache_dir)
    index = _index_path(path, cache_dir)
    try:
        return LazyTokenizer(index)
    except (OSError, ValueError, EOFError, TypeError):  # missing, cut short, another version
        pass
    full = _full_tokenizer(path, cache_dir)
    try:
        _write_index(index, full.FREQ, full.total)
        return LazyTokenizer(index)
    except OSError:  # a read-only or shared temp folder: the whole dictionary it is
        return full


def _full_tokenizer(path: Path, cache_dir: str | os.PathLike | None) -> jieba.Tokenizer:
    logging.getLogger("jieba").setLevel(logging.WARNING)  # "Building prefix dict…" on stderr
    tok = jieba.Tokenizer()
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        tok.tmp_dir = str(cache_dir)
    try:
        with path.open("rb") as f:  # jieba leaves a file it opens itself unclosed
            tok.load_userdict(f)  # loads jieba's dictionary first, then adds ours
    except (ValueError, UnicodeDecodeError) as e:
        raise ConfigError(
            f"{path}: not a jieba user dictionary (word [freq] [tag] per line): {e}"
        ) from None
    return tok


# --- the lazy prefix dictionary ---------------------------------------------------------------
#
# Index file: 8 bytes (little-endian length of the header), the header, then the parts.
# Header: marshal of (format, total, {char: part}); the part of a character is marshal of
# (its own frequency or None, {two characters starting with it: part}); the part of two
# characters is marshal of {every entry starting with them: frequency}. A part is written
# as one int: offset << PART_BITS | length (offset counted from the end of the header).
INDEX_FORMAT = 1
PART_BITS = 24


def _index_path(user_dict: Path, cache_dir: str | os.PathLike | None) -> Path:
    """Given the user dictionary, return the index file for it and this jieba's dictionary."""
    base = Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME  # what Tokenizer() reads
    stat = base.stat()
    h = hashlib.sha256(f"{INDEX_FORMAT} {jieba.__version__} {base} {stat.st_size}".encode())
    h.update(str(stat.st_mtime_ns).encode())
    h.update(user_dict.read_bytes())
    folder = Path(cache_dir) if cache_dir is not None else Path(tempfile.gettempdir())
    return folder / f"pipeline-jieba-{h.hexdigest()[:16]}.idx"


def _write_index(path: Path, freq: dict[str, int], total: int) -> None:
    """Given a whole prefix dictionary and its total, write the index file (atomically)."""
    by_pair: dict[str, dict[str, int]] = {}
    for key, value in freq.items():
        if len(key) >= 2:
            by_pair.setdefault(key[:2], {})[key] = value
    parts: list[bytes] = []
    offset = 0

    def part(obj) -> int:
        nonlocal offset
        data = marshal.dumps(obj)
        parts.append(data)
        offset += len(data)
        return (offset - len(data)) << PART_BITS | len(data)

    pairs_of: dict[str, dict[str, int]] = {}
    for pair in sorted(by_pair):
        pairs_of.setdefault(pair[0], {})[pair] = part(by_pair[pair])
    chars = {}
    for ch in sorted(set(pairs_of) | {k for k in freq if len(k) == 1}):
        chars[ch] = part((freq.get(ch), pairs_of.get(ch, {})))
    header = marshal.dumps((INDEX_FORMAT, total, chars))
    from pipeline.outputs import atomic_write_bytes  # only when the index is built

    atomic_write_bytes(path, b"".join([len(header).to_bytes(8, "little"), header, *parts]))


class LazyTokenizer(jieba.Tokenizer):
    """A jieba.Tokenizer whose prefix dictionary is read from an index file as segmenting
    needs it: before jieba builds the word graph of a text, the entries starting with each of
    its characters and pairs of characters are loaded (once). For segmenting only (cut, lcut,
    tokenize): words cannot be added (put them in the user dictionary)."""

    def __init__(self, index: str | os.PathLike):
        super().__init__()
        with open(index, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        size = int.from_bytes(self._map[:8], "little")
        fmt, self.total, self._chars = marshal.loads(self._map[8 : 8 + size])
        if fmt != INDEX_FORMAT:
            raise ValueError(f"index format {fmt}, expected {INDEX_FORMAT}")
        self._base = 8 + size
        last = max(self._chars.values(), default=0)
        if self._base + (last >> PART_BITS) + (last & (1 << PART_BITS) - 1) > len(self._map):
            raise ValueError("index file cut short")
        self._pairs: dict[str, int] = {}
        self._loaded: set[str] = set()  # characters and pairs whose entries are in FREQ
        self.initialized = True

    def _part(self, packed: int):
        start = self._base + (packed >> PART_BITS)
        return marshal.loads(self._map[start : start + (packed & (1 << PART_BITS) - 1)])

    def _load(self, text: str) -> None:
        loaded = self._loaded
        for ch in set(text).difference(loaded):
            loaded.add(ch)
            packed = self._chars.get(ch)
            if packed is not None:
                own, pairs = self._part(packed)
                if own is not None:
                    self.FREQ[ch] = own
                self._pairs.update(pairs)
        for i in range(len(text) - 1):
            pair = text[i : i + 2]
            if pair not in loaded:
                loaded.add(pair)
                packed = self._pairs.get(pair)
                if packed is not None:
                    self.FREQ.update(self._part(packed))

    def get_DAG(self, sentence):
        self._load(sentence)
        return super().get_DAG(sentence)

    def add_word(self, word, freq=None, tag=None):
        raise NotImplementedError("add the word to the user dictionary (user_dict.txt)")

    def del_word(self, word):
        raise NotImplementedError("remove the word from the user dictionary (user_dict.txt)")


@dataclass(frozen=True)
class WordBounds:
    """Where the words of one stretch of text start and end (document offsets)."""

    starts: frozenset[int]
    ends: frozenset[int]

    def inside_word(self, offset: int) -> bool:
        """Given an offset, return True when a word runs across it (it is no word boundary)."""
        return offset not in self.starts and offset not in self.ends


def word_bounds(tok: jieba.Tokenizer, text: str, start: int, end: int) -> WordBounds:
    """Given a tokenizer and a span of text, return its word boundaries (HMM off)."""
    starts, ends = set(), set()
    for _word, s, e in tok.tokenize(text[start:end], HMM=False):
        starts.add(start + s)
        ends.add(start + e)
    return WordBounds(frozenset(starts), frozenset(ends))
