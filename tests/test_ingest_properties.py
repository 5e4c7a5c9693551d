"""Random and mutated files through the whole per-document path: one valid row, never a crash.

test_extract_properties.py feeds random and mutated report *text* to the number parser and the
matcher. Here the *bytes* of a sample report in each format (UTF-8 and GBK text, .docx, .pdf,
.html) are cut, flipped, spliced and padded, sometimes under the wrong extension, and go through
process_entry (read, clean, extract): whatever the bytes, the result is one documents row that
meets its contract, and every span and evidence lies inside the document's text.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import contracts
from pipeline.ingest import Entry
from pipeline.run import RunSettings, process_entry
from pipeline.samples.hostile import meta, source_text
from pipeline.samples.render import render_docx, render_html, render_pdf, render_txt

SETTINGS = RunSettings(jobs=1, cache=False, ocr=False, progress=False)
SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".doc", ".xyz")


@functools.lru_cache(maxsize=1)
def seeds() -> tuple[tuple[str, bytes], ...]:
    """One sample report in every format, as (suffix, bytes)."""
    text, m = source_text(2024, "竹山镇"), meta(2024, "竹山镇")
    return (
        (".txt", render_txt(text)),
        (".txt", render_txt(text, "gbk", "\r\n")),
        (".docx", render_docx(text, m)),
        (".pdf", render_pdf(text, m)),
        (".html", render_html(text, m)),
    )


@st.composite
def mutated_files(draw) -> tuple[str, bytes]:
    """A sample file with bytes cut, flipped, inserted, repeated or zeroed; its suffix may lie."""
    suffix, data = draw(st.sampled_from(seeds()))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(data)))
        j = draw(st.integers(i, min(len(data), i + 4096)))
        action = draw(st.sampled_from(["truncate", "flip", "insert", "repeat", "zero", "cut"]))
        if action == "truncate":
            data = data[:i]
        elif action == "flip" and i < len(data):
            data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
        elif action == "insert":
            data = data[:i] + draw(st.binary(min_size=1, max_size=64)) + data[i:]
        elif action == "repeat":
            data = data[:j] + data[i:j] * draw(st.integers(1, 3)) + data[j:]
        elif action == "zero":
            data = data[:i] + b"\0" * (j - i) + data[j:]
        else:
            data = data[:i] + data[j:]
    if draw(st.booleans()):
        suffix = draw(st.sampled_from(SUFFIXES))
    return suffix, data


def check_result(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        result = process_entry(Entry(path, name), SETTINGS)
    row = result.document
    contracts.conform(pd.DataFrame([row], columns=contracts.columns("documents")), "documents")
    assert row["doc_id"] == name and row["status"] in contracts.STATUSES
    if row["status"] == "failed":
        assert row["reason"] and result.text == "" and not result.metrics
    text = result.text
    assert row["chars"] == len(text)
    for s in result.sections:
        assert 0 <= s["start"] <= s["end"] <= len(text)
    for r in result.metrics:
        assert r["evidence"] in text
        assert 0 <= r["start"] < r["end"] <= len(text)
    for r in result.practices:
        assert r["evidence"] is None or r["evidence"] in text


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_files())
def test_mutated_files_give_one_valid_row(file):
    suffix, data = file
    check_result(f"report{suffix}", data)


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from(SUFFIXES))
def test_random_bytes_give_one_valid_row(data, suffix):
    check_result(f"random{suffix}", data)


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["utf-8", "utf-16", "gb18030", "utf-8-sig"]))
def test_any_text_in_any_encoding_gives_one_valid_row(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
    check_result("any.txt", data)
