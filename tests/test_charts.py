"""Charts: Chinese glyphs render (a missing glyph fails the test), not reported is drawn apart
from 0, the same tables give the same PNG bytes, and the number of charts is bounded."""

import warnings

import matplotlib
import matplotlib.pyplot as plt
import pytest
from analysis_fixtures import documents_frame, metrics_frame, sample_analysis

from pipeline.analyze import load_settings
from pipeline.analyze.compare import documents_to_comparable, metrics_to_comparison
from pipeline.analyze.settings import settings_from_dict
from pipeline.config import DEFAULT_ANALYSIS, load_yaml
from pipeline.report import county_year_figures
from pipeline.report.charts import NOT_REPORTED, figure_to_png, metric_bars_figure
from pipeline.report.fonts import bundled_font_path, chart_style, cjk_family, register_font

SETTINGS = load_settings()
PNG = b"\x89PNG\r\n\x1a\n"


def _all_tables():
    tables, _texts, _towns, out = sample_analysis()
    return {**tables, **out}


def test_agg_backend_and_a_cjk_font():
    assert matplotlib.get_backend().lower() == "agg"
    assert bundled_font_path() is not None and bundled_font_path().is_file()
    assert cjk_family() in chart_style()["font.sans-serif"]


def test_bundled_font_draws_chinese_without_a_system_font():
    """The fresh-machine path: the Noto Sans CJK SC file of the mplfonts wheel, by file."""
    family = register_font(bundled_font_path())
    assert family == "Noto Sans CJK SC"
    with plt.rc_context({"font.family": "sans-serif", "font.sans-serif": [family]}):
        fig, ax = plt.subplots()
        ax.set_title("各乡镇分维度得分 未报告")
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            png = figure_to_png(fig, 50)
    assert png.startswith(PNG)


def test_missing_glyphs_would_fail_this_suite():
    """The check below is real: without the CJK font, Chinese text warns 'Glyph … missing'."""
    with plt.rc_context({"font.family": "DejaVu Sans"}):
        fig, ax = plt.subplots()
        ax.set_title("未报告")
        with pytest.warns(UserWarning, match="Glyph"):
            figure_to_png(fig, 50)


@pytest.fixture(scope="module")
def figures():
    """Every chart of the sample county, drawn with glyph warnings turned into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("error", RuntimeWarning)
        return county_year_figures(_all_tables(), SETTINGS)


def test_every_chart_renders_chinese_without_missing_glyphs(figures):
    kinds = {f.path.rsplit("_", 1)[-1] for f in figures}
    assert {"scores.png", "slopes.png", "similarity.png", "practices.png"} <= kinds
    assert any("_metric_" in f.path for f in figures)
    assert any("_radar_" in f.path for f in figures)
    assert all(f.png.startswith(PNG) and len(f.png) > 5000 for f in figures)
    assert all(f.path.startswith("figures/") for f in figures)


def test_same_tables_same_bytes(figures):
    raw = load_yaml(DEFAULT_ANALYSIS)
    raw["charts"]["max_radars"] = 1
    raw["charts"]["key_metrics"] = ["publicity_events"]
    again = {f.path: f.png for f in county_year_figures(_all_tables(), settings_from_dict(raw))}
    first = {f.path: f.png for f in figures}
    assert again and all(first[path] == png for path, png in again.items())


def test_charts_drawn_on_worker_processes_are_the_same(figures):
    assert len(figures) >= 16  # enough for two workers
    parallel = county_year_figures(_all_tables(), SETTINGS, jobs=2)
    assert [(f.path, f.title) for f in parallel] == [(f.path, f.title) for f in figures]
    assert all(a.png == b.png for a, b in zip(parallel, figures, strict=True))


def test_not_reported_is_drawn_apart_from_zero():
    docs = documents_to_comparable(
        documents_frame(
            [
                {"doc_id": f"县/2023/{t}.txt", "county": "县", "township": t, "year": 2023}
                for t in ("零镇", "十镇", "空镇")
            ]
        )
    )
    metrics = metrics_frame(
        [
            {"doc_id": "县/2023/零镇.txt", "metric": "publicity_events", "value": 0},
            {"doc_id": "县/2023/十镇.txt", "metric": "publicity_events", "value": 10},
        ]
    )
    comparison = metrics_to_comparison(docs, metrics, None, SETTINGS)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        with plt.rc_context(chart_style()):
            fig = metric_bars_figure(comparison, "publicity_events", SETTINGS, "普法宣传活动")
            ax = fig.axes[0]
            labels = [t.get_text() for t in ax.texts]
            ticks = [t.get_text() for t in ax.get_xticklabels()]
            assert labels == ["10", "0", NOT_REPORTED]
            assert ticks == ["十镇", "零镇", "空镇"]
            stubs = [p for p in ax.patches if p.get_hatch()]
            assert len(stubs) == 1 and stubs[0].get_height() > 0
            zero_bar = [p for p in ax.patches if not p.get_hatch()][1]
            assert zero_bar.get_height() == 0
            assert any("中位数" in t.get_text() for t in ax.get_legend().get_texts())
            figure_to_png(fig, 60)


def test_chart_count_is_bounded_by_settings(figures):
    assert sum("_radar_" in f.path for f in figures) == 12  # one per township, under max_radars
    raw = load_yaml(DEFAULT_ANALYSIS)
    raw["charts"]["max_county_years"] = 0
    assert county_year_figures(_all_tables(), settings_from_dict(raw)) == []
