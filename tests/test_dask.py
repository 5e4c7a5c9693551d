"""--executor dask: per-document work on a Dask cluster gives the same output as a local run."""

from __future__ import annotations

import shutil

import pytest

distributed = pytest.importorskip("distributed")

from pipeline import distributed as pipeline_dask  # noqa: E402
from pipeline.cli import main  # noqa: E402
from pipeline.config import DEFAULT_CATALOG  # noqa: E402
from pipeline.errors import PipelineError  # noqa: E402
from pipeline.run import RunSettings, run_extract  # noqa: E402
from pipeline.samples.synthetic import write_text_corpus  # noqa: E402
from tests.conftest import RAW  # noqa: E402
from tests.test_parallel import output_files  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    """A small cluster in this process: one worker with two threads."""
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as c:
        yield c


def local(raw, out, **kwargs):
    run_extract(raw, out, RunSettings(jobs=1, cache=False, progress=False, **kwargs))
    return output_files(out)


@pytest.mark.slow
def test_sample_county_on_dask_is_byte_identical_to_local(tmp_path, cluster):
    code = main(
        [
            "extract",
            str(RAW),
            "--out",
            str(tmp_path / "dask"),
            "--executor",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
            "--no-cache",
            "--quiet",
        ]
    )
    assert code == 0
    on_dask = output_files(tmp_path / "dask")
    assert len([p for p in on_dask if p.startswith("text/")]) == 24
    expected = local(RAW, tmp_path / "local")
    assert sorted(on_dask) == sorted(expected)
    assert [p for p in expected if expected[p] != on_dask[p]] == []


def test_a_custom_catalog_is_sent_to_the_workers(tmp_path, cluster, monkeypatch):
    raw = write_text_corpus(tmp_path / "corpus", 6, seed=11).raw
    catalog = tmp_path / "elsewhere" / "my_catalog.yaml"
    catalog.parent.mkdir()
    shutil.copyfile(DEFAULT_CATALOG, catalog)
    settings = RunSettings(
        executor="dask",
        scheduler=cluster.scheduler_address,
        cache=False,
        progress=False,
        catalog=str(catalog),
    )
    run_extract(raw, tmp_path / "dask", settings)
    assert output_files(tmp_path / "dask") == local(raw, tmp_path / "local", catalog=str(catalog))


def test_batches_split_by_count_and_size(tmp_path, monkeypatch):
    from pipeline.ingest import discover

    raw = write_text_corpus(tmp_path / "corpus", 10, seed=11).raw
    entries = discover(raw)
    monkeypatch.setattr(pipeline_dask, "BATCH_DOCS", 4)
    assert [len(b) for b in pipeline_dask._batches(entries)] == [4, 4, 2]
    monkeypatch.setattr(pipeline_dask, "BATCH_BYTES", 1)
    assert [len(b) for b in pipeline_dask._batches(entries)] == [1] * 10


def test_links_and_empty_files_fail_locally_as_in_a_local_run(tmp_path, cluster):
    raw = write_text_corpus(tmp_path / "corpus", 2, seed=11).raw
    county = next(p for p in raw.iterdir() if p.is_dir())
    (county / "empty.txt").write_bytes(b"")
    (county / "link.txt").symlink_to(next(county.rglob("*.txt")))
    settings = RunSettings(
        executor="dask", scheduler=cluster.scheduler_address, cache=False, progress=False
    )
    run_extract(raw, tmp_path / "dask", settings)
    assert output_files(tmp_path / "dask") == local(raw, tmp_path / "local")


def test_workers_running_other_code_are_refused(tmp_path, cluster, monkeypatch):
    monkeypatch.setattr(pipeline_dask, "worker_fingerprint", lambda settings: "0000")
    settings = RunSettings(executor="dask", scheduler=cluster.scheduler_address, progress=False)
    with pytest.raises(PipelineError, match="different version of the pipeline"):
        run_extract(RAW, tmp_path / "out", settings)


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pipeline_dask, "CONNECT_SECONDS", 1)
    code = main(
        [
            "extract",
            str(RAW),
            "--out",
            str(tmp_path / "out"),
            "--executor",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--quiet",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert "dask worker" in err
