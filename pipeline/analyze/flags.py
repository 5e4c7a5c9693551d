"""Weak-area flags: each rule turns the comparison, scores and text findings into flags that say,
in one Chinese sentence, what is weak, with the sentence of the report that shows it and the
section it came from. Thresholds and severities come from the `flags` part of analysis.yaml.

Rules: no_quantitative_evidence, bottom_quartile, practice_missing, year_over_year_drop,
no_longer_reported, required_item_missing, self_named_problem, copied_text,
copied_from_last_year, foreign_name.
"""

from __future__ import annotations

import collections
import functools
import re
from dataclasses import dataclass

import pandas as pd

from pipeline.analyze.passages import SectionIndex, sentence_at
from pipeline.analyze.settings import OVERALL, AnalysisSettings
from pipeline.contracts import SEVERITIES

FLAG_COLUMNS = [
    "township",
    "year",
    "dimension",
    "severity",
    "rule",
    "message",
    "evidence",
    "county",
    "doc_id",
    "section",
    "dimension_label",
    "metric",
    "practice",
    "value",
    "peer_value",
    "other_doc",
]


@dataclass(frozen=True)
class _Doc:
    doc_id: str
    county: str
    year: int
    township: str


@dataclass(frozen=True)
class FlagInputs:
    """The tables the rules read. All are for comparable reports only."""

    docs: pd.DataFrame  # doc_id, county, year, township
    documents: pd.DataFrame  # the documents table (required items)
    comparison: pd.DataFrame
    scores: pd.DataFrame
    practices: pd.DataFrame
    similarity: pd.DataFrame
    reuse_pairs: pd.DataFrame
    problem_themes: pd.DataFrame
    foreign_names: pd.DataFrame
    texts: dict[str, str]
    sections: SectionIndex

    @functools.cached_property
    def doc(self) -> dict[str, _Doc]:
        """Every comparable report by doc_id: county, year, township."""
        return {
            d: _Doc(d, c, int(y), t)
            for d, c, y, t in zip(
                self.docs["doc_id"],
                self.docs["county"],
                self.docs["year"],
                self.docs["township"],
                strict=True,
            )
        }

    @functools.cached_property
    def best_shared(self) -> dict[tuple[str, str], tuple[str, str]]:
        """The closest shared paragraph of every reuse pair, as (own text, own section), keyed
        by (own report, other report) in both directions."""
        best: dict[tuple[str, str], tuple[str, str]] = {}
        reuse = self.reuse_pairs.sort_values("cosine", ascending=False, kind="stable")
        for r in _rows(reuse):
            best.setdefault((r.doc_a, r.doc_b), (r.text_a, r.section_a))
            best.setdefault((r.doc_b, r.doc_a), (r.text_b, r.section_b))
        return best


def _rows(df: pd.DataFrame):
    """Given a frame, return its rows as named tuples, as itertuples(index=False) does, but with
    each column read once as a list: iterating an Arrow string column row by row cost about
    2 µs a value (1 s of the flags of 2,000 reports)."""
    row = collections.namedtuple("Row", df.columns, rename=True)
    return map(row._make, zip(*(df[c].tolist() for c in df.columns), strict=True))


def all_flags(inputs: FlagInputs, settings: AnalysisSettings) -> pd.DataFrame:
    """Given the inputs and settings, return the flags table, most severe first per township."""
    rules = [
        no_quantitative_evidence,
        bottom_quartile,
        practice_missing,
        year_over_year_drop,
        no_longer_reported,
        required_item_missing,
        self_named_problem,
        copied_text,
        copied_from_last_year,
        foreign_name,
    ]
    rows = [row for rule in rules for row in rule(inputs, settings)]
    flags = pd.DataFrame(rows, columns=FLAG_COLUMNS)
    if flags.empty:
        return flags
    flags["dimension_label"] = flags["dimension"].map(settings.dimension_label)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    dims = {d: i for i, d in enumerate([*settings.dimensions, OVERALL])}
    flags = flags.assign(
        _s=flags["severity"].map(order), _d=flags["dimension"].map(dims).fillna(99)
    )
    flags = flags.sort_values(
        ["county", "year", "township", "_s", "_d", "rule", "metric", "practice"],
        kind="stable",
        na_position="first",
    )
    return flags.drop(columns=["_s", "_d"]).reset_index(drop=True)


def _flag(doc, dimension, severity, rule, message, evidence="", section="", **extra) -> dict:
    row = {c: None for c in FLAG_COLUMNS}
    row.update(
        township=doc.township,
        year=int(doc.year),
        county=doc.county,
        doc_id=doc.doc_id,
        dimension=dimension,
        severity=severity,
        rule=rule,
        message=message,
        evidence=evidence or "",
        section=section or "",
    )
    row.update(extra)
    return row


def _num(value) -> str:
    """Given a number, return it as an official would write it (no trailing .0)."""
    if value is None or pd.isna(value):
        return "—"
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}".rstrip("0").rstrip(".")


_BASIS_WORDS = {"per_10k": "每万人", "per_village": "每村"}


def _described(value, unit, basis) -> str:
    unit = "" if unit is None or pd.isna(unit) else unit
    prefix = _BASIS_WORDS.get(basis, "")
    return f"{prefix}{_num(value)}{unit}"


# ---------------------------------------------------------------- evidence lookups


@functools.lru_cache(maxsize=256)
def _keyword_regex(words: tuple[str, ...]) -> re.Pattern | None:
    """Given keywords, return one pattern matching any of them (longest first), or None."""
    words = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in words)) if words else None


def _first_sentence(
    inputs: FlagInputs,
    doc_id: str,
    pattern: re.Pattern | None,
    prefer_kinds=("achievements", "other"),
) -> tuple[str, str]:
    """Given a report and a pattern, return (sentence, section) of the first match, preferring
    the parts of the preferred kinds; ("", "") when the report never matches."""
    text = inputs.texts.get(doc_id) or ""
    if pattern is None or not text:
        return "", ""
    matches = [m.start() for m in pattern.finditer(text)]
    if not matches:
        return "", ""
    preferred = [(a, b) for k in prefer_kinds for a, b in inputs.sections.kind_spans(doc_id, k)]
    chosen = next((o for o in matches if any(a <= o < b for a, b in preferred)), matches[0])
    start, end = sentence_at(text, chosen)
    return text[start:end], inputs.sections.path_at(doc_id, start)


def _not_strong(
    frame: pd.DataFrame, inputs: FlagInputs, settings: AnalysisSettings
) -> pd.DataFrame:
    """Given rows with doc_id and dimension, return those whose dimension is not one of the
    report's strong dimensions (score percentile at or above strong_dimension_percentile)."""
    limit = settings.flags.get("strong_dimension_percentile")
    if limit is None or frame.empty:
        return frame
    scores = inputs.scores
    strong = scores.loc[scores["percentile"] >= float(limit), ["doc_id", "dimension"]]
    keys = pd.MultiIndex.from_frame(frame[["doc_id", "dimension"]])
    return frame[~keys.isin(pd.MultiIndex.from_frame(strong))]


# ---------------------------------------------------------------- the rules


def no_quantitative_evidence(inputs: FlagInputs, settings: AnalysisSettings) -> list[dict]:
    """A dimension in which the report gives no number at all, while most peers do."""
    cfg = settings.flags.get("no_quantitative_evidence") or {}
    if not cfg.get("severity"):
        return []
    c = inputs.comparison
    has = (
        c.groupby(["county", "year", "doc_id", "dimension"], sort=True)["reported"]
        .any()
        .reset_index()
    )
    has["peers_with"] = (
        has.groupby(["county", "year", "dimension"])["reported"].transform("sum") - has["reported"]
    )
    has["peers"] = has.groupby(["county", "year", "dimension"])["doc_id"].transform("size") - 1
    share = float(cfg.get("min_peer_share", 0.5))
    hit = has[~has["reported"] & (has["peers"] > 0) & (has["peers_with"] >= share * has["peers"])]
    hit = hit[hit["dimension"].isin(settings.dimensions)]
    out = []
    for row in _rows(hit):
        doc = inputs.doc[row.doc_id]
        label = settings.dimension_label(row.dimension)
        evidence, section = _first_sentence(
            inputs,
            row.doc_id,
            _keyword_regex(tuple(settings.dimension_keywords.get(row.dimension, ()))),
        )
        said = "只有原则性表述" if evidence else "报告未提及该项工作"
        message = (
            f"报告在“{label}”方面没有任何量化数据（{said}），"
            f"而全县其他{int(row.peers)}份报告中有{int(row.peers_with)}份给出了具体数据。"
        )
        out.append(
            _flag(
                doc,
                row.dimension,
                cfg["severity"],
                "no_quantitative_evidence",
                message,
                evidence,
                section,
                peer_value=float(row.peers_with),
            )
        )
    return out


def bottom_quartile(inputs: FlagInputs, settings: AnalysisSettings) -> list[dict]:
    """A metric at or below the county's lower quartile, clearly worse than the median."""
    cfg = settings.flags.get("bottom_quartile") or {}
    if not cfg.get("severity"):
        return []
    c = inputs.comparison
    c = c[
        c["reported"]
        & (c["direction"] != "neutral")
        & (c["n_reported"] >= int(cfg.get("min_peers", 4)))
    ]
    lower = c["direction"] == "lower"
    worse_than_quartile = (~lower & (c["basis_value"] <= c["q1"])) | (
        lower & (c["basis_value"] >= c["q3"])
    )
    gap = (c["median"] - c["basis_value"]).where(~lower, c["basis_value"] - c["median"])
    scale = c["median"].abs().where(c["median"] != 0)
    gap_pct = (gap / scale * 100).where(scale.notna(), (gap > 0) * 1e9)
    hit = c[worse_than_quartile & (gap > 0) & (gap_pct >= float(cfg.get("min_gap_pct", 0)))]
    hit = _not_strong(hit, inputs, settings)
    out = []
    for row in _rows(hit):
        label = settings.metric_label(row.metric)
        where = "上四分位数" if row.direction == "lower" else "下四分位数"
        edge = row.q3 if row.direction == "lower" else row.q1
        message = (
            f"“{label}”为{_described(row.basis_value, row.unit, row.basis)}，处于全县后四分之一"
            f"（{where}{_described(edge, row.unit, row.basis)}，中位数"
            f"{_described(row.median, row.unit, row.basis)}），"
            f"在报告该指标的{int(row.n_reported)}个乡镇中排第{int(row.rank)}位。"
        )
        out.append(
            _flag(
                inputs.doc[row.doc_id],
                row.dimension,
                cfg["severity"],
                "bottom_quartile",
                message,
                row.evidence,
                row.section,
                metric=row.metric,
                value=float(row.basis_value),
                peer_value=float(row.median),
            )
        )
    return out


def practice_missing(inputs: FlagInputs, settings: AnalysisSettings) -> list[dict]:
    """A practice most peers of the county-year have and this report does not show."""
    cfg = settings.flags.get("practice_missing") or {}
    if not cfg.get("severity"):
        return []
    docs = inputs.docs
    present = inputs.practices[inputs.practices["present"].fillna(False).astype(bool)]
    present = present[present["doc_id"].isin(docs["doc_id"])][
        ["doc_id", "practice"]
    ].drop_duplicates()
    practice_ids = sorted(set(settings.practices) | set(present["practice"]))
    grid = docs.merge(pd.DataFrame({"practice": practice_ids}), how="cross")
    grid = grid.merge(present.assign(has=True), on=["doc_id", "practice"], how="left")
    grid["has"] = grid["has"].astype("boolean").fillna(False).astype(bool)
    keys = ["county", "year", "practice"]
    grid["peers"] = grid.groupby(keys)["doc_id"].transform("size") - 1
    grid["peers_with"] = grid.groupby(keys)["has"].transform("sum") - grid["has"]
    share = float(cfg.get("min_peer_share", 0.6))
    hit = grid[
        ~grid["has"]
        & (grid["peers"] >= int(cfg.get("min_peers", 3)))
        & (grid["peers_with"] >= share * grid["peers"])
    ]
    dimension_of = dict(
        zip(inputs.practices["practice"], inputs.practices["dimension"], strict=True)
    )
    out = []
    for row in _rows(hit):
        spec = settings.practices.get(row.practice)
        dimension = spec.dimension if spec else dimension_of.get(row.practice, OVERALL)
        label = settings.practice_label(row.practice)
        evidence, section = _first_sentence(
            inputs,
            row.doc_id,
            _keyword_regex(tuple(spec.words) if spec else ()),
            prefer_kinds=("problems", "plans", "achievements"),
        )
        seen = "报告中仅见下面的相关表述" if evidence else "本报告未见该做法"
        message = (
            f"全县其他{int(row.peers)}个乡镇中有{int(row.peers_with)}个落实了“{label}”，{seen}。"
        )
        out.append(
            _flag(
                row,
                dimension,
                cfg["severity"],
                "practice_missing",
                message,
                evidence,
                section,
                practice=row.practice,
                peer_value=float(row.peers_with),
            )
        )
    return out


def year_over_year_drop(inputs: FlagInputs, settings: AnalysisSettings) -> list[dict]:
    """A scored metric that fell sharply against the township's previous report."""
    cfg = settings.flags.get("year_over_year_drop") or {}
    if not cfg.get("severity"):
        return []
    c = inputs.comparison
    c = c[
        c["reported"]
        & c["prev_reported"].fillna(False).astype(bool)
        & (c["direction"] != "neutral")
    ]
    fall_pct = (-c["change_pct"]).where(c["direction"] == "higher", c["change_pct"])
    big = fall_pct >= float(cfg.get("min_drop_pct", 30))
    enough = c["prev_value"].abs() >= float(cfg.get("min_previous", 5))
    hit = _not_strong(c[big & enough].assign(fall=fall_pct[big & enough]), inputs, settings)
    high = float(cfg.get("high_min_drop_pct", 100))
    out = []
    for row in _rows(hit):
        label = settings.metric_label(row.metric)
        unit = "" if pd.isna(row.unit) else row.unit
        verb = "降至" if row.direction == "higher" else "升至"
        message = (
            f"“{label}”由上年的{_num(row.prev_value)}{unit}{verb}{_num(row.value)}{unit}，"
            f"变化{abs(row.change_pct):.0f}%，需核实原因。"
        )
        severity = "high" if row.fall >= high else cfg["severity"]
        out.append(
            _flag(
                inputs.doc[row.doc_id],
                row.dimension,
                severity,
                "year_over_year_drop",
                message,
                row.evidence,
                row.section,
                metric=row.metric,
                value=float(row.value),
                peer_value=float(row.prev_value),
                other_doc=row.prev_doc_id,
            )
        )
    return out


def no_longer_reported(inputs: FlagInputs, settings: AnalysisSettings) -> list[dict]:
    """A metric the township reported last year and leaves out this year."""
    cfg = settings.flags.get("no_longer_reported") or {}
    if not cfg.get("severity"):
        return []
    c = inputs.comparison
    hit = c[
        ~c["reported"]
        & c["prev_reported"].fillna(False).astype(bool)
        & (c["direction"] != "neutral")
    ]
    hit = _not_strong(hit, inputs, settings)
    out = []
    for row in _rows(hit):
        label = settings.metric_label(row.metric)
        unit = "" if pd.isna(row.unit) else row.unit
        message = f"“{label}”上年报告为{_num(row.prev_value)}{unit}，今年报告未再提及。"
        out.append(
            _flag(
                inputs.doc[row.doc_id],
                row.dimension,
                cfg["severity"],
                "no_longer_reported",
                message,
                metric=row.metric,
                peer_value=float(row.prev_value),
                other_doc=row.prev_doc_id,
            )
        )
    return out


def required_item_missing(inputs: FlagInputs, settings: AnalysisSettings) -> list[dict]:
    """A part the annual report must contain (督察工作规定) is missing."""
    items = (settings.flags.get("required_item_missing") or {}).get("items") or {}
    documents = inputs.documents[inputs.documents["doc_id"].isin(inputs.doc)]
    out = []
    for item, spec in items.items():
        if not spec or not spec.get("severity") or item not in documents.columns:
            continue
        missing = documents.loc[documents[item].eq(False).fillna(False).astype(bool), "doc_id"]
        label = spec.get("label", item)
        message = f"报告缺少“{label}”部分，不符合法治政府建设年度报告的规定内容。"
        for doc_id in sorted(missing):
            out.append(
                _flag(
                    inputs.doc[doc_id],
                    spec.get("dimension", OVERALL),
                    spec["severity"],
                    "required_item_missing",
                    message,
                    note_item(item),
                    "",
                )
            )
    return out


def note_item(item: str) -> str:
    """Given a required item id, return the evidence line of its flag."""
    return "全文未找到该部分的标题或内容"


def self_named_problem(inputs: FlagInputs, settings: AnalysisSettings) -> list[dict]:
    """The township's own problems part names the dimension, and it scores in the lower half."""
    cfg = settings.flags.get("self_named_problem") or {}
    themes = inputs.problem_themes
    if not cfg.get("severity") or themes.empty:
        return []
    scores = inputs.scores[["doc_id", "dimension", "percentile", "score"]]
    merged = themes.merge(scores, on=["doc_id", "dimension"], how="left")
    limit = float(cfg.get("max_score_percentile", 50))
    hit = merged[merged["percentile"].isna() | (merged["percentile"] <= limit)]
    hit = _not_strong(hit, inputs, settings)
    out = []
    for row in _rows(hit):
        message = (
            f"乡镇在“存在的问题”中自述“{row.label}”方面存在不足"
            f"（关键词：{row.keywords}），该领域得分在全县处于后半段。"
        )
        out.append(
            _flag(
                row,
                row.dimension,
                cfg["severity"],
                "self_named_problem",
                message,
                row.evidence,
                row.section,
            )
        )
    return out


def copied_text(inputs: FlagInputs, settings: AnalysisSettings) -> list[dict]:
    """The report is largely the same text as another township's report of the same year.

    When one report of the pair names the other's township (a leftover name), it is the copy and
    the other is likely the original: the original gets `original_severity` and says so.
    """
    cfg = settings.flags.get("copied_text") or {}
    sim = inputs.similarity
    medium = float(cfg.get("medium_min_cosine", 0.7))
    high = float(cfg.get("high_min_cosine", 0.85))
    original_severity = cfg.get("original_severity")
    pairs = sim[(sim["kind"] == "same_year") & (sim["cosine"] >= medium)]
    names = inputs.foreign_names
    named = set(zip(names["doc_id"], names["place"], strict=True)) if len(names) else set()
    out = []
    for pair in _rows(pairs):
        severity = "high" if pair.cosine >= high else "medium"
        for own, other in ((pair.doc_a, pair.doc_b), (pair.doc_b, pair.doc_a)):
            own_town, other_town = inputs.doc[own].township, inputs.doc[other].township
            evidence, section = inputs.best_shared.get((own, other), ("", ""))
            alike = (
                f"报告与{other_town}{int(pair.year_a)}年报告高度雷同（去除通用套话后相似度"
                f"{pair.cosine:.2f}，{int(pair.shared_paragraphs)}个段落几乎相同）"
            )
            if (other, own_town) in named and (own, other_town) not in named:
                if not original_severity:
                    continue
                message = f"{alike}，且对方报告中出现本乡镇名称，本报告可能是被照抄的原稿。"
                level = original_severity
            elif (own, other_town) in named:
                message = f"{alike}，且本报告中出现{other_town}的名称，疑似照抄{other_town}的报告。"
                level = severity
            else:
                message = f"{alike}，疑似相互照抄。"
                level = severity
            out.append(
                _flag(
                    inputs.doc[own],
                    OVERALL,
                    level,
                    "copied_text",
                    message,
                    evidence,
                    section,
                    value=float(pair.cosine),
                    other_doc=other,
                )
            )
    return out


def copied_from_last_year(inputs: FlagInputs, settings: AnalysisSettings) -> list[dict]:
    """The report repeats the township's own previous report."""
    cfg = settings.flags.get("copied_from_last_year") or {}
    if not cfg.get("severity"):
        return []
    sim = inputs.similarity
    pairs = sim[
        (sim["kind"] == "consecutive_years") & (sim["cosine"] >= float(cfg.get("min_cosine", 0.9)))
    ]
    out = []
    for pair in _rows(pairs):
        evidence, section = inputs.best_shared.get((pair.doc_b, pair.doc_a), ("", ""))
        message = (
            f"报告与本乡镇{int(pair.year_a)}年报告高度雷同（相似度{pair.cosine:.2f}，"
            f"{int(pair.shared_paragraphs)}个段落几乎相同），疑似照搬上年报告、只改了数字。"
        )
        out.append(
            _flag(
                inputs.doc[pair.doc_b],
                OVERALL,
                cfg["severity"],
                "copied_from_last_year",
                message,
                evidence,
                section,
                value=float(pair.cosine),
                other_doc=pair.doc_a,
            )
        )
    return out


def foreign_name(inputs: FlagInputs, settings: AnalysisSettings) -> list[dict]:
    """The report names another township or county of the corpus where it should name itself."""
    cfg = settings.flags.get("foreign_name") or {}
    names = inputs.foreign_names
    if not cfg.get("severity") or names.empty:
        return []
    out = []
    for (doc_id, place), group in names.groupby(["doc_id", "place"], sort=True):
        if doc_id not in inputs.doc:
            continue
        first = group.sort_values("start").iloc[0]
        what = "乡镇" if first["name_kind"] == "township" else "县"
        written = "、".join(
            f"“{n}”" for n in sorted(set(group["name"]), key=lambda n: (-len(n), n))
        )
        message = (
            f"报告中{len(group)}处出现其他{what}的名称{written}，疑似照抄{place}的报告后未改名。"
        )
        out.append(
            _flag(
                inputs.doc[doc_id],
                OVERALL,
                cfg["severity"],
                "foreign_name",
                message,
                first["evidence"],
                first["section"],
                value=float(len(group)),
            )
        )
    return out
