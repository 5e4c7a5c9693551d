"""Check the shipped sample corpus against its gold labels.

Given samples/source/, samples/formats.yaml and samples/gold.jsonl, report every
inconsistency and exit non-zero when there is one.

Checks:
- every canonical text is UTF-8 without BOM, encodes to GBK, and has 1,800-4,000 CJK characters;
- formats.yaml lists every source file exactly once, with a known format;
- gold.jsonl has one line per report, with the file path formats.yaml implies;
- every metric id and practice id is in the catalog (ids copied from shared/METRICS.md);
- every metric and unlabeled evidence is an exact substring of its canonical text;
- meta matches formats.yaml; doc_number and signing date occur in the text, and the report on
  year Y is signed in Y or early Y+1;
- one value per metric and report; values are numbers; approx is a bool;
- every section heading is a whole line of the text, with a known kind;
- every Arabic number and every Chinese numeral followed by a measure word is covered by
  some evidence (metric or unlabeled), so that no number in the text is left unlabeled
  (heading ordinals at the start of a line, like "1." or "（2）", are exempt).

Usage: python samples/check_gold.py  (stdlib + pyyaml only)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent

METRIC_IDS = {
    # leadership
    "leadership_meetings",
    "issues_resolved",
    # study
    "legal_study_sessions",
    "legal_trainings",
    "exam_pass_rate",
    "enforcement_certificates",
    "study_attendance",
    "exam_participation_rate",
    # disclosure
    "info_disclosures",
    "public_notices",
    "disclosure_requests",
    # enforcement
    "enforcement_cases",
    "legality_reviews",
    "duty_list_items",
    "normative_documents",
    # oversight
    "admin_reconsiderations",
    "admin_litigation_cases",
    "litigation_losses",
    "head_appearance_rate",
    # legal_service
    "legal_advisers",
    "legal_consultations",
    "legal_aid_cases",
    "legal_literates",
    # disputes
    "disputes_mediated",
    "disputes_screened",
    "mediation_success_rate",
    "petitions_handled",
    "mass_incidents",
    # publicity
    "publicity_events",
    "school_law_events",
    "materials_distributed",
    "people_reached",
}

PRACTICE_IDS = {
    "three_systems",
    "legal_adviser_system",
    "pre_meeting_study",
    "rule_of_law_vice_principal",
    "first_responsible_person",
    "power_list",
    "double_random",
    "constitution_day",
    "civil_code_month",
    "law_into_seven",
}

SECTION_KINDS = {"achievements", "problems", "plans", "other"}

EXTENSIONS = {"txt": "txt", "txt-gbk": "txt", "docx": "docx", "pdf": "pdf", "html": "html"}

MIN_CJK, MAX_CJK = 1800, 4000

# A heading ordinal at the start of a line: 1. / 1、 / （1） / (1). Not a number to label.
HEADING_ORDINAL = re.compile(r"^\s*(?:\d+[.、．]|[（(]\d+[）)])", re.M)
# An Arabic number (digits, decimal point, thousands comma).
ARABIC_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A Chinese numeral followed (optionally after 余/多) by a measure word: 六次, 三项, 一百二十余人.
CHINESE_COUNT = re.compile(
    r"[零一二两三四五六七八九十百千万]+(?:余|多)?"
    r"(?:次|场|件|名|人|项|份|起|期|个|家|所|条|篇|批|轮|户|宗|类|位|支)"
)
# Fixed phrases where a numeral + measure word is plain language, not a number to label.
CHINESE_IDIOMS = ("一件事", "一次性", "一起", "一批", "一项", "一支")

CJK = re.compile(r"[\u4e00-\u9fff]")


def load_reports() -> tuple[dict, list[str]]:
    """Given formats.yaml, return {(township, year): format} and a list of errors."""
    errors: list[str] = []
    formats = yaml.safe_load((HERE / "formats.yaml").read_text(encoding="utf-8"))
    reports: dict = {}
    for entry in formats["reports"]:
        key = (entry["township"], int(entry["year"]))
        if key in reports:
            errors.append(f"formats.yaml lists {key} twice")
        if entry["format"] not in EXTENSIONS:
            errors.append(f"formats.yaml: unknown format {entry['format']!r} for {key}")
        reports[key] = entry["format"]
    names = {t["name"] for t in formats.get("townships", [])}
    for township, _ in reports:
        if names and township not in names:
            errors.append(f"formats.yaml: {township} missing from townships list")
    sources = {(p.stem, int(p.parent.name)) for p in (HERE / "source").glob("*/*.txt")}
    for key in sorted(sources - set(reports)):
        errors.append(f"source file {key} not listed in formats.yaml")
    for key in sorted(set(reports) - sources):
        errors.append(f"formats.yaml lists {key} but source/{key[1]}/{key[0]}.txt is missing")
    return reports, errors


def text_errors(name: str, raw: bytes) -> list[str]:
    """Given the bytes of a canonical text, return encoding and length errors."""
    errors = []
    if raw.startswith(b"\xef\xbb\xbf"):
        errors.append(f"{name}: has a BOM")
    text = raw.decode("utf-8")
    try:
        text.encode("gbk")
    except UnicodeEncodeError as exc:
        errors.append(f"{name}: not GBK-encodable: {text[exc.start : exc.end]!r}")
    n_cjk = len(CJK.findall(text))
    if not MIN_CJK <= n_cjk <= MAX_CJK:
        errors.append(f"{name}: {n_cjk} CJK characters, want {MIN_CJK}-{MAX_CJK}")
    return errors


def covered_mask(text: str, evidences: list[str]) -> list[bool]:
    """Given a text and evidence strings, return per-character coverage by any occurrence."""
    mask = [False] * len(text)
    for ev in evidences:
        start = text.find(ev)
        while start != -1:
            for i in range(start, start + len(ev)):
                mask[i] = True
            start = text.find(ev, start + 1)
    return mask


def uncovered_numbers(text: str, evidences: list[str]) -> list[str]:
    """Given a text and its evidences, return the numbers that no evidence covers."""
    mask = covered_mask(text, evidences)
    for m in HEADING_ORDINAL.finditer(text):
        for i in range(m.start(), m.end()):
            mask[i] = True
    missing = []
    for pattern in (ARABIC_NUMBER, CHINESE_COUNT):
        for m in pattern.finditer(text):
            if all(mask[m.start() : m.end()]):
                continue
            if pattern is CHINESE_COUNT and text.startswith(CHINESE_IDIOMS, m.start()):
                continue
            context = text[max(0, m.start() - 4) : m.end() + 3]
            missing.append(f"{m.group()!r} in …{context}…")
    return missing


def gold_errors(row: dict, text: str) -> list[str]:
    """Given one gold row and its canonical text, return the label errors."""
    errors = []
    rid = row["id"]
    seen = set()
    for m in row["metrics"]:
        if m["metric"] not in METRIC_IDS:
            errors.append(f"{rid}: unknown metric id {m['metric']!r}")
        if m["metric"] in seen:
            errors.append(f"{rid}: metric {m['metric']} labelled twice")
        seen.add(m["metric"])
        if not isinstance(m["value"], (int, float)) or isinstance(m["value"], bool):
            errors.append(f"{rid}: {m['metric']} value {m['value']!r} is not a number")
        if not isinstance(m["approx"], bool):
            errors.append(f"{rid}: {m['metric']} approx is not a bool")
        if m["evidence"] not in text:
            errors.append(f"{rid}: evidence not in text: {m['evidence']!r}")
    for p in row["practices"]:
        if p not in PRACTICE_IDS:
            errors.append(f"{rid}: unknown practice id {p!r}")
    if len(set(row["practices"])) != len(row["practices"]):
        errors.append(f"{rid}: a practice is listed twice")
    for u in row["unlabeled_numbers"]:
        if u["evidence"] not in text:
            errors.append(f"{rid}: unlabeled evidence not in text: {u['evidence']!r}")
        if not u.get("why"):
            errors.append(f"{rid}: unlabeled {u['evidence']!r} has no why")
    lines = {line.strip() for line in text.splitlines()}
    for heading, kind in row["sections"]:
        if heading not in lines:
            errors.append(f"{rid}: section heading is not a line of the text: {heading!r}")
        if kind not in SECTION_KINDS:
            errors.append(f"{rid}: unknown section kind {kind!r}")
    evidences = [m["evidence"] for m in row["metrics"]]
    evidences += [u["evidence"] for u in row["unlabeled_numbers"]]
    for miss in uncovered_numbers(text, evidences):
        errors.append(f"{rid}: number not labelled: {miss}")
    return errors


def main() -> int:
    reports, errors = load_reports()
    county = yaml.safe_load((HERE / "formats.yaml").read_text(encoding="utf-8"))["county"]
    gold = {}
    for n, line in enumerate((HERE / "gold.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["id"] in gold:
            errors.append(f"gold.jsonl line {n}: duplicate id {row['id']}")
        gold[row["id"]] = row
    for (township, year), fmt in sorted(reports.items()):
        rid = f"{township}-{year}"
        path = HERE / "source" / str(year) / f"{township}.txt"
        if not path.exists():
            continue
        raw = path.read_bytes()
        errors += text_errors(str(path.relative_to(HERE)), raw)
        row = gold.pop(rid, None)
        if row is None:
            errors.append(f"gold.jsonl has no row for {rid}")
            continue
        want_file = f"{county}/{year}/{township}.{EXTENSIONS[fmt]}"
        if row["file"] != want_file:
            errors.append(f"{rid}: file is {row['file']!r}, formats.yaml implies {want_file!r}")
        meta = row["meta"]
        if (meta["township"], meta["county"], meta["year"]) != (township, county, year):
            errors.append(f"{rid}: meta township/county/year do not match")
        text = raw.decode("utf-8-sig")
        if meta.get("doc_number") and meta["doc_number"] not in text:
            errors.append(f"{rid}: doc_number not in text")
        if meta.get("date"):
            y, m, d = (int(x) for x in meta["date"].split("-"))
            if f"{y}年{m}月{d}日" not in text:
                errors.append(f"{rid}: date {meta['date']} not in text")
            if not (y == year or (y == year + 1 and m <= 3)):
                errors.append(f"{rid}: signed {meta['date']}, not late {year} or early {year + 1}")
        errors += gold_errors(row, text)
    for rid in gold:
        errors.append(f"gold.jsonl row {rid} has no report in formats.yaml")
    for e in errors:
        print(e)
    print(f"{len(reports)} reports checked, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
