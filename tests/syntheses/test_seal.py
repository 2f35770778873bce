"""PAdES seal of the organisation (pyHanko), validated offline with a throwaway PKI."""

import datetime as dt
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.test import override_settings

from bilan.core.pdf import render_pdf
from bilan.core.seal import (
    CachetIndisponible,
    cachet_configure,
    sceller_pdf,
    sceller_si_configure,
    verifier_cachet,
)

pytestmark = pytest.mark.django_db

PASSWORD = "mot-de-passe-du-cachet"


def _name(cn):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Organisme A"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def throwaway_pki():
    """(ca_certificate, pkcs12_bytes): a root CA and a seal certificate it issued."""
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("AC de test"))
        .issuer_name(_name("AC de test"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Cachet Organisme A"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=180))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    p12 = pkcs12.serialize_key_and_certificates(
        b"cachet",
        key,
        cert,
        [ca],
        serialization.BestAvailableEncryption(PASSWORD.encode()),
    )
    return ca, p12


@pytest.fixture
def pki(tmp_path, world, monkeypatch):
    """Organisation A's seal configured through the settings and the password environment."""
    ca, p12 = throwaway_pki()
    path = tmp_path / "cachet.p12"
    path.write_bytes(p12)
    env = "PADES_MOT_DE_PASSE_TEST_A"
    monkeypatch.setenv(env, PASSWORD)
    mapping = {world.org_a.slug: {"pkcs12": str(path), "mot_de_passe_env": env}}
    with override_settings(PADES_CERTIFICATS=mapping):
        yield ca


def _pdf(organisation):
    return render_pdf(
        template="pdf/base.html",
        context={"title": "Attestation", "content_html": "Texte de l'attestation."},
        organisation=organisation,
    )


def test_sealed_pdf_validates_intact_and_trusted_offline(world, pki):
    original = _pdf(world.org_a)
    assert cachet_configure(world.org_a)
    sealed = sceller_pdf(pdf=original, organisation=world.org_a)
    assert sealed.startswith(original)  # incremental update: the original bytes are kept
    result = verifier_cachet(pdf=sealed, trust_roots=[pki])
    assert result["valide"] is True
    (signature,) = result["signatures"]
    assert signature["resume"].startswith("INTACT:TRUSTED")
    assert signature["couvre_tout"] is True
    assert "Cachet Organisme A" in signature["signataire"]


def test_one_flipped_byte_is_not_valid(world, pki):
    sealed = bytearray(sceller_pdf(pdf=_pdf(world.org_a), organisation=world.org_a))
    # A byte inside the signed range (the page content, well before the signature).
    position = len(sealed) // 3
    sealed[position] ^= 0x01
    result = verifier_cachet(pdf=bytes(sealed), trust_roots=[pki])
    assert result["valide"] is False
    assert not any(s["intact"] and s["valide"] for s in result["signatures"])


def test_untrusted_root_is_not_trusted(world, pki):
    sealed = sceller_pdf(pdf=_pdf(world.org_a), organisation=world.org_a)
    other_ca, _p12 = throwaway_pki()
    result = verifier_cachet(pdf=sealed, trust_roots=[other_ca])
    assert result["valide"] is False
    assert result["signatures"][0]["intact"] is True
    assert result["signatures"][0]["confiance"] is False


def test_without_certificate_the_pdf_is_returned_unchanged(world, pki):
    original = _pdf(world.org_b)
    assert not cachet_configure(world.org_b)
    assert sceller_pdf(pdf=original, organisation=world.org_b) == original
    assert verifier_cachet(pdf=original, trust_roots=[pki])["signe"] is False


def test_wrong_password_refuses_instead_of_sealing_silently(world, pki, monkeypatch):
    monkeypatch.setenv("PADES_MOT_DE_PASSE_TEST_A", "faux")
    with pytest.raises(CachetIndisponible):
        sceller_pdf(pdf=_pdf(world.org_a), organisation=world.org_a)


def test_environment_mapping_is_read_when_settings_do_not_define_it(world, tmp_path, monkeypatch):
    from django.conf import settings

    ca, p12 = throwaway_pki()
    path = tmp_path / "c.p12"
    path.write_bytes(p12)
    slug = world.org_a.slug
    monkeypatch.setenv("PADES_CERTIFICATS", f"{slug}={path}")
    monkeypatch.setenv("PADES_MOT_DE_PASSE_" + slug.upper().replace("-", "_"), PASSWORD)
    if hasattr(settings, "PADES_CERTIFICATS"):
        monkeypatch.delattr(settings, "PADES_CERTIFICATS")
    assert os.environ["PADES_CERTIFICATS"]
    sealed = sceller_pdf(pdf=_pdf(world.org_a), organisation=world.org_a)
    assert verifier_cachet(pdf=sealed, trust_roots=[ca])["valide"] is True


def test_hook_seals_given_bytes_without_writing(world, pki):
    from tests.factories.signatures import issued_document

    document = issued_document(beneficiaire=world.beneficiaire_a, by=world.admin_a)
    sealed = sceller_si_configure(document=document, pdf=_pdf(world.org_a))
    assert verifier_cachet(pdf=sealed, trust_roots=[pki])["valide"] is True
