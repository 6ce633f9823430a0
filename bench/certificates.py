"""Certificate PDFs: time and size per certificate for Latin, Arabic and Chinese names and for a
Chinese-taught course; the first certificate of a fresh process; signing time.

    .venv/bin/python bench/certificates.py [--repeat 20]

Prints the figures; asserts nothing. Target: under 200 ms and 200 KB per certificate, and under
1 s for the first certificate after the portal starts, in any script."""
import argparse
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.certificates import credentials  # noqa: E402
from portal.certificates.keys import IssuerKey  # noqa: E402
from portal.certificates.pdf import CertificateText, render_pdf  # noqa: E402

CODE = "K7QMR-X2PHD-9TWZC-4NB8E"
URL = f"https://learn.example.org/verify/{CODE}"


def text(name: str) -> CertificateText:
    return CertificateText(
        "STI Policy Learning Portal", "Certificate of completion", "This certifies that", name,
        "has completed the online course", "Financing science, technology and innovation",
        "6 hours of study · revision 1 · issued on 22 November 2026", "Issued by STI Policy Learning Portal",
        "Certificate code:", CODE, "Anyone can check this certificate at:", URL)


def chinese_course() -> CertificateText:
    """A course taught in Chinese: every line of the certificate needs CJK glyphs."""
    return CertificateText(
        "科技创新政策学习门户", "结业证书", "兹证明", "王小明", "已完成在线课程", "科学、技术与创新的融资：政府如何为研发提供资金",
        "学习时长 6 小时 · 修订版 1 · 签发于 2026年11月22日", "由 科技创新政策学习门户 签发", "证书编号：", CODE,
        "任何人均可通过以下网址验证本证书：", URL)


CASES = {"Latin name": text("Hélène Ñúñez-Øberg"), "Arabic name": text("محمد بن عبد الله"),
         "Chinese name": text("王小明"), "Chinese-taught course": chinese_course()}


def first_in_fresh_process(case: str) -> str:
    """Render one certificate in a new Python process, as the first request after a start would."""
    result = subprocess.run([sys.executable, __file__, "--first", case], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--first", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first:
        started = time.perf_counter()
        render_pdf(CASES[args.first])
        print(f"{(time.perf_counter() - started) * 1000:.0f} ms")
        return
    for case in CASES:
        print(f"PDF, {case}: first after a start {first_in_fresh_process(case)}")
    for case, certificate in CASES.items():
        started = time.perf_counter()
        first = render_pdf(certificate)
        cold = time.perf_counter() - started
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            data = render_pdf(certificate)
            timings.append(time.perf_counter() - started)
        print(f"PDF, {case}: median {statistics.median(timings) * 1000:.0f} ms, "
              f"max {max(timings) * 1000:.0f} ms, {len(data) / 1024:.0f} KB "
              f"(first in this process: {cold * 1000:.0f} ms, {len(first) / 1024:.0f} KB)")

    key = IssuerKey(Ed25519PrivateKey.generate())
    document = credentials.build_credential(
        base_url="https://learn.example.org", key=key, issuer_name="STI Policy Learning Portal",
        code="K7QMR-X2PHD-9TWZC-4NB8E", issued_at=datetime.now(UTC), email="hoa@example.org",
        salt="0123456789abcdef", recipient_name="王小明", name_hashed=False, name_salt="fedcba9876543210", course_url="https://learn.example.org/courses/st-finance",
        course_title="Financing science, technology and innovation", course_summary="How governments pay for R&D.",
        criteria="Completed every lesson and quiz.", hours=6, status_index=1)
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        credentials.sign_data_integrity(document, key.private_key, key.verification_method, "2026-11-22T00:00:00Z")
        credentials.credential_jwt(document, key)
        timings.append(time.perf_counter() - started)
    print(f"Open Badges credential, signed in both forms: median {statistics.median(timings) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
