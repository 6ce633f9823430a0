"""The certificate as an A4 landscape PDF with a QR code to its verification page.

fpdf2 draws it: pure Python, embeds only the glyphs used (so files stay small), and shapes
Arabic with HarfBuzz; fonts that are not needed for a certificate's text are not loaded."""
import array
import bisect
import io
import struct
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

import segno
from fontTools import ttLib
from fontTools.fontBuilder import FontBuilder
from fontTools.ttLib.tables._g_l_y_f import Glyph
from fpdf import FPDF

from portal.certificates.text import CertificateText

FONT_DIR = Path(__file__).with_name("fonts")
LATIN, ARABIC, CJK = "NotoSans", "NotoNaskhArabic", "DroidSansFallback"
INK, BRAND, MUTED, ALERT = (27, 31, 36), (10, 92, 138), (85, 95, 107), (180, 28, 28)

__all__ = ["CertificateText", "render_pdf"]


def _needs(text: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= ord(char) <= high for char in text for low, high in ranges)


ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
CJK_RANGES = ((0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF), (0x3000, 0x303F))


CJK_FONT = FONT_DIR / "DroidSansFallbackFull.ttf"


class _GlyphSource:
    """The CJK font's tables read straight from its bytes, once per process (tens of milliseconds).

    fpdf2 would parse and subset the whole 4 MB font for every certificate, and even fontTools' lazy
    parse of its 49,000 glyphs takes longer than a certificate may. Only the character map, glyph
    locations and metrics are read here; each certificate copies out the few glyphs it needs."""

    def __init__(self, path: Path) -> None:
        self.font = ttLib.TTFont(path, lazy=True)
        for tag in ("head", "hhea", "OS/2", "post", "name", "maxp"):
            self.font[tag]  # small tables, parsed now so that threads only read them later
        reader = self.font.reader
        self.glyf = reader["glyf"]
        self.hmtx = reader["hmtx"]
        self.metric_count = self.font["hhea"].numberOfHMetrics
        loca = array.array("I" if self.font["head"].indexToLocFormat else "H", reader["loca"])
        if sys.byteorder == "little":
            loca.byteswap()
        self.loca = loca if self.font["head"].indexToLocFormat else array.array("I", (2 * x for x in loca))
        self.groups = self._cmap_groups(reader["cmap"])
        self.starts = [group[0] for group in self.groups]

    @staticmethod
    def _cmap_groups(cmap: bytes) -> list[tuple[int, int, int]]:
        """The (first, last, first glyph) ranges of the Unicode full-repertoire subtable (format 12)."""
        count = struct.unpack_from(">H", cmap, 2)[0]
        for index in range(count):
            platform, encoding, offset = struct.unpack_from(">HHI", cmap, 4 + 8 * index)
            if (platform, encoding) == (3, 10) and struct.unpack_from(">H", cmap, offset)[0] == 12:
                groups = struct.unpack_from(">I", cmap, offset + 12)[0]
                return list(struct.iter_unpack(">III", cmap[offset + 16:offset + 16 + 12 * groups]))
        raise ValueError(f"{CJK_FONT.name} has no format 12 Unicode character map")

    def glyph_id(self, codepoint: int) -> int | None:
        index = bisect.bisect_right(self.starts, codepoint) - 1
        if index < 0:
            return None
        first, last, glyph = self.groups[index]
        return glyph + codepoint - first if codepoint <= last else None

    def glyph(self, glyph_id: int) -> Glyph:
        glyph = Glyph(self.glyf[self.loca[glyph_id]:self.loca[glyph_id + 1]])
        glyph.expand(self)
        return glyph

    #: What fontTools asks of a glyf table while it reads a composite glyph's components.
    extended = False

    def getGlyphName(self, glyph_id: int) -> str:  # noqa: N802 - fontTools' name
        return glyph_name(glyph_id)

    def metrics(self, glyph_id: int) -> tuple[int, int]:
        if glyph_id < self.metric_count:
            return struct.unpack_from(">Hh", self.hmtx, 4 * glyph_id)
        advance = struct.unpack_from(">H", self.hmtx, 4 * (self.metric_count - 1))[0]
        return advance, struct.unpack_from(">h", self.hmtx, 4 * self.metric_count + 2 * (glyph_id - self.metric_count))[0]


def glyph_name(glyph_id: int) -> str:
    return ".notdef" if glyph_id == 0 else f"g{glyph_id}"


def glyph_id_of(name: str) -> int:
    return 0 if name == ".notdef" else int(name[1:])


@lru_cache(maxsize=1)
def _cjk_source() -> _GlyphSource:
    return _GlyphSource(CJK_FONT)


def cjk_font(characters: set[str]) -> bytes:
    """A small TrueType font holding only the CJK font's glyphs for `characters` (a few milliseconds).

    Hinting is dropped with the font programs it calls; PDF viewers do not need it."""
    source = _cjk_source()
    cmap = {ord(char): source.glyph_id(ord(char)) for char in characters}
    wanted = {codepoint: glyph_name(glyph_id) for codepoint, glyph_id in cmap.items() if glyph_id}
    glyphs: dict[int, Glyph] = {}
    queue = [0, *(glyph_id for glyph_id in cmap.values() if glyph_id)]
    while queue:
        glyph_id = queue.pop()
        if glyph_id in glyphs:
            continue
        glyph = glyphs[glyph_id] = source.glyph(glyph_id)
        if glyph.isComposite():
            queue.extend(glyph_id_of(component.glyphName) for component in glyph.components)
        glyph.removeHinting()
    order = sorted(glyphs)
    head, hhea, os2, post = (source.font[tag] for tag in ("head", "hhea", "OS/2", "post"))
    builder = FontBuilder(head.unitsPerEm, isTTF=True)
    builder.setupGlyphOrder([glyph_name(glyph_id) for glyph_id in order])
    builder.setupCharacterMap(wanted)
    builder.setupGlyf({glyph_name(glyph_id): glyphs[glyph_id] for glyph_id in order})
    builder.setupHorizontalMetrics({glyph_name(glyph_id): source.metrics(glyph_id) for glyph_id in order})
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
    builder.setupNameTable({"familyName": source.font["name"].getBestFamilyName(), "styleName": "Regular"})
    builder.setupOS2(usWeightClass=os2.usWeightClass, sTypoAscender=os2.sTypoAscender,
                     sTypoDescender=os2.sTypoDescender, sTypoLineGap=os2.sTypoLineGap,
                     usWinAscent=os2.usWinAscent, usWinDescent=os2.usWinDescent,
                     yStrikeoutSize=os2.yStrikeoutSize, yStrikeoutPosition=os2.yStrikeoutPosition,
                     sCapHeight=getattr(os2, "sCapHeight", hhea.ascent), fsType=0)
    builder.setupPost(underlinePosition=post.underlinePosition, underlineThickness=post.underlineThickness)
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def render_pdf(text: CertificateText) -> bytes:
    """The certificate as PDF bytes."""
    with tempfile.TemporaryDirectory(prefix="certificate-") as folder:
        return _render(text, Path(folder))


def _render(text: CertificateText, folder: Path) -> bytes:
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
    cjk_characters = {char for char in everything if _needs(char, CJK_RANGES)}
    if cjk_characters:
        # fpdf2 reads fonts from files (and HarfBuzz reads the file again while shaping)
        font_file = folder / "cjk.ttf"
        font_file.write_bytes(cjk_font(cjk_characters))
        pdf.add_font(CJK, "", font_file)
        fallbacks.append(CJK)
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks, exact_match=False)
    pdf.set_text_shaping(True)
    pdf.add_page()

    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, 269, 182)

    def select(style: str, size: float) -> None:
        pdf.set_font(LATIN, style, size)
        # fpdf2 skips selecting a font it believes the page already uses; after a line that ended in a
        # fallback font (Arabic, Persian, Chinese) the page uses that one, and the next line's Latin words
        # came out as other glyphs ("Portal" printed as "AnaSi"). Select it again for every line.
        pdf.current_font_is_set_on_page = False

    def line(content: str, size: float, y: float, style: str = "", color=INK, height: float = 10) -> None:
        select(style, size)
        pdf.set_text_color(*color)
        pdf.set_xy(25, y)
        pdf.multi_cell(247, height, content, align="C")

    if text.band:
        pdf.set_fill_color(*ALERT)
        pdf.rect(14, 14, 269, 11, style="F")
        select("B", 13)
        pdf.set_text_color(255, 255, 255)
        pdf.set_xy(18, 14)
        pdf.cell(261, 11, text.band, align="C")
    line(text.portal_name, 13, 26 if text.band else 24, color=MUTED)
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

    select("", 10)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(25, 160)
    pdf.cell(200, 6, f"{text.code_label} {text.code}")
    select("", 10)
    pdf.set_xy(25, 167)
    pdf.cell(200, 6, text.verify_label)
    pdf.set_xy(25, 173)
    pdf.set_text_color(*BRAND)
    # The address is plain ASCII: shaping it after a fallback font was used garbles its spacing, and
    # drawing it unshaped in a font that other lines shaped loses its glyphs (so none showed on a
    # Chinese-taught course's certificate). The PDF's own Helvetica needs neither shaping nor embedding.
    pdf.set_text_shaping(False)
    pdf.set_font("helvetica", "", 10)
    pdf.cell(200, 6, text.verify_url, link=text.verify_url)
    return bytes(pdf.output())
