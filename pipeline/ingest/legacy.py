"""Legacy Word (.doc) and WPS (.wps) files: converted to .docx by LibreOffice, then read.

LibreOffice runs headless in a temporary folder with its own throw-away profile (so a user's
running LibreOffice or a stale lock does not block it) and a timeout of ``limits.max_seconds``.
Without LibreOffice the file is a failed row that says what to do.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from pipeline.config import Limits
from pipeline.errors import DocumentError
from pipeline.ingest.docx import read_docx
from pipeline.ingest.model import RawText

SOFFICE_NAMES = ("soffice", "libreoffice")
LEGACY_SUFFIXES = (".doc", ".wps")


def find_soffice() -> str | None:
    """Return the path of LibreOffice's command-line program, or None when not installed."""
    for name in SOFFICE_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def convert_to_docx(data: bytes, suffix: str, soffice: str, limits: Limits) -> bytes:
    """Given legacy document bytes, return them converted to .docx by LibreOffice."""
    with tempfile.TemporaryDirectory(prefix="legacy-") as tmp:
        folder = Path(tmp)
        source = folder / f"input{suffix}"
        source.write_bytes(data)
        out_dir = folder / "out"
        command = [
            soffice,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--convert-to",
            "docx",
            "--outdir",
            str(out_dir),
            str(source),
        ]
        returncode, output = run_with_timeout(command, limits.max_seconds, suffix)
        result = out_dir / "input.docx"
        if not result.is_file():
            detail = output.decode("utf-8", "replace").strip()
            last = detail.splitlines()[-1] if detail else f"exit code {returncode}"
            raise DocumentError(f"LibreOffice could not convert the {suffix} file: {last}")
        return result.read_bytes()


def run_with_timeout(command: list[str], seconds: float, suffix: str) -> tuple[int, bytes]:
    """Given a command, run it in its own process group; return (exit code, stderr or stdout).

    On timeout the whole group is killed (soffice is a wrapper that starts soffice.bin) and
    DocumentError names the limit.
    """
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
    except OSError as e:
        raise DocumentError(f"LibreOffice could not be started ({e})") from None
    try:
        stdout, stderr = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise DocumentError(
            f"LibreOffice did not convert the {suffix} file within max_seconds={seconds:g}"
        ) from None
    return process.returncode, stderr or stdout


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.communicate()


def read_legacy(data: bytes, suffix: str, limits: Limits) -> RawText:
    """Given a .doc/.wps file's bytes and suffix, return its text via LibreOffice.

    Raises DocumentError when LibreOffice is not installed, fails or times out.
    """
    suffix = suffix.lower() if suffix.startswith(".") else f".{suffix.lower()}"
    if suffix not in LEGACY_SUFFIXES:
        raise DocumentError(f"{suffix} is not a legacy Word/WPS format")
    if not data.strip():
        raise DocumentError("empty file")
    soffice = find_soffice()
    if soffice is None:
        raise DocumentError(
            f"{suffix} needs LibreOffice (soffice), which is not installed: "
            "save the file as .docx or install libreoffice"
        )
    raw = read_docx(convert_to_docx(data, suffix, soffice, limits), limits)
    return RawText(
        text=raw.text, warnings=(*raw.warnings, f"converted from {suffix} by LibreOffice")
    )
