"""The analysts' notebooks: committed without outputs, free of logic the package should own, and
executed on the sample county without a cell error."""

from __future__ import annotations

import ast

import nbformat
import pytest

from pipeline.notebooks import execute_notebook, notebook_paths

NOTEBOOKS = notebook_paths()
EXPECTED = ["01-metrics-overview", "02-compare-townships", "03-text-reuse", "04-add-a-metric"]


def code_cells(path):
    notebook = nbformat.read(path, as_version=4)
    return [c for c in notebook.cells if c.cell_type == "code"]


def test_the_four_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_carry_no_outputs(path):
    for cell in code_cells(path):
        assert cell.outputs == [], f"{path.name}: a cell has outputs; strip them before committing"
        assert cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_use_the_package_and_define_nothing_it_should_own(path):
    source = "\n".join(c.source for c in code_cells(path))
    tree = ast.parse(source)
    defined = [
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))
    ]
    assert defined == [], f"{path.name} defines {[type(n).__name__ for n in defined]}"
    assert "from pipeline" in source


@pytest.fixture(scope="module")
def executed(sample_processed):
    """Each notebook executed once on the sample county (a cell error fails here)."""
    return {path.stem: execute_notebook(path, processed=sample_processed) for path in NOTEBOOKS}


def shown_text(notebook) -> str:
    return "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_on_the_sample_county(executed, name):
    notebook = executed[name]
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert [o for o in outputs if o.output_type == "error"] == []
    assert len(outputs) >= 4, "the notebook shows too little to be of use"


@pytest.mark.slow
def test_overview_shows_not_reported_apart_from_zero(executed):
    shown = shown_text(executed["01-metrics-overview"])
    assert "未报告" in shown and "not_reported" in shown


@pytest.mark.slow
def test_compare_notebook_shows_flags_changing_with_the_threshold(executed):
    shown = shown_text(executed["02-compare-townships"])
    line = next(x for x in shown.splitlines() if x.startswith("year_over_year_drop"))
    before, after = (int(v) for v in line.split()[1:3])
    assert after > before


@pytest.mark.slow
def test_reuse_notebook_drills_into_the_copied_pair(executed):
    shown = shown_text(executed["03-text-reuse"])
    assert "云溪镇" in shown and "柳塘镇" in shown


@pytest.mark.slow
def test_add_a_metric_notebook_finds_the_new_metric(executed):
    shown = shown_text(executed["04-add-a-metric"])
    assert "deputy_proposals" in shown and "办理镇人大代表建议15件" in shown
    assert "disputes_mediated" in shown and "处置各类纠纷41起" in shown
