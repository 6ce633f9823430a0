"""Credentials are signed as the specification's test vector says, and an independent verifier
(openbadgeslib, never imported by the portal) accepts ours, refuses tampered ones and sees revocations."""
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from openbadgeslib.ob3.ldp import OB3LdpVerifier
from openbadgeslib.ob3.verifier import OB3VerificationError, OB3Verifier
from sqlalchemy import select

from portal.accounts.models import Role
from portal.certificates import credentials
from portal.certificates.keys import issuer_key
from portal.certificates.models import Certificate
from portal.certificates.services import revoke
from portal.extensions import db
from tests.learning.helpers import RIGHT, complete_lessons, take_quiz

DATA = Path(__file__).resolve().parents[1] / "data"


def test_signing_the_published_test_vector_gives_its_published_proof_value():
    vector = json.loads((DATA / "ob3-ldp-test-vector.json").read_text())
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["private_key_hex"]))
    loader = credentials.document_loader(
        {vector["ob_context_alias"]: credentials._context_document("ob-v3p0-context-3.0.3.json")})
    assert credentials.canonical_nquads(vector["credential"], loader) == (
        DATA / "ob3-ldp-test-vector-document.nq").read_text()
    signed = credentials.sign_data_integrity(vector["credential"], key, vector["verification_method"],
                                             vector["created"], loader)
    assert signed["proof"]["proofValue"] == vector["proof_value"]


def test_contexts_other_than_the_bundled_ones_are_refused():
    document = {"@context": ["https://evil.example/context.json"], "name": "x"}
    with pytest.raises(Exception, match="refusing to load"):
        credentials.canonical_nquads(document)


@pytest.fixture
def certificate(app, client, make_course, login_as) -> Certificate:
    app.config["PORTAL_BASE_URL"] = "https://learn.example.org"
    make_course()
    login_as(Role.TRAINEE, name="Ngozi Okafor")
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    complete_lessons(client, ["what-is-rd", "funding", "surveys"])
    take_quiz(client, RIGHT)
    return db.session.scalars(select(Certificate)).one()


@pytest.fixture
def fetch(client):
    """What a verifier would download, served by the portal itself."""
    def download(url: str) -> bytes:
        assert url.startswith("https://learn.example.org/"), url
        response = client.get(url.removeprefix("https://learn.example.org"))
        assert response.status_code == 200, url
        return response.data

    return download


def test_the_signed_credential_verifies_independently(certificate, fetch):
    did = issuer_key().did
    document = json.loads(certificate.credential_json)
    assert document["issuer"]["id"] == did and document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    badge = OB3LdpVerifier.for_issuer_did(did).verify(document, check_status=True, download=fetch)
    assert badge.achievement.name == "Testing STI policy"
    subject = document["credentialSubject"]
    assert subject["identifier"][0]["identityType"] == "emailAddress"
    assert subject["identifier"][0]["identityHash"].startswith("sha256$")
    assert "@example.org" not in certificate.credential_json


def test_the_vc_jwt_verifies_independently(certificate, fetch):
    did = issuer_key().did
    badge = OB3Verifier.for_issuer_did(did).verify(certificate.credential_jwt, check_status=True, download=fetch)
    assert badge.id == f"https://learn.example.org/credentials/{certificate.code}"
    header = json.loads(credentials.base64.urlsafe_b64decode(certificate.credential_jwt.split(".")[0] + "=="))
    assert header == {"alg": "EdDSA", "kid": issuer_key().verification_method, "typ": "JWT"}


def name_identities(credential_json: str) -> list[dict]:
    subject = json.loads(credential_json)["credentialSubject"]
    return [entry for entry in subject["identifier"] if entry["identityType"] == "name"]


def test_the_credential_names_the_recipient_and_a_corrected_name_changes_it(app, certificate, fetch, make_user,
                                                                            client_for):
    did = issuer_key().did
    assert name_identities(certificate.credential_json) == [
        {"type": "IdentityObject", "hashed": False, "identityHash": "Ngozi Okafor", "identityType": "name"}]
    staff = client_for(make_user(Role.ADMIN))
    staff.submit(f"/certificates/{certificate.code}/reissue", {"name": "Ngozi N. Okafor"},
                 page=f"/certificates/{certificate.code}/manage")
    corrected = db.session.scalars(select(Certificate).where(Certificate.sequence == 1)).one()
    assert name_identities(corrected.credential_json)[0]["identityHash"] == "Ngozi N. Okafor"
    for signed in (certificate, corrected):
        OB3LdpVerifier.for_issuer_did(did).verify(json.loads(signed.credential_json))
        OB3Verifier.for_issuer_did(did).verify(signed.credential_jwt)
    OB3Verifier.for_issuer_did(did).verify(corrected.credential_jwt, check_status=True, download=fetch)


def test_the_name_can_be_hashed_instead(app, certificate, fetch, make_user, client_for):
    app.config["CREDENTIAL_NAME_HASHED"] = True
    staff = client_for(make_user(Role.ADMIN))
    staff.submit(f"/certificates/{certificate.code}/reissue", {"name": "Ngozi N. Okafor"},
                 page=f"/certificates/{certificate.code}/manage")
    corrected = db.session.scalars(select(Certificate).where(Certificate.sequence == 1)).one()
    [identity] = name_identities(corrected.credential_json)
    digest = hashlib.sha256(("Ngozi N. Okafor" + identity["salt"]).encode()).hexdigest()
    assert identity["hashed"] is True and identity["identityHash"] == f"sha256${digest}"
    assert "Okafor" not in corrected.credential_json
    OB3LdpVerifier.for_issuer_did(issuer_key().did).verify(json.loads(corrected.credential_json), check_status=True,
                                                           download=fetch)


def test_a_tampered_credential_fails(certificate, fetch):
    did = issuer_key().did
    document = json.loads(certificate.credential_json)
    document["credentialSubject"]["achievement"]["name"] = "Doctorate in everything"
    with pytest.raises(OB3VerificationError):
        OB3LdpVerifier.for_issuer_did(did).verify(document)
    header, payload, signature = certificate.credential_jwt.split(".")
    claims = json.loads(credentials.base64.urlsafe_b64decode(payload + "=="))
    claims["name"] = "Doctorate in everything"
    forged = credentials.base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(OB3VerificationError):
        OB3Verifier.for_issuer_did(did).verify(f"{header}.{forged}.{signature}")


def test_a_revoked_credential_fails_its_status_check(certificate, fetch):
    did = issuer_key().did
    revoke(certificate, "issued in error")
    db.session.commit()
    with pytest.raises(OB3VerificationError, match="revocation. is set"):
        OB3LdpVerifier.for_issuer_did(did).verify(json.loads(certificate.credential_json), check_status=True,
                                                 download=fetch)
    with pytest.raises(OB3VerificationError, match="revocation. is set"):
        OB3Verifier.for_issuer_did(did).verify(certificate.credential_jwt, check_status=True, download=fetch)


def test_status_list_bits_are_most_significant_first():
    from openbadgeslib.ob3.status import decode_encoded_list, set_indices

    encoded = credentials.encode_status_bits({0, 7, 9, 131_071})
    bits = decode_encoded_list(encoded)
    assert len(bits) * 8 == credentials.STATUS_LIST_BITS
    assert bits[0] == 0b1000_0001 and bits[1] == 0b0100_0000
    assert set_indices(bits) == {0, 7, 9, 131_071}


def test_issuer_profile_and_did_document_are_published(client):
    profile = client.get("/issuer").json
    key = issuer_key()
    assert profile["id"] == key.did and profile["publicKeyMultibase"] == key.multibase
    assert "BEGIN PUBLIC KEY" in profile["publicKeyPem"]
    document = json.loads(client.get("/issuer/did.json").data)
    assert document["verificationMethod"][0]["id"] == key.verification_method
