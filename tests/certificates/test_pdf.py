"""The certificate PDF keeps every line legible whatever the scripts it mixes."""
import pypdfium2

from portal.certificates.pdf import CertificateText, render_pdf


def test_the_verification_address_stays_intact_after_chinese_labels(tmp_path):
    url = "https://learn.example.org/verify/K7QMR-X2PHD-9TWZC-4NB8E"
    text = CertificateText("STI 政策学习门户", "结业证书", "兹证明", "王小明", "已完成在线课程", "人工智能治理",
                           "学习时长 4 小时", "签发机构", "证书编号：", "K7QMR-X2PHD-9TWZC-4NB8E",
                           "任何人都可以在此核验：", url)
    pdf = render_pdf(text, tmp_path)
    lines = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range().splitlines()
    assert lines[-1] == url
    assert "王小明" in lines and "证书编号： K7QMR-X2PHD-9TWZC-4NB8E" in lines
