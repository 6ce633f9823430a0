"""Certificate PDFs: time and size per certificate for Latin, Arabic and Chinese names; signing time.

    .venv/bin/python bench/certificates.py [--repeat 20]

Prints the figures; asserts nothing. Target: under 200 ms and 200 KB per certificate."""
import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.certificates import credentials  # noqa: E402
from portal.certificates.keys import IssuerKey  # noqa: E402
from portal.certificates.pdf import CertificateText, render_pdf  # noqa: E402

NAMES = {"Latin": "Hélène Ñúñez-Øberg", "Arabic": "محمد بن عبد الله", "Chinese": "王小明"}


def text(name: str) -> CertificateText:
    return CertificateText(
        "STI Policy Learning Portal", "Certificate of completion", "This certifies that", name,
        "has completed the online course", "Financing science, technology and innovation",
        "6 hours of study · revision 1 · issued on 22 November 2026", "Issued by STI Policy Learning Portal",
        "Certificate code:", "K7QMR-X2PHD-9TWZC-4NB8E", "Anyone can check this certificate at:",
        "https://learn.example.org/verify/K7QMR-X2PHD-9TWZC-4NB8E")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    cache = Path(tempfile.mkdtemp(prefix="portal-fonts-"))
    for script, name in NAMES.items():
        started = time.perf_counter()
        first = render_pdf(text(name), cache)
        cold = time.perf_counter() - started
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            data = render_pdf(text(name), cache)
            timings.append(time.perf_counter() - started)
        print(f"PDF, {script} name: median {statistics.median(timings) * 1000:.0f} ms, "
              f"max {max(timings) * 1000:.0f} ms, {len(data) / 1024:.0f} KB "
              f"(first ever: {cold * 1000:.0f} ms, {len(first) / 1024:.0f} KB)")

    key = IssuerKey(Ed25519PrivateKey.generate())
    document = credentials.build_credential(
        base_url="https://learn.example.org", key=key, issuer_name="STI Policy Learning Portal",
        code="K7QMR-X2PHD-9TWZC-4NB8E", issued_at=datetime.now(timezone.utc), email="hoa@example.org",
        salt="0123456789abcdef", course_url="https://learn.example.org/courses/st-finance",
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
