"""The number parser against its case table (tests/cases/numbers.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.extract.numbers import NumeralError, find_quantities, parse_numeral

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "numbers.yaml").read_text("utf-8"))


def _param(case: dict, key: str):
    marks = [pytest.mark.xfail(strict=True)] if case.get("expect", "pass") == "fail" else []
    return pytest.param(case, id=str(case[key]) or "<empty>", marks=marks)


@pytest.mark.parametrize("case", [_param(c, "numeral") for c in CASES["parse"]])
def test_parse_numeral(case):
    if case.get("error"):
        with pytest.raises(NumeralError):
            parse_numeral(case["numeral"])
        return
    value, approx = parse_numeral(case["numeral"])
    assert value == pytest.approx(case["value"])
    assert approx == case.get("approx", False)


@pytest.mark.parametrize("case", [_param(c, "text") for c in CASES["find"]])
def test_find_quantities(case):
    text = case["text"]
    found = find_quantities(text)
    for q in found:
        assert 0 <= q.start < q.end <= q.measure_end <= len(text)
    counts = [q for q in found if not q.skip and q.measure]
    if "counts" in case:
        got = [[text[q.start : q.end], q.value, q.measure] for q in counts]
        assert got == [[c[0], pytest.approx(c[1]), c[2]] for c in case["counts"]]
        assert [text[q.start : q.end] for q in counts if q.approx] == case.get("approx", [])
    if "others" in case:
        assert [text[q.start : q.end] for q in found if not q.skip and not q.measure] == case[
            "others"
        ]
    for reason, numerals in case.get("skips", {}).items():
        assert [text[q.start : q.end] for q in found if q.skip == reason] == numerals, reason
