"""What a user would otherwise run: bare passes of jieba, pdfplumber and pypdfium2.

Each is a command of its own, so that the benchmark can time it as a whole process, exactly as
it times the pipeline's commands; each prints one JSON line with its in-process timings too:

    python -m pipeline.bench.baselines jieba RAW        # jieba.lcut over every .txt
    python -m pipeline.bench.baselines pdfplumber RAW   # page.extract_text() of every .pdf
    python -m pipeline.bench.baselines pypdfium2 RAW    # textpage.get_text_range() of every page
    python -m pipeline.bench.baselines pdf-compare RAW SOURCE --repeats 3

``jieba`` is the module's default tokenizer (jieba's own dictionary, accurate mode, HMM on), so
the whole-process figure includes its dictionary load (``load`` in the JSON) and ``pass`` is the
lcut time alone. Only the standard library and the one library measured are imported, except
in ``pdf-compare``, which loads the pipeline first and then times, in the same process and on
bytes already in memory, the three ways of getting a PDF's text, and checks they got the same
text as the source the PDFs were rendered from.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time


def files(raw: str, suffix: str) -> list[str]:
    """Given a folder and an extension, return the files below it, sorted."""
    out = []
    for dirpath, _dirs, names in os.walk(raw):
        out += [os.path.join(dirpath, n) for n in names if n.endswith(suffix)]
    return sorted(out)


def jieba_pass(raw: str) -> dict:
    """Given a folder of .txt reports, return the timings of one bare jieba.lcut pass."""
    started = time.perf_counter()
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    loaded = time.perf_counter()
    words = chars = size = 0
    for path in files(raw, ".txt"):
        with open(path, "rb") as f:
            data = f.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        words += len(jieba.lcut(text))
        chars, size = chars + len(text), size + len(data)
    done = time.perf_counter()
    return {
        "load": loaded - started,
        "pass": done - loaded,
        "words": words,
        "chars": chars,
        "bytes": size,
    }


def pdfplumber_text(data: bytes) -> tuple[int, str]:
    """Given PDF bytes, return (pages, text) as pdfplumber's extract_text gives it."""
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        texts = [page.extract_text() or "" for page in pdf.pages]
    return len(texts), "\n".join(texts)


def pypdfium2_text(data: bytes) -> tuple[int, str]:
    """Given PDF bytes, return (pages, text) as pypdfium2's text page gives it."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    texts = []
    for page in document:
        textpage = page.get_textpage()
        texts.append(textpage.get_text_range())
        textpage.close()
        page.close()
    document.close()
    return len(texts), "\n".join(texts)


def pdf_pass(raw: str, reader) -> dict:
    """Given a folder of PDFs and a reader, return the timings of one bare pass (import included
    in ``load``)."""
    started = time.perf_counter()
    reader(_tiny_pdf())  # imports the library
    loaded = time.perf_counter()
    pages = chars = size = 0
    for path in files(raw, ".pdf"):
        with open(path, "rb") as f:
            data = f.read()
        n, text = reader(data)
        pages, chars, size = pages + n, chars + len(text), size + len(data)
    done = time.perf_counter()
    return {
        "load": loaded - started,
        "pass": done - loaded,
        "pages": pages,
        "chars": chars,
        "bytes": size,
    }


def _tiny_pdf() -> bytes:
    """Return a one-page empty PDF (to import a reader without timing a real file)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


def pdf_compare(raw: str, source: str, repeats: int) -> dict:
    """Given a folder of PDFs and the folder of their source texts, return the median time of
    each way of reading them (in this process, files already in memory) and how close each
    one's text is to the source (both in NFKC, whitespace removed; the bare readers keep the
    running header and page numbers, so only the pipeline's text can be identical)."""
    import unicodedata
    from pathlib import Path

    from pipeline.ingest import Entry, ingest_entry
    from pipeline.ingest.normalize import fold_whitespace

    paths = files(raw, ".pdf")
    blobs = [Path(p).read_bytes() for p in paths]
    entries = [Entry(Path(p).resolve(), os.path.relpath(p, raw)) for p in paths]

    def ours(i: int) -> tuple[int, str]:
        doc = ingest_entry(entries[i], ocr=None)
        return doc.pages or 0, doc.text

    readers = {
        "pipeline": ours,
        "pdfplumber": lambda i: pdfplumber_text(blobs[i]),
        "pypdfium2": lambda i: pypdfium2_text(blobs[i]),
    }
    for reader in readers.values():  # warm up: imports, font tables, regex compilation
        reader(0)
    times: dict[str, list[float]] = {name: [] for name in readers}
    texts: dict[str, list[str]] = {}
    pages = 0
    for _ in range(repeats):
        for name, reader in readers.items():
            started = time.perf_counter()
            got = [reader(i) for i in range(len(blobs))]
            times[name].append(time.perf_counter() - started)
            texts[name] = [t for _, t in got]
            pages = sum(n for n, _ in got) if name == "pypdfium2" else pages

    def comparable(text: str) -> str:  # the pipeline writes NFKC: ，→, （→(
        return fold_whitespace(unicodedata.normalize("NFKC", text))

    sources = [
        comparable(
            (Path(source) / Path(p).relative_to(raw))
            .with_suffix(".txt")
            .read_text(encoding="utf-8")
        )
        for p in paths
    ]
    out = {"files": len(blobs), "pages": pages, "bytes": sum(map(len, blobs)), "repeats": repeats}
    for name in readers:
        folded = [comparable(t) for t in texts[name]]
        out[name] = {
            "seconds": statistics.median(times[name]),
            "runs": times[name],
            "identical_to_source": sum(a == b for a, b in zip(folded, sources, strict=True)),
            "source_chars_found": _share_found(folded, sources),
        }
    return out


def _share_found(texts: list[str], sources: list[str]) -> float:
    """Given texts and their sources, return the share of the sources' characters that appear,
    in order, in the texts (difflib matching blocks; 1.0 = every character found)."""
    import difflib

    found = total = 0
    for text, src in zip(texts, sources, strict=True):
        matcher = difflib.SequenceMatcher(None, src, text, autojunk=False)
        found += sum(b.size for b in matcher.get_matching_blocks())
        total += len(src)
    return found / total if total else 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.bench.baselines",
        description="Bare baseline passes; prints one JSON line.",
    )
    parser.add_argument("what", choices=["jieba", "pdfplumber", "pypdfium2", "pdf-compare"])
    parser.add_argument("raw")
    parser.add_argument("source", nargs="?", help="pdf-compare: folder of the source texts")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    if args.what == "jieba":
        result = jieba_pass(args.raw)
    elif args.what == "pdfplumber":
        result = pdf_pass(args.raw, pdfplumber_text)
    elif args.what == "pypdfium2":
        result = pdf_pass(args.raw, pypdfium2_text)
    else:
        result = pdf_compare(args.raw, args.source, args.repeats)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
