"""The certificate PDF keeps every line legible whatever the scripts it mixes."""
import io

import pypdfium2

from portal.certificates.pdf import CertificateText, render_pdf


def test_the_verification_address_stays_intact_after_chinese_labels():
    url = "https://learn.example.org/verify/K7QMR-X2PHD-9TWZC-4NB8E"
    text = CertificateText("STI 政策学习门户", "结业证书", "兹证明", "王小明", "已完成在线课程", "人工智能治理",
                           "学习时长 4 小时", "签发机构", "证书编号：", "K7QMR-X2PHD-9TWZC-4NB8E",
                           "任何人都可以在此核验：", url)
    pdf = render_pdf(text)
    lines = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range().splitlines()
    assert lines[-1] == url
    assert "王小明" in lines and "证书编号： K7QMR-X2PHD-9TWZC-4NB8E" in lines


def test_the_cjk_glyphs_cut_out_for_a_certificate_are_the_fonts_own():
    from fontTools import ttLib
    from fontTools.pens.recordingPen import DecomposingRecordingPen

    from portal.certificates.pdf import CJK_FONT, cjk_font

    characters = "王小明结业证书兹证明：科技创新"
    small = ttLib.TTFont(io.BytesIO(cjk_font(set(characters))))
    full = ttLib.TTFont(CJK_FONT, lazy=True)
    for char in characters:
        drawn = []
        for font in (small, full):
            pen = DecomposingRecordingPen(font.getGlyphSet())
            font.getGlyphSet()[font.getBestCmap()[ord(char)]].draw(pen)
            drawn.append((pen.value, font["hmtx"][font.getBestCmap()[ord(char)]][0]))
        assert drawn[0] == drawn[1], char
    assert small["maxp"].numGlyphs < 40 and ".notdef" in small.getGlyphOrder()


def ink_in(pdf: bytes, left_mm: float, top_mm: float, right_mm: float, bottom_mm: float) -> int:
    """How many pixels in the area are drawn on (not near white), the page rendered at 1 pixel per point."""
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("L")
    to_px = 72 / 25.4
    area = image.crop((round(left_mm * to_px), round(top_mm * to_px), round(right_mm * to_px), round(bottom_mm * to_px)))
    return sum(area.histogram()[:200])


def test_the_verification_address_is_drawn_on_a_chinese_taught_courses_certificate():
    url = "https://learn.example.org/verify/K7QMR-X2PHD-9TWZC-4NB8E"
    text = CertificateText("科技创新政策学习门户", "结业证书", "兹证明", "王小明", "已完成在线课程", "人工智能治理",
                           "学习时长 4 小时", "由 科技创新政策学习门户 签发", "证书编号：", "K7QMR-X2PHD-9TWZC-4NB8E",
                           "任何人均可通过以下网址验证本证书：", url)
    latin = CertificateText("Portal", "Certificate of completion", "This certifies that", "Ana Silva",
                            "has completed the online course", "AI governance", "4 hours", "Issued by Portal",
                            "Certificate code:", "K7QMR-X2PHD-9TWZC-4NB8E", "Anyone can check this certificate at:", url)
    drawn_latin = ink_in(render_pdf(latin), 25, 173, 120, 179)
    assert drawn_latin > 200
    assert ink_in(render_pdf(text), 25, 173, 120, 179) > drawn_latin / 2


def test_latin_words_after_a_line_that_ends_in_arabic_keep_their_own_glyphs():
    """fpdf2 left the Arabic fallback font selected after a line, and the next line's Latin words came
    out as other glyphs ("Portal" as "AnaSi")."""
    for details, issued_by in (("2 ساعة", "صدرت عن STI Policy Learning Portal"),
                               ("۱٫۵ ساعت مطالعه", "صادرشده از سوی STI Policy Learning Portal")):
        text = CertificateText("STI Policy Learning Portal", "شهادة إتمام", "يشهد بأن", "Ana Silva", "أتمّ الدورة",
                               "AI governance", details, issued_by, "رمز:", "K7QMR", "تحقق:", "https://x.org/verify/K")
        lines = pypdfium2.PdfDocument(render_pdf(text))[0].get_textpage().get_text_range().splitlines()
        assert any(line.startswith("STI Policy Learning Portal ") for line in lines[1:]), lines
