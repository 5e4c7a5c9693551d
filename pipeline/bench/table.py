"""The benchmark's results as ratios, targets and a printed table.

Ratios are speeds divided by the baseline's speed on the same input in the same run (above 1
means the pipeline is faster). "Whole process" figures are wall times from process start to
exit; "stage" figures are the time inside the process spent on the work itself.
"""

from __future__ import annotations

from pipeline.bench.timed import SIMILARITY, SIMILARITY_WITH_WORDS

TARGET_TEXT_RATIO = 1.0  # extract --jobs 1 vs a bare jieba.lcut pass, whole process
TARGET_PDF_RATIO = 10.0  # PDF ingestion vs bare pdfplumber extract_text, pages/s
TARGET_ANALYZE_2000 = 30.0  # seconds
TARGET_LARGE_SECONDS = 600.0  # 40,000 reports through extract and analyze
TARGET_LARGE_MB = 4096.0
LARGE = 40000


def _ratio(baseline: float, ours: float) -> float | None:
    return round(baseline / ours, 3) if ours else None


def derive(results: dict) -> dict:
    """Given the suite's results, return the ratios and per-report figures of each corpus."""
    out: dict = {"text": {}}
    for size, r in results.get("text", {}).items():
        n, mb = r["corpus"]["reports"], r["corpus"]["bytes"] / 1e6
        d: dict = {"reports": n, "mb": mb}
        if "jieba" in r:
            j, x = r["jieba"], r["extract_jobs1"]
            d["extract_vs_jieba_wall"] = _ratio(j["wall"], x["wall"])
            d["extract_vs_jieba_cpu"] = _ratio(j["cpu"], x["cpu"])
            d["per_document_vs_lcut"] = _ratio(j["pass"], _per_document(x))
            d["jobs_speedup"] = _ratio(x["wall"], r["extract"]["wall"])
        a = r["analyze"]["stages"]
        if all(k in a for k in SIMILARITY):
            sim = sum(a[k] for k in SIMILARITY)
            words = sum(a.get(k, 0) for k in SIMILARITY_WITH_WORDS)
            d["similarity_seconds"] = round(sim, 3)
            d["similarity_ms_per_report"] = round(1000 * sim / n, 3)
            d["similarity_with_words_ms_per_report"] = round(1000 * words / n, 3)
        d["analysis_seconds"] = round(a.get("analyze", 0) + a.get("write_reports", 0), 3)
        d["extract_and_analyze_seconds"] = round(r["extract"]["wall"] + r["analyze"]["wall"], 3)
        d["peak_mb"] = round(max(r["extract"]["tree_rss_mb"], r["analyze"]["tree_rss_mb"]), 1)
        d["incremental_extracted"] = n + 1 - (r["incremental"]["from_cache"] or 0)
        out["text"][size] = d
    if "pdf" in results:
        p = results["pdf"]
        c, pages = p["compare"], p["compare"]["pages"]
        out["pdf"] = {
            "pages": pages,
            "pipeline_vs_pdfplumber": _ratio(c["pdfplumber"]["seconds"], c["pipeline"]["seconds"]),
            "pipeline_vs_pypdfium2": _ratio(c["pypdfium2"]["seconds"], c["pipeline"]["seconds"]),
            "whole_process_vs_pdfplumber": _ratio(
                p["pdfplumber"]["wall"], p["extract_jobs1"]["wall"]
            ),
        }
    return out


def _per_document(run: dict) -> float:
    """Given a --jobs 1 extract run, return the seconds of per-document work, without the one
    catalog and tokenizer load (which the jieba pass's dictionary load corresponds to)."""
    stages = run["stages"]
    return stages.get("process_entry", 0) - stages.get("_extraction_tools", 0)


def targets(results: dict, derived: dict) -> list[dict]:
    """Given the results and their ratios, return each target with its value and verdict."""
    rows = []
    text = derived["text"]
    for size, d in text.items():
        if "extract_vs_jieba_wall" in d:
            rows.append(
                _target(
                    f"text extraction vs bare jieba.lcut, whole process, --jobs 1, "
                    f"{int(size):,} reports",
                    d["extract_vs_jieba_wall"],
                    f">= {TARGET_TEXT_RATIO}",
                    d["extract_vs_jieba_wall"] >= TARGET_TEXT_RATIO,
                )
            )
    if "pdf" in derived:
        p, c = derived["pdf"], results["pdf"]["compare"]
        same = c["pipeline"]["identical_to_source"] == c["files"]
        rows.append(
            _target(
                f"PDF ingestion vs bare pdfplumber pages/s ({p['pages']} pages), "
                f"same text: {c['pipeline']['identical_to_source']}/{c['files']} "
                "identical to the source",
                p["pipeline_vs_pdfplumber"],
                f">= {TARGET_PDF_RATIO}",
                p["pipeline_vs_pdfplumber"] >= TARGET_PDF_RATIO and same,
            )
        )
    if "2000" in results.get("text", {}):
        wall = results["text"]["2000"]["analyze"]["wall"]
        rows.append(
            _target(
                "analyze, 2,000 reports (whole process, extraction cached), s",
                wall,
                f"< {TARGET_ANALYZE_2000:g}",
                wall < TARGET_ANALYZE_2000,
            )
        )
    if str(LARGE) in text:
        d = text[str(LARGE)]
        rows.append(
            _target(
                "40,000 reports: extract (cold) + analyze, s",
                d["extract_and_analyze_seconds"],
                f"<= {TARGET_LARGE_SECONDS:g}",
                d["extract_and_analyze_seconds"] <= TARGET_LARGE_SECONDS,
            )
        )
        rows.append(
            _target(
                "40,000 reports: peak memory of the process tree, MB",
                d["peak_mb"],
                f"<= {TARGET_LARGE_MB:g}",
                d["peak_mb"] <= TARGET_LARGE_MB,
            )
        )
    per_report = {
        s: d["similarity_ms_per_report"]
        for s, d in text.items()
        if "similarity_ms_per_report" in d and int(s) >= 2000
    }
    if len(per_report) >= 2:
        small, large = min(per_report, key=int), max(per_report, key=int)
        growth = round(per_report[large] / per_report[small], 3) if per_report[small] else None
        rows.append(
            _target(
                f"similarity stage time per report, {int(large):,} vs "
                f"{int(small):,} reports (1.0 = linear)",
                growth,
                "<= 1.5",
                growth is not None and growth <= 1.5,
            )
        )
    for size, d in text.items():
        rows.append(
            _target(
                f"incremental: documents re-extracted after 1 changed + 1 added, "
                f"{int(size):,} reports",
                d["incremental_extracted"],
                "== 2",
                d["incremental_extracted"] == 2,
            )
        )
    return rows


def _target(name: str, value, goal: str, ok: bool) -> dict:
    return {"target": name, "value": value, "goal": goal, "pass": bool(ok)}


# ---------------------------------------------------------------- printing


def _row(cells, widths) -> str:
    first, *rest = cells
    return f"  {first:<{widths[0]}}" + "".join(
        f"{c:>{w}}" for c, w in zip(rest, widths[1:], strict=True)
    )


_WIDTHS = (50, 9, 9, 10, 9, 10, 9)
_HEAD = ("run", "wall s", "cpu s", "docs/s", "MB/s", "peak MB", "cached")


def _run_row(label: str, run: dict, docs: int, mb: float) -> str:
    wall = run["wall"]
    cached = run.get("from_cache")
    return _row(
        (
            label,
            f"{wall:.2f}",
            f"{run['cpu']:.2f}",
            f"{docs / wall:,.1f}",
            f"{mb / wall:.2f}",
            f"{run['tree_rss_mb']:,.0f}",
            "" if cached is None else f"{cached:,}",
        ),
        _WIDTHS,
    )


def format_table(results: dict) -> str:
    """Given the suite's results, return the printed table: runs, ratios, targets."""
    derived = derive(results)
    m = results["machine"]
    lines = [
        f"machine: {m['cpus']} cores, load {m['load_before'][0]:.1f} before / "
        f"{m.get('load_after', [0])[0]:.1f} after; Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
    ]
    for size, r in results.get("text", {}).items():
        c, d = r["corpus"], derived["text"][size]
        n, mb = c["reports"], c["bytes"] / 1e6
        lines += [
            "",
            f"text corpus: {n:,} reports, {mb:.1f} MB, {c['chars'] / 1e6:.2f} M characters "
            f"(median of {r['extract']['repeats']} runs)",
            _row(_HEAD, _WIDTHS),
        ]
        if "jieba" in r:
            j, x = r["jieba"], r["extract_jobs1"]
            lines.append(_run_row("bare jieba.lcut pass, whole process", j, n, mb))
            lines.append(
                _row(
                    (
                        f"  of which dictionary load {j['load']:.2f} s, lcut {j['pass']:.2f} s",
                        "",
                        "",
                        f"{n / j['pass']:,.1f}",
                        f"{mb / j['pass']:.2f}",
                        "",
                        "",
                    ),
                    _WIDTHS,
                )
            )
            lines.append(_run_row("extract --jobs 1 --no-cache", x, n, mb))
            stage = _per_document(x)
            tools = x["stages"].get("_extraction_tools", 0)
            lines.append(f"    of which catalog + tokenizer load {tools:.2f} s")
            lines.append(
                _row(
                    (
                        f"  of which per-document work {stage:.2f} s",
                        "",
                        "",
                        f"{n / stage:,.1f}" if stage else "",
                        f"{mb / stage:.2f}" if stage else "",
                        "",
                        "",
                    ),
                    _WIDTHS,
                )
            )
        jobs = results["options"]["jobs"] or m["cpus"]
        lines.append(_run_row(f"extract --jobs {jobs}, cold cache", r["extract"], n, mb))
        lines.append(_run_row("extract again, nothing changed", r["rerun"], n, mb))
        lines.append(
            _run_row("extract after 1 report changed + 1 added", r["incremental"], n + 1, mb)
        )
        lines.append(_run_row("analyze (extraction from the cache)", r["analyze"], n, mb))
        a = r["analyze"]["stages"]
        lines.append(
            "    analyze stages, s: "
            + ", ".join(
                f"{k} {v:.2f}" for k, v in sorted(a.items(), key=lambda kv: -kv[1]) if v >= 0.01
            )
        )
        if "extract_vs_jieba_wall" in d:
            lines.append(
                f"  ratio extract/jieba (speed): whole process {d['extract_vs_jieba_wall']:.2f}x "
                f"wall, {d['extract_vs_jieba_cpu']:.2f}x cpu; per-document work vs lcut "
                f"alone {d['per_document_vs_lcut']:.2f}x; --jobs {jobs} speed-up "
                f"{d['jobs_speedup']:.2f}x"
            )
        if "similarity_ms_per_report" in d:
            lines.append(
                f"  similarity stage {d['similarity_seconds']:.2f} s = "
                f"{d['similarity_ms_per_report']:.2f} ms/report "
                f"({d['similarity_with_words_ms_per_report']:.2f} ms/report with the "
                "sentence split and word counts)"
            )
    if "pdf" in results:
        lines += _pdf_lines(results["pdf"], derived["pdf"])
    lines += ["", "targets"]
    for t in targets(results, derived):
        value = t["value"]
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        lines.append(
            f"  {'PASS' if t['pass'] else 'FAIL'}  {t['target']}: {shown} (goal {t['goal']})"
        )
    return "\n".join(lines)


def _pdf_lines(p: dict, d: dict) -> list[str]:
    c = p["compare"]
    pages = c["pages"]
    lines = [
        "",
        f"PDF set: {c['files']} reports, {pages} pages, {c['bytes'] / 1e6:.1f} MB",
        "  same process, files in memory (median of "
        f"{c['repeats']}):      seconds    pages/s   ms/page   identical  chars found",
    ]
    for name, label in (
        ("pipeline", "pipeline ingestion (read + clean + parse)"),
        ("pdfplumber", "bare pdfplumber extract_text"),
        ("pypdfium2", "bare pypdfium2 get_text_range"),
    ):
        s = c[name]["seconds"]
        lines.append(
            f"    {label:<44}{s:>8.2f}{pages / s:>11,.1f}{1000 * s / pages:>10.2f}"
            f"{c[name]['identical_to_source']:>8}/{c['files']}{c[name]['source_chars_found']:>12.4f}"
        )
    lines.append(
        f"  ratio pipeline/pdfplumber {d['pipeline_vs_pdfplumber']:.2f}x, pipeline/pypdfium2 "
        f"{d['pipeline_vs_pypdfium2']:.2f}x (speed)"
    )
    lines.append("  whole process:                                  wall s   pages/s   peak MB")
    for name, label in (
        ("pdfplumber", "bare pdfplumber"),
        ("pypdfium2", "bare pypdfium2"),
        ("extract_jobs1", "extract --jobs 1 --no-cache (incl. extraction)"),
    ):
        run = p[name]
        lines.append(
            f"    {label:<46}{run['wall']:>8.2f}{pages / run['wall']:>10.1f}"
            f"{run['tree_rss_mb']:>10,.0f}"
        )
    lines.append(
        f"  ratio extract/pdfplumber, whole process: {d['whole_process_vs_pdfplumber']:.2f}x"
    )
    return lines
