"""Broken and hostile files, built byte by byte: what township offices send, and worse.

The reader tests and the hostile folder (``pipeline.samples.hostile``) build their files here,
so each construction is written once. Every builder is deterministic: the same arguments give
the same bytes. reportlab and Pillow are imported lazily (development dependencies).
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable

# --- PDF ------------------------------------------------------------------------------------


def reportlab_pdf(draw: Callable, pages: int = 1, **canvas_args) -> bytes:
    """Given a function drawing on a reportlab canvas, return a PDF of ``pages`` such pages."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, invariant=1, **canvas_args)
    for _ in range(pages):
        draw(c)
        c.showPage()
    c.save()
    return out.getvalue()


def draw_hello(c) -> None:
    """Draw one line of Latin text (a core font: no CJK font needed)."""
    c.setFont("Helvetica", 14)
    c.drawString(72, 700, "Rule of law report 2023")


def draw_nothing(c) -> None:
    """Draw nothing: a blank page."""


def encrypted_pdf(
    user_password: str, owner_password: str = "owner", draw: Callable = draw_hello
) -> bytes:
    """Given passwords, return an encrypted PDF; an empty user password opens without asking."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    encrypt = StandardEncryption(userPassword=user_password, ownerPassword=owner_password)
    return reportlab_pdf(draw, encrypt=encrypt)


def draw_lines(lines: list[str], font: str = "STSong-Light", size: float = 12.0) -> Callable:
    """Given text lines, return a drawing function that writes them down one A4 page."""

    def draw(c) -> None:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        if font not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(font))
        c.setFont(font, size)
        for i, line in enumerate(lines):
            c.drawString(72, 770 - i * size * 1.6, line)

    return draw


def mapped_text_pdf(codes_to_unicode: dict[int, int], shown: bytes) -> bytes:
    """A one-page PDF showing ``shown`` in Helvetica with a ToUnicode map of our choosing.

    Mapping the codes to U+FFFD or private-use characters gives the garbage text layer of a PDF
    made with an unmapped CID font.
    """
    cmap = "\n".join(
        ["/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
         "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
         "/CMapName /Test-UCS def /CMapType 2 def",
         "1 begincodespacerange <00> <FF> endcodespacerange",
         f"{len(codes_to_unicode)} beginbfchar"]
        + [f"<{c:02X}> <{u:04X}>" for c, u in sorted(codes_to_unicode.items())]
        + ["endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"]
    ).encode()  # fmt: skip
    content = b"BT /F1 18 Tf 72 700 Td (" + shown + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    return _pdf_file(objects)


def _pdf_file(objects: list[bytes]) -> bytes:
    """Given the bodies of objects 1..n (1 the catalog), return a complete PDF file."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def bars_scan_pdf(pages: int = 1) -> bytes:
    """A scan without a text layer: page images of black bars where lines of text would be."""
    from PIL import Image, ImageDraw

    images = []
    for _ in range(pages):
        img = Image.new("RGB", (595, 842), "white")
        draw = ImageDraw.Draw(img)
        for y in range(100, 700, 30):
            draw.rectangle((80, y, 500, y + 12), fill="black")
        images.append(img)
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=72)
    return out.getvalue()


def huge_page_pdf(points: int = 14400) -> bytes:
    """A scan on a page ``points`` square (14400 is the PDF maximum, 200 inches): rendering it
    at 144 dpi would take 3.3 GB."""
    from PIL import Image

    image = Image.new("L", (64, 64), 255)
    raw = image.tobytes()
    content = b"q %d 0 0 %d 0 0 cm /Im1 Do Q" % (points, points)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] " % (points, points)
        + b"/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % len(raw) + raw + b"\nendstream",
    ]
    return _pdf_file(objects)


def random_bytes(size: int, seed: int = 6) -> bytes:
    """Given a size and a seed, return that many pseudo-random bytes (the same every time)."""
    return random.Random(seed).randbytes(size)


def random_pdf(size: int = 20_000, seed: int = 6, eof: bool = False) -> bytes:
    """Random bytes behind a %PDF- header (and a %%EOF marker when ``eof``)."""
    return b"%PDF-1.7\n" + random_bytes(size, seed) + (b"\n%%EOF\n" if eof else b"")


# --- Word .docx -----------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
DOCUMENT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/numbering" Target="numbering.xml"/></Relationships>'
)
# Entity expansion: three levels here already make 512 "lol"s; real attacks nest ten.
BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


def docx_paragraph(text: str, extra: str = "") -> str:
    """Given text (and paragraph properties), return a w:p element."""
    return f"<w:p>{extra}<w:r><w:t>{text}</w:t></w:r></w:p>"


def _document_xml(body: str, prolog: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<w:document xmlns:w="{W}" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f"<w:body>{body}</w:body></w:document>"
    )


def make_docx(body: str, parts: dict[str, str | bytes] | None = None, prolog: str = "") -> bytes:
    """A minimal .docx whose body is ``body`` (WordprocessingML), plus extra parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in _docx_parts(_document_xml(body, prolog), parts):
            z.writestr(
                zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)),
                data,
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()


def _docx_parts(
    document: str, parts: dict[str, str | bytes] | None
) -> list[tuple[str, str | bytes]]:
    return [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", PACKAGE_RELS),
        ("word/document.xml", document),
        *(parts or {}).items(),
    ]


def billion_laughs_docx() -> bytes:
    """A .docx whose document declares nested entities and uses the biggest."""
    return make_docx(docx_paragraph("&lol3;"), prolog=BILLION_LAUGHS)


def zip_bomb_docx(inflated_mb: int = 1024) -> bytes:
    """A .docx whose word/document.xml inflates to ``inflated_mb`` MB of well-formed paragraphs
    from about 1/650 of that on disk (1 GB from 1.6 MB). Built without holding the XML.

    Deflate restarts after a full flush, so one compressed megabyte of paragraphs is repeated.
    """
    paragraph = docx_paragraph("法" * 1000).encode()
    chunk = paragraph * (2**20 // len(paragraph))
    head, tail = _document_xml("<!--BODY-->").encode().split(b"<!--BODY-->")
    repeats = max(1, int(inflated_mb * 2**20 // len(chunk)))
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    stream = _deflate_block(head) + _deflate_block(chunk) * repeats + _deflate_final(tail)
    members = [_member(name, data) for name, data in _docx_parts("", None)[:2]]
    size = len(head) + repeats * len(chunk) + len(tail)
    members.append(("word/document.xml", stream, crc, size))
    return _zip_file(members)


def _deflate_block(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)


def _deflate_final(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH)


def _member(name: str, data: str | bytes) -> tuple[str, bytes, int, int]:
    raw = data.encode() if isinstance(data, str) else data
    return name, _deflate_final(raw), zlib.crc32(raw), len(raw)


# Zip record layouts: what a local header and a central directory entry hold before and after
# the fields they share (method, time, date, crc32, sizes, name length).
_SHARED = "HHHIIIH"
_LOCAL = "<IHH" + _SHARED + "H"  # signature, version, flags | shared | extra length
_CENTRAL = "<IHHH" + _SHARED + "HHHHII"  # ... | extra, comment, disk, attributes, offset
_END = "<IHHHHIIH"


def _zip_file(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """Given (name, raw deflate stream, crc32, inflated size) members, return a zip archive."""
    out, central = bytearray(), bytearray()
    for name, stream, crc, size in members:
        encoded = name.encode()
        shared = (8, 0, 0x21, crc, len(stream), size, len(encoded))  # deflate, 1980-01-01
        offset = len(out)
        out += struct.pack(_LOCAL, 0x04034B50, 20, 0, *shared, 0) + encoded + stream
        central += struct.pack(_CENTRAL, 0x02014B50, 20, 20, 0, *shared, 0, 0, 0, 0, 0, offset)
        central += encoded
    start = len(out)
    out += central
    out += struct.pack(_END, 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0)
    return bytes(out)


def xlsx_bytes() -> bytes:
    """A zip that is an Excel workbook (the parts that say so), not a Word document."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            zipfile.ZipInfo("[Content_Types].xml", date_time=(2000, 1, 1, 0, 0, 0)), CONTENT_TYPES
        )
        z.writestr(
            zipfile.ZipInfo("xl/workbook.xml", date_time=(2000, 1, 1, 0, 0, 0)), "<workbook/>"
        )
    return out.getvalue()


# --- other formats --------------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def legacy_doc(size: int = 1024) -> bytes:
    """The start of a legacy Word/WPS binary file (OLE compound document), zero-filled."""
    return OLE_MAGIC + b"\0" * size
