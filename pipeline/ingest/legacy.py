"""Legacy Word (.doc) and WPS (.wps) files: converted to .docx by LibreOffice, then read.

LibreOffice runs headless in a temporary folder with its own throw-away profile (so a user's
running LibreOffice or a stale lock does not block it) and a timeout of ``limits.max_seconds``.
Without LibreOffice the file is a failed row that says what to do.
"""

from __future__ import annotations

import shutil
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
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=limits.max_seconds, check=False
            )
        except subprocess.TimeoutExpired:
            raise DocumentError(
                f"LibreOffice did not convert the {suffix} file within "
                f"max_seconds={limits.max_seconds:g}"
            ) from None
        except OSError as e:
            raise DocumentError(f"LibreOffice could not be started ({e})") from None
        result = out_dir / "input.docx"
        if not result.is_file():
            detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
            last = detail.splitlines()[-1] if detail else f"exit code {done.returncode}"
            raise DocumentError(f"LibreOffice could not convert the {suffix} file: {last}")
        return result.read_bytes()


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
    return RawText(text=raw.text, warnings=(*raw.warnings, f"converted from {suffix} by LibreOffice"))
