"""Certificates: issuing at completion, PDF with QR code, signed Open Badges 3.0 credentials,
public verification and revocation."""
