"""The command line, run in-process through main(): exit codes, messages, help, README."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from pipeline.cli import build_parser, main
from tests.conftest import RAW, ROOT


def commands():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices


def test_every_command_has_help_and_appears_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, parser in commands().items():
        assert parser.description, name
        assert f"python -m pipeline {name}" in readme, f"README does not show `{name}`"


def test_every_make_target_is_documented():
    import re

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = re.findall(r"^([a-z][\w-]*):(?!=)(.*)$", makefile, flags=re.MULTILINE)
    assert {
        "help",
        "analyze",
        "test",
        "eval",
        "lint",
        "clean",
        "bench",
        "notebooks",
        "jupyter",
    } <= {t for t, _ in targets}
    for target, rest in targets:
        assert "## " in rest, f"make {target} has no ## help comment"


def test_missing_input_folder_is_one_line_and_exit_2(tmp_path, capsys):
    code = main(["extract", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: input folder not found")
    assert len(err.strip().splitlines()) == 1


def test_output_inside_input_is_refused(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("2024年,调解纠纷12件。", encoding="utf-8")
    assert main(["extract", str(tmp_path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "inside the input folder" in capsys.readouterr().err


def test_bad_limit_names_the_allowed_ones(tmp_path, capsys):
    code = main(["extract", str(RAW), "--out", str(tmp_path), "--limit", "pages=3", "--quiet"])
    assert code == 2
    assert "max_pdf_pages" in capsys.readouterr().err


@pytest.fixture()
def mixed_folder(tmp_path):
    """Two good reports beside a truncated PDF, an empty file, junk named .txt and a .doc."""
    folder = tmp_path / "raw"
    good = ["青溪县/2024/清河镇.txt", "青溪县/2024/柳塘镇.pdf"]
    for rel in good:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(RAW / rel, folder / rel)
    pdf = (RAW / "青溪县/2024/柳塘镇.pdf").read_bytes()
    (folder / "青溪县/2024/石门乡.pdf").write_bytes(pdf[: len(pdf) // 2])
    (folder / "青溪县/2024/白沙乡.txt").write_bytes(b"")
    (folder / "青溪县/2024/梅岭乡.txt").write_bytes(bytes((i * 131 + 7) % 256 for i in range(5000)))
    (folder / "青溪县/2024/杏花乡.doc").write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000
    )
    return folder


def test_bad_files_get_rows_with_reasons_and_good_files_are_processed(
    mixed_folder, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(
        shutil, "which", lambda name: None
    )  # no LibreOffice here, whatever the machine
    out = tmp_path / "out"
    assert main(["extract", str(mixed_folder), "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    docs = pd.read_csv(out / "documents.csv", encoding="utf-8-sig").set_index("doc_id")
    assert len(docs) == 6
    reasons = docs["reason"].fillna("")
    assert docs.loc["青溪县/2024/石门乡.pdf", "status"] == "failed"
    assert "truncated or corrupt PDF" in reasons["青溪县/2024/石门乡.pdf"]
    assert reasons["青溪县/2024/白沙乡.txt"] == "empty file (0 bytes)"
    assert (
        "binary content" in reasons["青溪县/2024/梅岭乡.txt"]
        or "cannot decode" in reasons["青溪县/2024/梅岭乡.txt"]
    )
    assert "LibreOffice" in reasons["青溪县/2024/杏花乡.doc"]
    assert docs.loc["青溪县/2024/清河镇.txt", "status"] == "ok"
    assert docs.loc["青溪县/2024/柳塘镇.pdf", "status"] == "ok"
    metrics = pd.read_csv(out / "metrics.csv", encoding="utf-8-sig")
    assert set(metrics["doc_id"]) == {"青溪县/2024/清河镇.txt", "青溪县/2024/柳塘镇.pdf"}
    assert "6 files: 2 ok, 4 failed" in capsys.readouterr().out


def test_analyze_says_what_it_is_doing_unless_quiet(mixed_folder, tmp_path, capsys):
    out = str(tmp_path / "out")
    assert main(["analyze", str(mixed_folder), "--out", out, "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert "analysing 6 reports" in err
    assert "writing the charts, report.xlsx and report.html" in err
    assert main(["analyze", str(mixed_folder), "--out", out, "--jobs", "1", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_strict_exits_1_when_a_file_failed(mixed_folder, tmp_path):
    assert (
        main(
            [
                "extract",
                str(mixed_folder),
                "--out",
                str(tmp_path / "o"),
                "--jobs",
                "1",
                "--strict",
                "--quiet",
            ]
        )
        == 1
    )


def test_starting_a_run_does_not_import_scikit_learn():
    """scikit-learn takes 1.5 s to import; the text analysis imports it where it runs."""
    import subprocess
    import sys

    code = (
        "import sys, pipeline.cli, pipeline.run, pipeline.analyze, pipeline.report; "
        "print('sklearn' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "False"
