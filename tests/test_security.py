"""Security: report strings stay text in report.html and report.xlsx, nothing outside the input
folder is read, and no process of a run touches the network.

The end-to-end checks look at the hostile folder's run (tests/hostile_fixtures.py): it holds a
report with <script> and formulas in its sentences, a file named <img src=x onerror=...>镇.txt,
a townships.csv with that name, and symbolic links to /etc/passwd and /etc. The run's
processes carry an audit hook that refuses network access and logs any open of a link or its
target.
"""

from __future__ import annotations

import sys
import zipfile
from html.parser import HTMLParser

import pytest
from hostile_fixtures import JOBS, hostile_run

from pipeline.ingest import discover
from pipeline.run import RunSettings, extract_corpus, run_extract
from pipeline.samples.hostile import IMG, SCRIPT

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="symlinks and /proc")
FORMULA_STARTS = ("=", "+", "-", "@")


@pytest.fixture(scope="module")
def run():
    result = hostile_run()
    assert result.returncode == 0, result.stderr
    return result


# --- report.html ----------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes, and the text of any script."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


SAFE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "nav", "a", "section",
    "p", "table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption", "img", "blockquote",
    "div", "span", "ul", "ol", "li", "b", "i", "strong", "em", "small", "br", "details", "summary",
    "code",
}  # fmt: skip


def test_hostile_strings_reach_report_html_only_as_text(run):
    page = (run.out / "report.html").read_text(encoding="utf-8")
    assert SCRIPT not in page and IMG not in page
    # the strings did reach the page: a flag quotes the <script> sentence, the files list the name
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_report_html_has_no_script_no_handler_and_only_embedded_images(run):
    parser = _Tags()
    parser.feed((run.out / "report.html").read_text(encoding="utf-8"))
    tags = {tag for tag, _ in parser.tags}
    assert tags <= SAFE_TAGS, tags - SAFE_TAGS
    for tag, attrs in parser.tags:
        assert not [a for a in attrs if a.lower().startswith("on")], (tag, attrs)
        if tag == "img":
            assert attrs["src"].startswith("data:image/png;base64,")
        if tag == "a":
            assert attrs.get("href", "#").startswith("#"), attrs


# --- report.xlsx ----------------------------------------------------------------------------


def test_workbook_cells_that_look_like_formulas_are_text(run):
    import openpyxl

    path = run.out / "report.xlsx"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    workbook = openpyxl.load_workbook(path)
    formula_like = []
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    assert cell.data_type == "s"
                    formula_like.append(cell.value)
    # the hostile strings did reach the workbook: evidence sentences and file names
    assert any(v.startswith('=HYPERLINK("http://example.invalid"') for v in formula_like)
    assert "=1+2.txt" in formula_like and "-leading-dash.txt" in formula_like
    assert any(v.startswith(("@SUM", "-1+1")) for v in formula_like)


# --- nothing outside the input folder ---------------------------------------------------------


def test_no_link_and_no_link_target_was_opened_by_any_process(run):
    opened = [line for line in run.guard_log if line.startswith("open ")]
    assert opened == []
    passwd = (run.folder / "links" / "passwd.txt").resolve()
    assert str(passwd) == "/etc/passwd"
    assert "root:" not in "".join(
        p.read_text(encoding="utf-8") for p in (run.out / "text").rglob("*.txt")
    )


@pytest.fixture()
def outside(tmp_path):
    """An input folder with links out of it to a secret file and folder, and one good report."""
    secret_dir = tmp_path / "outside"
    secret_dir.mkdir()
    secret = secret_dir / "secret.txt"
    secret.write_text("机密：全年办理行政处罚案件999999件。\n", encoding="utf-8")
    raw = tmp_path / "raw"
    (raw / "a").mkdir(parents=True)
    (raw / "a" / "report.txt").write_text(
        "关于2024年度法治政府建设情况的报告\n全年开展普法宣传活动12场。\n", encoding="utf-8"
    )
    (raw / "a" / "secret.txt").symlink_to(secret)
    (raw / "a" / "relative.txt").symlink_to("../../outside/secret.txt")
    (raw / "folder").symlink_to(secret_dir, target_is_directory=True)
    return raw, secret_dir


def test_links_out_of_the_folder_are_listed_never_followed(outside, tmp_path):
    raw, _secret_dir = outside
    events: list[tuple[str, str]] = []
    watching = [True]

    def hook(event, args):
        if (
            watching[0]
            and event in ("open", "os.listdir", "os.scandir")
            and args
            and args[0] is not None
        ):
            path = args[0] if isinstance(args[0], str | bytes) else str(args[0])
            events.append((event, str(path)))

    sys.addaudithook(hook)  # hooks cannot be removed: this one goes quiet after the test
    try:
        result = run_extract(
            raw, tmp_path / "out", RunSettings(jobs=1, cache=False, progress=False)
        )
    finally:
        watching[0] = False
    docs = result.documents.set_index("doc_id")
    assert sorted(docs.index) == ["a/relative.txt", "a/report.txt", "a/secret.txt", "folder"]
    for doc_id in ("a/relative.txt", "a/secret.txt", "folder"):
        assert docs.loc[doc_id, "status"] == "failed"
        assert "links are not followed" in docs.loc[doc_id, "reason"]
    touched = [
        (e, p) for e, p in events if "outside" in p or p.endswith(("secret.txt", "relative.txt"))
    ]
    assert touched == []
    written = b"".join(p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert b"999999" not in written


def test_discover_does_not_enter_a_linked_folder(outside):
    raw, _ = outside
    ids = [e.doc_id for e in discover(raw)]
    assert "folder" in ids and not any(i.startswith("folder/") for i in ids)


# --- no network -------------------------------------------------------------------------------


def test_the_run_made_no_network_access(run):
    guarded = {line.split("pid=")[1] for line in run.guard_log if line.startswith("guard ")}
    assert len(guarded) >= 1 + JOBS  # the main process and every worker carried the guard
    assert [line for line in run.guard_log if line.startswith("network")] == []


def test_the_guard_does_refuse_a_connection(tmp_path):
    """The guard is not vacuous: code that connects is stopped and logged."""
    import subprocess

    from hostile_fixtures import GUARD, ROOT

    (tmp_path / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    log = tmp_path / "guard.log"
    code = (
        "import socket\ntry:\n    socket.create_connection(('example.invalid', 80), timeout=1)\n"
        "except PermissionError as e:\n    print('refused', e)\n"
    )
    env = {
        "PYTHONPATH": f"{tmp_path}:{ROOT}",
        "PIPELINE_GUARD_LOG": str(log),
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert "refused network access refused by the test guard" in out.stdout
    assert any(
        line.startswith("network socket.getaddrinfo") for line in log.read_text().splitlines()
    )


def test_extract_in_process_with_sockets_unusable(monkeypatch, tmp_path, outside):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("the pipeline opened a network socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    raw, _ = outside
    docs = extract_corpus(raw, RunSettings(jobs=1, cache=False, progress=False)).documents
    assert (docs["status"] == "ok").sum() + (docs["status"] == "warning").sum() == 1
