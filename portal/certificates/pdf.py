"""The certificate as an A4 landscape PDF with a QR code to its verification page.

fpdf2 draws it: pure Python, embeds only the glyphs used (so files stay small), and shapes
Arabic with HarfBuzz; fonts that are not needed for a certificate's text are not loaded."""
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import segno
from fontTools import subset, ttLib
from fpdf import FPDF

FONT_DIR = Path(__file__).with_name("fonts")
LATIN, ARABIC, CJK = "NotoSans", "NotoNaskhArabic", "DroidSansFallback"
INK, BRAND, MUTED = (27, 31, 36), (10, 92, 138), (85, 95, 107)


@dataclass(frozen=True)
class CertificateText:
    """Everything printed on the certificate, already in the certificate's language."""

    portal_name: str
    heading: str
    certifies: str
    recipient_name: str
    completed: str
    course_title: str
    details: str
    issuer_line: str
    code_label: str
    code: str
    verify_label: str
    verify_url: str


def _needs(text: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= ord(char) <= high for char in text for low, high in ranges)


ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
CJK_RANGES = ((0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF), (0x3000, 0x303F))


CJK_FONT = FONT_DIR / "DroidSansFallbackFull.ttf"
CJK_BLOCK = 1024


def cjk_block_font(block: int, cache_dir: Path) -> Path:
    """A small font holding the CJK font's glyphs for one block of 1,024 code points.

    Parsing the whole 4 MB font costs more than a certificate may take, so each block is cut
    out once, when a certificate first needs it, and kept in `cache_dir`."""
    target = cache_dir / f"cjk-{block:03x}.ttf"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    font = ttLib.TTFont(CJK_FONT)
    wanted = [cp for cp in font.getBestCmap() if cp // CJK_BLOCK == block]
    options = subset.Options()
    options.notdef_outline = True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    handle, temporary = tempfile.mkstemp(dir=cache_dir, suffix=".ttf")
    os.close(handle)
    font.save(temporary)
    os.replace(temporary, target)
    return target


def render_pdf(text: CertificateText, font_cache: Path) -> bytes:
    """The certificate as PDF bytes; `font_cache` keeps the CJK font blocks cut out so far."""
    everything = " ".join(vars(text).values())
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"{text.heading}: {text.recipient_name}")
    pdf.set_author(text.portal_name)
    pdf.set_creator(text.portal_name)
    pdf.set_auto_page_break(False)
    pdf.add_font(LATIN, "", FONT_DIR / "NotoSans-Regular.ttf")
    pdf.add_font(LATIN, "B", FONT_DIR / "NotoSans-Bold.ttf")
    fallbacks = []
    if _needs(everything, ARABIC_RANGES):
        pdf.add_font(ARABIC, "", FONT_DIR / "NotoNaskhArabic-Regular.ttf")
        fallbacks.append(ARABIC)
    blocks = sorted({ord(char) // CJK_BLOCK for char in everything if _needs(char, CJK_RANGES)})
    for block in blocks:
        pdf.add_font(f"{CJK}{block}", "", cjk_block_font(block, font_cache))
        fallbacks.append(f"{CJK}{block}")
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks, exact_match=False)
    pdf.set_text_shaping(True)
    pdf.add_page()

    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, 269, 182)

    def line(content: str, size: float, y: float, style: str = "", color=INK, height: float = 10) -> None:
        pdf.set_font(LATIN, style, size)
        pdf.set_text_color(*color)
        pdf.set_xy(25, y)
        pdf.multi_cell(247, height, content, align="C")

    line(text.portal_name, 13, 24, color=MUTED)
    line(text.heading, 30, 38, "B", BRAND, 14)
    line(text.certifies, 14, 62)
    line(text.recipient_name, 28, 74, "B", height=13)
    line(text.completed, 14, 96)
    line(text.course_title, 20, 107, "B", BRAND, 10)
    line(text.details, 12, 132, color=MUTED, height=7)
    line(text.issuer_line, 12, 141, color=MUTED, height=7)

    qr = segno.make(text.verify_url, error="m")
    image = io.BytesIO()
    qr.save(image, kind="png", scale=6, border=2)
    image.seek(0)
    pdf.image(image, x=237, y=150, w=38, h=38)

    pdf.set_font(LATIN, "", 10)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(25, 160)
    pdf.cell(200, 6, f"{text.code_label} {text.code}")
    pdf.set_xy(25, 167)
    pdf.cell(200, 6, text.verify_label)
    pdf.set_xy(25, 173)
    pdf.set_text_color(*BRAND)
    # The address is plain ASCII: shaping it after a fallback font was used garbles its spacing.
    pdf.set_text_shaping(False)
    pdf.cell(200, 6, text.verify_url, link=text.verify_url)
    pdf.set_text_shaping(True)
    return bytes(pdf.output())
