import stat
import subprocess
import sys

import pandas as pd
import pytest

from pipeline import contracts
from pipeline.errors import ContractError
from pipeline.outputs import OutputSet, csv_bytes, format_number, read_table


def metrics_frame():
    return pd.DataFrame(
        {
            "doc_id": ["a.txt", "b.txt"],
            "township": ["清河镇", "石门乡"],
            "county": ["青溪县", "青溪县"],
            "year": [2024, 2024],
            "dimension": ["disputes", "study"],
            "metric": ["disputes_mediated", "exam_pass_rate"],
            "value": [12.0, 98.5],
            "unit": ["件", "%"],
            "approx": [False, True],
            "evidence": ["调解矛盾纠纷12件", "合格率98.5%"],
            "start": [6, 3],
            "end": [8, 8],
            "section": ["一、", None],
            "rule": ["object_number", "rate"],
            "note": [None, None],
        }
    )


def test_contract_orders_and_types_columns():
    df = contracts.conform(metrics_frame()[list(reversed(contracts.columns("metrics")))], "metrics")
    assert list(df.columns) == contracts.columns("metrics")
    assert str(df["year"].dtype) == "Int64"
    assert str(df["approx"].dtype) == "boolean"


def test_contract_names_missing_and_extra_columns():
    df = metrics_frame().drop(columns=["evidence"]).assign(extra=1)
    with pytest.raises(
        ContractError, match=r"missing columns \['evidence'\].*unexpected columns \['extra'\]"
    ):
        contracts.conform(df, "metrics")


def test_contract_rejects_empty_required_values_and_bad_enums():
    df = metrics_frame()
    df.loc[0, "evidence"] = None
    with pytest.raises(ContractError, match="evidence has empty values"):
        contracts.conform(df, "metrics")
    docs = pd.DataFrame({c: [None] for c in contracts.columns("documents")})
    docs[["doc_id", "format", "status", "chars"]] = ["a", "txt", "broken", 0]
    with pytest.raises(ContractError, match="status has values"):
        contracts.conform(docs, "documents")


def test_a_table_made_from_rows_equals_the_conformed_frame_of_them():
    rows = metrics_frame().astype(object).where(metrics_frame().notna(), None).to_dict("records")
    rows[1]["year"] = 2024.0  # a whole float in an int column, as JSON gives back
    rows[0]["extra"] = "ignored"  # keys beyond the columns are left out, as before
    made = contracts.frame(rows, "metrics")
    pd.testing.assert_frame_equal(made, contracts.conform(metrics_frame(), "metrics"))
    assert made.dtypes.to_dict() == contracts.empty("metrics").dtypes.to_dict()
    assert contracts.frame([], "metrics").empty


def test_rows_a_column_cannot_take_get_the_conform_errors():
    rows = metrics_frame().to_dict("records")
    rows[0]["approx"] = "yes"  # read by the long way, as conform reads it
    assert contracts.frame(rows, "metrics")["approx"].tolist() == [True, True]
    rows[0]["start"] = 6.5
    with pytest.raises(ContractError, match="start is not int: has fractional values"):
        contracts.frame(rows, "metrics")
    del rows[1]["evidence"]
    with pytest.raises(ContractError, match="evidence has empty values"):
        contracts.frame(rows[1:], "metrics")


def test_csv_has_bom_integral_numbers_without_decimals_and_lowercase_booleans():
    data = csv_bytes(contracts.conform(metrics_frame(), "metrics"))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert ",12,件,false," in text
    assert ",98.5,%,true," in text


def test_format_number():
    assert [format_number(x) for x in (12.0, 98.5, None, 1 / 3)] == ["12", "98.5", "", "0.333333"]


def test_output_set_commits_atomically_and_round_trips(tmp_path):
    with OutputSet(tmp_path) as out:
        out.write_table(metrics_frame(), "metrics")
        assert not (tmp_path / "metrics.csv").exists()  # staged, not yet in place
    back = read_table(tmp_path, "metrics")
    assert back["value"].tolist() == [12.0, 98.5]
    assert not list(tmp_path.glob(".staging-*"))


def test_a_failing_run_leaves_the_previous_outputs(tmp_path):
    with OutputSet(tmp_path) as out:
        out.write_text("report.html", "old")
    with pytest.raises(RuntimeError), OutputSet(tmp_path) as out:
        out.write_text("report.html", "new")
        raise RuntimeError("killed")
    assert (tmp_path / "report.html").read_text() == "old"
    assert not list(tmp_path.glob(".staging-*"))


def test_replace_dirs_removes_files_of_earlier_runs(tmp_path):
    with OutputSet(tmp_path) as out:
        out.write_text("figures/a.png", "a")
        out.write_text("figures/b.png", "b")
    out = OutputSet(tmp_path)
    out.write_text("figures/a.png", "a2")
    out.commit(replace_dirs=("figures",))
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["a.png"]


def test_same_table_gives_identical_bytes():
    df = contracts.conform(metrics_frame(), "metrics")
    assert csv_bytes(df) == csv_bytes(df.copy())


def test_atomic_writes_are_readable_like_any_new_file(tmp_path):
    # mkstemp makes 0600 files: an HTML report only its writer could open on a shared machine
    target = tmp_path / "report.html"
    code = (
        "import os, sys; os.umask(0o022); from pipeline.outputs import atomic_write_text; "
        "atomic_write_text(sys.argv[1], '<p>报告</p>')"
    )
    subprocess.run([sys.executable, "-c", code, str(target)], check=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_text(encoding="utf-8") == "<p>报告</p>"


def test_a_table_written_to_its_file_has_the_csv_bytes_and_reads_back_from_parquet(tmp_path):
    from pipeline.outputs import write_csv, write_parquet

    df = contracts.conform(metrics_frame(), "metrics")
    write_csv(df, tmp_path / "m.csv")
    write_parquet(df, tmp_path / "m.parquet")
    assert (tmp_path / "m.csv").read_bytes() == csv_bytes(df)
    assert (tmp_path / "m.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # one BOM
    assert (tmp_path / "m.csv").read_bytes().count(b"\xef\xbb\xbf") == 1
    back = pd.read_parquet(tmp_path / "m.parquet")
    assert back.equals(df)
    write_parquet(df, tmp_path / "again.parquet")  # the same bytes on every write
    assert (tmp_path / "again.parquet").read_bytes() == (tmp_path / "m.parquet").read_bytes()
