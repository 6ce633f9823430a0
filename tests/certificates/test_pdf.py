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
