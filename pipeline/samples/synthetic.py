"""Synthetic corpora for the benchmark: the sample county's reports, re-told for other places.

Every report is one of the 24 canonical sample reports (samples/source/<year>/<township>.txt)
with the county, city and township names replaced, the document number re-issued, some
sentences left out, now and then a paragraph borrowed from another report of the same year
(reports run from about 2,000 to 4,000 characters), and the numbers changed. Counties have 10-30
townships; each township reports on 2023 and 2024. Everything is derived from a seed: the same
seed and size give the same bytes, and a corpus of N reports is the first N reports of any
larger one.

    write_text_corpus(folder, reports=2000, seed=7)   # folder/raw/<county>/<year>/<township>.txt
    write_pdf_corpus(folder, pages=300, seed=7)       # folder/raw/.../<township>.pdf

Nothing here is committed; the benchmark writes corpora under processed/bench/.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.config import PROJECT_DIR, TOWNSHIPS_FILE

SAMPLES_DIR = PROJECT_DIR / "samples"
YEARS = (2023, 2024)
MIN_TOWNSHIPS, MAX_TOWNSHIPS = 10, 30
COUNTIES_PER_CITY = 8
DROP_SENTENCE = 0.06  # chance that a later sentence of a long paragraph is left out
BORROW_PARAGRAPHS = (0.8, 0.65, 0.55, 0.45, 0.35)  # chance of borrowing a 1st, 2nd, ... paragraph
MANIFEST = "manifest.json"

# Name parts: first, second and third characters of place names (none is 县/市/区/镇/乡/街/道,
# nor 和, which the metadata reader takes for a conjunction: 和庄乡 is read as 庄乡).
_FIRST = (
    "东西南北上下大小新金银石玉云风雪春秋青红白黄丹碧明光安平康宁福寿长永兴旺顺吉祥华荣昌盛泰丰"
)
_SECOND = "山河湖江溪泉源林桥庄岭峰岗坪坝塘湾洲沙田园门关城阳亭台浦渡营堡川谷"
_THIRD = "口头尾坑子埠铺集寨店垭坳冲墩坡岙圩"
# A number the templates write that must stay: dates and document numbers are skipped by the
# look-arounds on 年月日号〔〕; 4·15 and 12·4 by those on "·"; 1+1+N by those on "+"; (1) item
# markers by those on brackets. Years, hotlines and 1. item markers are kept in _renumber.
_NUMBER_RE = re.compile(r"(?<![\d.〔·+（(])(\d+)(\.\d+)?(?![\d.〕·+年月日号）)])(%?)")
_KEEP_NUMBERS = {"12345", "12348"}
_DOC_NUMBER_RE = re.compile(r"青(.)(委|工)〔")
_ITEM_MARKER_RE = re.compile(
    r"^(?:（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|\d+[.、．])"
)


@dataclass(frozen=True)
class Report:
    """One synthetic report and where it belongs."""

    county: str  # 东山县
    township: str  # 金河镇
    year: int
    text: str
    population: int
    villages: int

    @property
    def doc_id(self) -> str:
        return f"{self.county}/{self.year}/{self.township}"


@dataclass(frozen=True)
class _Template:
    township: str  # the sample township whose reports are re-told
    kind: str  # 镇 | 乡 | 街道
    texts: dict  # year -> canonical text


@lru_cache(maxsize=1)
def _templates() -> tuple[_Template, ...]:
    """Return the sample county's townships with their two canonical reports."""
    spec = yaml.safe_load((SAMPLES_DIR / "formats.yaml").read_text(encoding="utf-8"))
    out = []
    for t in spec["townships"]:
        texts = {
            y: (SAMPLES_DIR / "source" / str(y) / f"{t['name']}.txt").read_text(encoding="utf-8")
            for y in YEARS
        }
        out.append(_Template(t["name"], t["type"], texts))
    return tuple(out)


def _short(name: str) -> str:
    """Given a place name, return it without its 县/市/镇/乡/街道 ending."""
    return re.sub(r"(街道|县|市|镇|乡)$", "", name)


def _names(seed: int, third: str = "") -> list[str]:
    """Given the seed, return every name of two characters (or three, with a third from
    ``third``) in a seeded order, none of them a sample county name."""
    taken = {_short(t.township) for t in _templates()} | {"青溪", "江州"}
    names = [a + b + c for a in _FIRST for b in _SECOND for c in (third or [""])]
    names = [n for n in names if n[:2] not in taken]
    random.Random(f"{seed}/names/{third}").shuffle(names)
    return names


def generate_reports(reports: int, seed: int = 7) -> Iterator[Report]:
    """Given a number of reports and a seed, return the reports, county by county.

    Counties and cities have two-character names; townships three-character ones, unique in the
    whole corpus (same-named townships of different counties exist, but are not what the
    benchmark is about)."""
    counties, towns = _names(seed), iter(_names(seed, _THIRD))
    made, county_no = 0, 0
    while made < reports:
        county = counties[county_no % len(counties)] + ("县" if county_no < len(counties) else "区")
        city = counties[-1 - county_no // COUNTIES_PER_CITY] + "市"
        for report in _county_reports(county, city, county_no, seed, towns):
            if made == reports:
                return
            yield report
            made += 1
        county_no += 1


def _county_reports(county: str, city: str, county_no: int, seed: int, towns: Iterator[str]):
    """Given a county and the unused township names, return its townships' reports (both
    years of each township in turn)."""
    rng = random.Random(f"{seed}/county/{county_no}")
    templates = list(_templates())
    count = rng.randint(MIN_TOWNSHIPS, MAX_TOWNSHIPS)
    order = rng.sample(templates, len(templates))
    chosen = order + [rng.choice(templates) for _ in range(max(0, count - len(order)))]
    names = [next(towns) + t.kind for t in chosen]
    # The sample townships a template mentions become the county's first twelve townships
    # (in a county of fewer, the rest are neighbours without a report).
    neighbours = {t.township: n for t, n in zip(order, names, strict=False)}
    for i, (template, name) in enumerate(zip(chosen[:count], names[:count], strict=True)):
        replace = _replacements(county, city, {**neighbours, template.township: name})
        population, villages = rng.randint(8_000, 90_000), rng.randint(5, 30)
        for year in YEARS:
            doc_rng = random.Random(f"{seed}/report/{county_no}/{i}/{year}")
            text = _borrow(template.texts[year], year, doc_rng)
            text = _drop_sentences(text, doc_rng)
            text = _rename(text, replace, county, name)
            text = _renumber(text, doc_rng)
            yield Report(county, name, year, text, population, villages)


def _replacements(county: str, city: str, townships: dict[str, str]) -> dict[str, str]:
    """Given the new names, return every sample name (full and short) to replace and by what."""
    out = {"青溪县": county, "青溪": _short(county), "江州市": city, "江州": _short(city)}
    for old, new in townships.items():
        out[old] = new
        out[_short(old)] = _short(new)
    return out


def _rename(text: str, replace: dict[str, str], county: str, township: str) -> str:
    """Given a text and the names to replace, return it naming the new places (one pass)."""
    pattern = _name_pattern(tuple(sorted(replace, key=len, reverse=True)))
    text = pattern.sub(lambda m: replace[m.group(0)], text)
    return _DOC_NUMBER_RE.sub(lambda m: f"{county[0]}{township[0]}{m.group(2)}〔", text)


@lru_cache(maxsize=64)
def _name_pattern(names: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(map(re.escape, names)))


def _renumber(text: str, rng: random.Random) -> str:
    """Given a text, return it with its counts and rates changed (years and dates kept)."""

    def change(m: re.Match) -> str:
        whole, frac, percent = m.group(1), m.group(2) or "", m.group(3)
        if whole in _KEEP_NUMBERS or (len(whole) == 4 and whole.startswith(("19", "20"))):
            return m.group(0)
        at_line_start = m.start() == 0 or text[m.start() - 1] == "\n"
        if at_line_start and text[m.end() : m.end() + 1] in ("、", ".", "．"):
            return m.group(0)
        value = float(whole + frac)
        if percent:
            if value >= 100:
                return m.group(0)
            value = min(99.9 if frac else 99, value + rng.uniform(-4, 1))
        elif value >= 2:
            value = max(1.0, value * rng.uniform(0.7, 1.4))
        else:
            return m.group(0)
        return f"{value:.{len(frac) - 1}f}{percent}" if frac else f"{round(value)}{percent}"

    return _NUMBER_RE.sub(change, text)


def _paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


def _drop_sentences(text: str, rng: random.Random) -> str:
    """Given a text, return it with some later sentences of long paragraphs left out."""
    out = []
    for para in _paragraphs(text):
        if len(para) < 120 or "\n" in para or "\t" in para:
            out.append(para)
            continue
        sentences = re.findall(r"[^。]*。|[^。]+$", para)
        kept = sentences[:1] + [s for s in sentences[1:] if rng.random() >= DROP_SENTENCE]
        out.append("".join(kept))
    return "\n\n".join(out)


def _borrow(text: str, year: int, rng: random.Random) -> str:
    """Given a text, return it with up to five achievement paragraphs of other sample reports
    (same year, item marker removed) added at the end of its achievements part."""
    extra = []
    for chance in BORROW_PARAGRAPHS:
        if rng.random() >= chance:
            break
        donor = rng.choice([t.texts[year] for t in _templates() if t.texts[year] != text])
        items = [p for p in _paragraphs(donor) if _ITEM_MARKER_RE.match(p) and len(p) > 200]
        if items:
            extra.append(_ITEM_MARKER_RE.sub("", rng.choice(items)))
    if not extra:
        return text
    paras = _paragraphs(text)
    second = next((i for i, p in enumerate(paras) if p.startswith("二、")), len(paras))
    return "\n\n".join(paras[:second] + extra + paras[second:])


# ---------------------------------------------------------------- writing corpora


@dataclass(frozen=True)
class CorpusInfo:
    """What was written: the input folder and its size."""

    raw: Path
    reports: int
    bytes: int
    chars: int
    pages: int = 0

    def to_dict(self) -> dict:
        return {
            "raw": str(self.raw),
            "reports": self.reports,
            "bytes": self.bytes,
            "chars": self.chars,
            "pages": self.pages,
        }


def generator_version() -> str:
    """Return a hash of this module and the sample sources: a corpus is rebuilt when it changes."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted((SAMPLES_DIR / "source").rglob("*.txt")):
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def write_text_corpus(folder: str | os.PathLike, reports: int, seed: int = 7) -> CorpusInfo:
    """Given a folder, a number of reports and a seed, write folder/raw (UTF-8 .txt reports and
    townships.csv) unless the same corpus is already there; return what is there."""
    return _write_corpus(
        Path(folder),
        {"kind": "text", "reports": reports, "seed": seed},
        lambda raw: _text_files(raw, reports, seed),
    )


def write_pdf_corpus(folder: str | os.PathLike, pages: int, seed: int = 7) -> CorpusInfo:
    """Given a folder, a number of pages and a seed, write folder/raw with PDF reports (as
    rendered by pipeline.samples.render) until they hold at least that many pages, and
    folder/source with each report's canonical text; return what is there."""
    return _write_corpus(
        Path(folder),
        {"kind": "pdf", "pages": pages, "seed": seed},
        lambda raw: _pdf_files(raw, pages, seed),
    )


def _write_corpus(folder: Path, spec: dict, write) -> CorpusInfo:
    folder = folder.resolve()
    spec = {**spec, "version": generator_version()}
    manifest = folder / MANIFEST
    if manifest.is_file():
        saved = json.loads(manifest.read_text(encoding="utf-8"))
        if saved.get("spec") == spec:  # the folder may have moved: raw is where it is now
            return CorpusInfo(**{**saved["info"], "raw": folder / "raw"})
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    counts = write(tmp / "raw")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    info = CorpusInfo(folder / "raw", **counts)
    manifest.write_text(
        json.dumps({"spec": spec, "info": info.to_dict()}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return info


def _text_files(raw: Path, reports: int, seed: int) -> dict:
    n = size = chars = 0
    townships = {}
    for r in generate_reports(reports, seed):
        _write(raw / f"{r.doc_id}.txt", r.text.encode("utf-8"))
        townships[(r.county, r.township)] = (r.population, r.villages)
        n, size, chars = n + 1, size + len(r.text.encode("utf-8")), chars + len(r.text)
    _write_townships(raw, townships)
    return {"reports": n, "bytes": size, "chars": chars}


def _pdf_files(raw: Path, pages: int, seed: int) -> dict:
    import pypdfium2 as pdfium

    from pipeline.samples.render import RenderMeta, render_pdf

    n = size = chars = done = 0
    source = raw.parent / "source"
    for r in generate_reports(10**9, seed):
        if done >= pages:
            break
        data = render_pdf(r.text, RenderMeta(county=r.county, township=r.township, year=r.year))
        _write(raw / f"{r.doc_id}.pdf", data)
        _write(source / f"{r.doc_id}.txt", r.text.encode("utf-8"))
        document = pdfium.PdfDocument(data)
        done += len(document)
        document.close()
        n, size, chars = n + 1, size + len(data), chars + len(r.text)
    return {"reports": n, "bytes": size, "chars": chars, "pages": done}


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _write_townships(raw: Path, townships: dict) -> None:
    lines = ["county,township,population,villages"]
    lines += [f"{c},{t},{p},{v}" for (c, t), (p, v) in sorted(townships.items())]
    _write(raw / TOWNSHIPS_FILE, ("\n".join(lines) + "\n").encode("utf-8"))
