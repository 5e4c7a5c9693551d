"""The one jieba tokenizer of the project: explicit, with the domain's user dictionary, quiet.

``make_tokenizer()`` builds a ``jieba.Tokenizer`` (no hidden global) with
``pipeline/data/user_dict.txt`` loaded, so domain terms (矛盾纠纷, 法治副校长, 三项制度…) are single
words. ``word_bounds(tok, text, span)`` segments one sentence (HMM off) and returns the offsets
where its words start and end; extraction uses it only on sentences that hold a candidate number.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import jieba

from pipeline.config import DEFAULT_USER_DICT
from pipeline.errors import ConfigError


def make_tokenizer(
    user_dict: str | os.PathLike | None = None, cache_dir: str | os.PathLike | None = None
) -> jieba.Tokenizer:
    """Given a user dictionary path (default: the shipped one), return a loaded Tokenizer.

    jieba keeps its prefix dictionary in a cache file, by default in the temp folder; give
    ``cache_dir`` (e.g. OUT_DIR/.cache) to keep it there instead.
    """
    path = Path(user_dict) if user_dict is not None else DEFAULT_USER_DICT
    if not path.is_file():
        raise ConfigError(f"jieba user dictionary not found: {path}")
    logging.getLogger("jieba").setLevel(logging.WARNING)  # "Building prefix dict…" on stderr
    tok = jieba.Tokenizer()
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        tok.tmp_dir = str(cache_dir)
    try:
        with path.open("rb") as f:  # jieba leaves a file it opens itself unclosed
            tok.load_userdict(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise ConfigError(
            f"{path}: not a jieba user dictionary (word [freq] [tag] per line): {e}"
        ) from None
    return tok


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
