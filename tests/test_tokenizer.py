"""The lazy jieba tokenizer: the words of the whole dictionary, from a small part of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.extract.tokenizer import LazyTokenizer, make_tokenizer, word_bounds
from pipeline.ingest.text import decode_text

RAW = Path(__file__).resolve().parents[1] / "raw"


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory):
    cache = tmp_path_factory.mktemp("jieba")
    return make_tokenizer(cache_dir=cache), make_tokenizer(cache_dir=cache, lazy=False)


def _sample_lines() -> list[str]:
    lines = []
    for path in sorted(RAW.rglob("*.txt")):
        text, _encoding = decode_text(path.read_bytes())  # the sample has GBK files too
        lines += [s for s in text.splitlines() if s.strip()]
    return lines


def test_the_lazy_tokenizer_cuts_every_sample_line_as_jieba_does(tokenizers):
    lazy, full = tokenizers
    assert isinstance(lazy, LazyTokenizer) and not isinstance(full, LazyTokenizer)
    lines = _sample_lines()
    assert len(lines) > 300
    for line in lines:
        assert list(lazy.tokenize(line, HMM=False)) == list(full.tokenize(line, HMM=False))
        assert lazy.lcut(line) == full.lcut(line)  # HMM on: unknown words too
    assert lazy.total == full.total


def test_a_clause_loads_a_small_part_of_the_dictionary(tmp_path):
    tok = make_tokenizer(cache_dir=tmp_path)
    bounds = word_bounds(tok, "全年调解矛盾纠纷12件", 0, 11)
    assert bounds.inside_word(6) and not bounds.inside_word(4)  # 矛盾纠纷 is one word
    full = make_tokenizer(cache_dir=tmp_path, lazy=False)
    assert 0 < len(tok.FREQ) < 0.01 * len(full.FREQ)


def test_an_index_cut_short_is_built_again(tmp_path):
    make_tokenizer(cache_dir=tmp_path)
    (index,) = tmp_path.glob("pipeline-jieba-*.idx")
    size = index.stat().st_size
    index.write_bytes(index.read_bytes()[: size // 2])
    tok = make_tokenizer(cache_dir=tmp_path)
    assert isinstance(tok, LazyTokenizer)
    assert index.stat().st_size == size
    full = make_tokenizer(cache_dir=tmp_path, lazy=False)
    assert tok.lcut("依法调解矛盾纠纷", HMM=False) == full.lcut("依法调解矛盾纠纷", HMM=False)
    assert tok.lcut("依法调解矛盾纠纷", HMM=False) == ["依法", "调解", "矛盾纠纷"]


def test_words_are_added_in_the_user_dictionary_not_at_run_time(tokenizers):
    with pytest.raises(NotImplementedError, match="user dictionary"):
        tokenizers[0].add_word("法治体检")
