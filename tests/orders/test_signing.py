"""The office's signing key (orders.signing): made once, kept out of sight, verifiable by
anyone with the public key."""

import io
import stat

import pytest
from django.core.management import CommandError, call_command

from orders import signing


@pytest.fixture
def key_file(settings, tmp_path):
    settings.KBZ_SIGNING_KEY_FILE = tmp_path / "keys" / "office.pem"
    settings.KBZ_SIGNING_KEY_AUTOGENERATE = False
    return settings.KBZ_SIGNING_KEY_FILE


def test_without_a_key_and_without_autogeneration_signing_says_how_to_make_one(key_file):
    with pytest.raises(signing.SigningKeyMissing, match="signing_key --generate"):
        signing.sign(b"feed")
    assert not key_file.exists()


def test_in_development_the_key_is_generated_on_first_use(key_file, settings):
    settings.KBZ_SIGNING_KEY_AUTOGENERATE = True
    signature = signing.sign(b"feed")
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(signature) == 64
    assert signing.verify(b"feed", signature)


def test_a_signature_fails_on_any_other_bytes_or_key(key_file, tmp_path):
    signing.generate_key()
    signature = signing.sign_b64(b"exact bytes")
    assert signing.verify(b"exact bytes", signature)
    assert not signing.verify(b"exact bytez", signature)
    assert not signing.verify(b"exact bytes", "not base64!")
    other = signing.generate_key(tmp_path / "other.pem")
    assert other.exists()
    from cryptography.hazmat.primitives import serialization

    other_public = (
        serialization.load_pem_private_key(other.read_bytes(), None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert not signing.verify(b"exact bytes", signature, public_key=other_public)


def test_an_existing_key_is_never_replaced_silently(key_file):
    signing.generate_key()
    public = signing.public_key_pem()
    with pytest.raises(FileExistsError):
        signing.generate_key()
    assert signing.public_key_pem() == public
    signing.generate_key(overwrite=True)
    assert signing.public_key_pem() != public


def test_command_generates_and_prints_the_public_key(key_file):
    with pytest.raises(CommandError, match="signing_key --generate"):
        call_command("signing_key", "--public")
    out = io.StringIO()
    call_command("signing_key", "--generate", stdout=out, stderr=io.StringIO())
    assert out.getvalue() == signing.public_key_pem().decode()
    with pytest.raises(CommandError, match="--force"):
        call_command("signing_key", "--generate", stderr=io.StringIO())
    printed = io.StringIO()
    call_command("signing_key", "--public", stdout=printed)
    assert printed.getvalue().startswith("-----BEGIN PUBLIC KEY-----")
