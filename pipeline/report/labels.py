"""Chinese display labels of the report: severities, flag rules, similarity kinds."""

from __future__ import annotations

SEVERITY_LABELS = {"high": "高", "medium": "中", "low": "低"}

# Fill colours (RGB hex) by severity, shared by the workbook and the HTML report.
SEVERITY_COLOURS = {"high": "F8CBAD", "medium": "FFE699", "low": "DDEBF7"}

RULE_LABELS = {
    "no_quantitative_evidence": "无量化数据",
    "bottom_quartile": "指标居全县后四分之一",
    "practice_missing": "缺少多数乡镇已有的做法",
    "year_over_year_drop": "同比大幅下降",
    "no_longer_reported": "指标不再报告",
    "required_item_missing": "缺少规定内容",
    "self_named_problem": "自述问题",
    "copied_text": "疑似照抄其他乡镇",
    "copied_from_last_year": "疑似照搬上年报告",
    "foreign_name": "出现其他乡镇或县名称",
}

KIND_LABELS = {"same_year": "同年不同乡镇", "consecutive_years": "同一乡镇相邻年度"}


def severity_label(severity: str) -> str:
    return SEVERITY_LABELS.get(severity, severity)


def rule_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule)
