"""Open Badges 3.0 credentials: built, signed with eddsa-rdfc-2022 (Data Integrity) and as VC-JWT,
and the Bitstring Status List that says which are revoked. Nothing here fetches from the network."""
import base64
import gzip
import hashlib
import json
import unicodedata
from collections.abc import Callable
from copy import deepcopy
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal.certificates.keys import IssuerKey

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXT_DIR = Path(__file__).with_name("contexts")
BUNDLED_CONTEXTS = {VC_CONTEXT: "credentials-v2.json", OB_CONTEXT: "ob-v3p0-context-3.0.3.json"}
#: A status list holds at least 131,072 entries so that one entry reveals nothing about the others.
STATUS_LIST_BITS = 131_072


class ContextRefused(Exception):
    """A credential named a JSON-LD context the portal does not carry."""


@cache
def _context_document(filename: str) -> dict:
    return json.loads((CONTEXT_DIR / filename).read_text(encoding="utf-8"))


def document_loader(extra: dict[str, dict] | None = None) -> Callable[[str, dict], dict]:
    """A JSON-LD loader serving the bundled contexts (and `extra`), refusing every other URL."""
    def load(url: str, options: dict | None = None) -> dict:
        if extra and url in extra:
            document = extra[url]
        elif url in BUNDLED_CONTEXTS:
            document = _context_document(BUNDLED_CONTEXTS[url])
        else:
            raise ContextRefused(f"refusing to load the JSON-LD context {url}")
        return {"contextUrl": None, "documentUrl": url, "document": deepcopy(document)}

    return load


def canonical_nquads(document: dict, loader: Callable | None = None) -> str:
    """RDF Dataset Canonicalization (URDNA2015 / RDFC-1.0) of a JSON-LD document, as N-Quads."""
    from pyld import jsonld  # loaded when a credential is signed or checked, not in every worker

    try:
        return jsonld.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                           "documentLoader": loader or document_loader()})
    except jsonld.JsonLdError as error:
        cause = error
        while cause is not None:
            if isinstance(cause, ContextRefused):
                raise cause from None
            cause = getattr(cause, "cause", None) or cause.__cause__
        raise


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sign_data_integrity(document: dict, private_key: Ed25519PrivateKey, verification_method: str,
                        created: str, loader: Callable | None = None) -> dict:
    """The document with an embedded DataIntegrityProof of cryptosuite eddsa-rdfc-2022.

    proofValue = base58btc(Ed25519(SHA-256(canonical proof options) + SHA-256(canonical document)))."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    proof = {
        "type": "DataIntegrityProof",
        "created": created,
        "verificationMethod": verification_method,
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
    }
    proof_config = {"@context": unsecured["@context"], **proof}
    data = (hashlib.sha256(canonical_nquads(proof_config, loader).encode()).digest()
            + hashlib.sha256(canonical_nquads(unsecured, loader).encode()).digest())
    proof["proofValue"] = "z" + base58.b58encode(private_key.sign(data)).decode()
    return {**unsecured, "proof": proof}


def hashed_email(email: str, salt: str) -> dict:
    """An IdentityObject naming the recipient by a salted hash of their email, not the email itself."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return {"type": "IdentityObject", "hashed": True, "identityHash": f"sha256${digest}",
            "identityType": "emailAddress", "salt": salt}


def name_identity(name: str, salt: str, hashed: bool) -> dict:
    """An IdentityObject naming the recipient as the certificate does: plainly, or by a salted hash."""
    name = unicodedata.normalize("NFC", name.strip())
    if not hashed:
        return {"type": "IdentityObject", "hashed": False, "identityHash": name, "identityType": "name"}
    digest = hashlib.sha256((name + salt).encode()).hexdigest()
    return {"type": "IdentityObject", "hashed": True, "identityHash": f"sha256${digest}",
            "identityType": "name", "salt": salt}


def status_entry(base_url: str, index: int) -> dict:
    list_url = f"{base_url}/credentials/status/1"
    return {"id": f"{list_url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": str(index), "statusListCredential": list_url}


def build_credential(*, base_url: str, key: IssuerKey, issuer_name: str, code: str, issued_at: datetime,
                     email: str, salt: str, recipient_name: str, name_hashed: bool, name_salt: str, course_url: str, course_title: str, course_summary: str,
                     criteria: str, hours: float, status_index: int) -> dict:
    """An unsigned OpenBadgeCredential for one certificate."""
    hours_value = int(hours) if float(hours).is_integer() else hours
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"{base_url}/credentials/{code}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": course_title,
        "issuer": {"id": key.did, "type": ["Profile"], "name": issuer_name, "url": base_url},
        "validFrom": iso(issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [hashed_email(email, salt), name_identity(recipient_name, name_salt, name_hashed)],
            "creditsEarned": hours_value,
            "achievement": {
                "id": course_url,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": course_title,
                "description": course_summary,
                "criteria": {"narrative": criteria},
                "creditsAvailable": hours_value,
            },
        },
        "credentialStatus": status_entry(base_url, status_index),
    }


def sign_jwt(claims: dict, key: IssuerKey) -> str:
    """A compact JWS (EdDSA) whose header names the verification method."""
    import jwt  # PyJWT loads when a credential is signed, not in every worker

    return jwt.encode(claims, key.private_key, algorithm="EdDSA",
                      headers={"kid": key.verification_method, "typ": "JWT"})


def credential_jwt(credential: dict, key: IssuerKey) -> str:
    """The credential as a VC-JWT: its members at the top level plus iss, jti, nbf (and sub when known)."""
    claims = {key_: value for key_, value in credential.items() if key_ != "proof"}
    claims.update(iss=credential["issuer"]["id"], jti=credential["id"],
                  nbf=int(datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00")).timestamp()))
    subject_id = credential["credentialSubject"].get("id")
    if subject_id:
        claims["sub"] = subject_id
    return sign_jwt(claims, key)


def encode_status_bits(revoked: set[int], size: int = STATUS_LIST_BITS) -> str:
    """'u' + base64url(gzip(bits)), most significant bit first, as Bitstring Status List asks."""
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def status_list_jwt(*, base_url: str, key: IssuerKey, revoked: set[int], now: datetime) -> str:
    """The signed BitstringStatusListCredential of the portal's revocations, as a VC-JWT."""
    list_url = f"{base_url}/credentials/status/1"
    claims: dict[str, Any] = {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": key.did,
        "validFrom": iso(now),
        "credentialSubject": {"id": f"{list_url}#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation", "encodedList": encode_status_bits(revoked)},
    }
    claims.update(iss=key.did, jti=list_url, nbf=int(now.timestamp()))
    return sign_jwt(claims, key)
