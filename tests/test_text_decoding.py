import os

import pytest

from pipeline.errors import DocumentError
from pipeline.ingest.text import decode_text, looks_like_text

REPORT = "关于2023年度法治政府建设情况的报告\n全年调解矛盾纠纷12件，未发生群体性事件。"


@pytest.mark.parametrize(
    "encoding, detected",
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),
        ("utf-16-le", "utf-16-le"),
        ("utf-16-be", "utf-16-be"),
    ],
)
def test_every_chinese_encoding_decodes_to_the_same_text(encoding, detected):
    text, found = decode_text(REPORT.encode(encoding))
    assert text.lstrip("\ufeff") == REPORT
    assert found == detected


def test_random_bytes_are_an_error_not_mojibake():
    junk = bytes((i * 97 + 13) % 256 for i in range(4000))
    with pytest.raises(DocumentError, match=r"binary|decode"):
        decode_text(junk)


def test_high_bytes_without_nul_are_an_error():
    with pytest.raises(DocumentError, match="cannot decode"):
        decode_text(bytes(range(128, 256)) * 5)


def test_utf8_read_as_gbk_is_not_accepted():
    # UTF-8 bytes are valid UTF-8 first; but GBK-decoding them would give mojibake.
    mojibake = REPORT.encode("utf-8").decode("gb18030", errors="replace")
    assert not looks_like_text(mojibake)


def test_ascii_text_is_text():
    assert decode_text(b"Annual report 2023")[0] == "Annual report 2023"


def test_os_urandom_never_decodes_silently():
    for _ in range(20):
        data = os.urandom(3000)
        try:
            text, _enc = decode_text(data)
        except DocumentError:
            continue
        raise AssertionError(f"random bytes decoded as {_enc}: {text[:40]!r}")
