"""Executing the analysts' notebooks (``make notebooks`` and the test suite).

Notebooks read the processed folder named by ``PROCESSED`` in their first cell; when that is
None they ask ``pipeline.explore.processed_dir()``, which honours the PIPELINE_PROCESSED
environment variable set here, so one notebook file runs on any folder unchanged.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from pipeline.config import PROJECT_DIR
from pipeline.errors import PipelineError
from pipeline.outputs import atomic_write_text

NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
ENV_VAR = "PIPELINE_PROCESSED"
CELL_TIMEOUT = 600


def notebook_paths(directory: Path = NOTEBOOKS_DIR) -> list[Path]:
    """Return the notebooks in run order."""
    return sorted(directory.glob("[0-9][0-9]-*.ipynb"))


@contextmanager
def _environment(processed: str | os.PathLike | None):
    old = os.environ.get(ENV_VAR)
    if processed is not None:
        os.environ[ENV_VAR] = str(Path(processed).resolve())
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = old


def execute_notebook(path: Path, processed: str | os.PathLike | None = None):
    """Given a notebook path, execute it and return the executed notebook.

    Raises nbclient's CellExecutionError on the first cell that fails.
    """
    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError:
        raise PipelineError(
            "running notebooks needs the `notebooks` extra",
            hint="pip install '.[notebooks]' (make installs it into .venv)",
        ) from None
    notebook = nbformat.read(path, as_version=4)
    with _environment(processed):
        client = NotebookClient(
            notebook,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    return notebook


def execute_notebooks(out_dir: Path, processed: str | os.PathLike | None = None) -> list[Path]:
    """Execute every notebook and write it as HTML into out_dir; return the HTML paths."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter()
    written = []
    for path in notebook_paths():
        notebook = execute_notebook(path, processed)
        body, _ = exporter.from_notebook_node(notebook)
        target = Path(out_dir) / f"{path.stem}.html"
        atomic_write_text(target, body)
        written.append(target)
    return written
