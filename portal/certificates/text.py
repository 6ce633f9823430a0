"""The words printed on a certificate, apart from the PDF code so that pages which only prepare them
do not load the PDF and font libraries (tens of megabytes in every worker)."""
from dataclasses import dataclass


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
    #: Printed across the top in red when the certificate no longer stands (revoked or replaced).
    band: str = ""
