"""The portal's Ed25519 issuer key and the did:key that names it."""
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

#: Multicodec prefix of an Ed25519 public key (0xed, varint-encoded).
ED25519_PUB_MULTICODEC = b"\xed\x01"


def multibase_public_key(public_key: Ed25519PublicKey) -> str:
    """The key as a base58btc multibase multikey: 'z6Mk…'."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58.b58encode(ED25519_PUB_MULTICODEC + raw).decode()


@dataclass(frozen=True)
class IssuerKey:
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def multibase(self) -> str:
        return multibase_public_key(self.public_key)

    @property
    def did(self) -> str:
        return f"did:key:{self.multibase}"

    @property
    def verification_method(self) -> str:
        return f"{self.did}#{self.multibase}"

    @property
    def public_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def did_document(self) -> dict:
        """The DID document a did:key resolves to, for publishing beside the issuer profile."""
        method = {"id": self.verification_method, "type": "Multikey", "controller": self.did,
                  "publicKeyMultibase": self.multibase}
        return {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": self.did,
            "verificationMethod": [method],
            "assertionMethod": [self.verification_method],
            "authentication": [self.verification_method],
        }


def key_path() -> Path:
    configured = current_app.config.get("ISSUER_KEY_PATH")
    return Path(configured) if configured else Path(current_app.instance_path) / "issuer-ed25519.pem"


@lru_cache(maxsize=4)
def _load(path: str) -> IssuerKey:
    target = Path(path)
    if not target.exists():
        _create(target)
    key = serialization.load_pem_private_key(target.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"The issuer key at {target} is not an Ed25519 key.")
    return IssuerKey(key)


def _create(target: Path) -> None:
    """Make the key once; two workers starting together keep the first one written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(handle, "wb") as out:
        out.write(pem)


def issuer_key() -> IssuerKey:
    """The issuer key: read from ISSUER_KEY_PATH, or created on first use in the instance folder."""
    return _load(str(key_path()))
