"""The office's signature: one Ed25519 key that signs what leaves the office for others to
verify (the blocklist feed, orders.feed; evidence manifests later).

Why Ed25519: signatures are small (64 bytes), deterministic (the same bytes always give the
same signature, so a cached body keeps its signature) and fast to verify with `openssl pkeyutl`
or a few lines of Python (README, "Blocklist feed for providers"). The signature is *detached*:
it covers the exact bytes a recipient received, never a re-serialisation of them.

The private key lives in a PEM file named by the setting KBZ_SIGNING_KEY_FILE, outside the
repository (by default under KBZ_DATA_DIR, which is gitignored). In development, and wherever
KBZ_SIGNING_KEY_AUTOGENERATE is on (it follows DEBUG), a missing key is generated on first use;
in production it must be made on purpose (`manage.py signing_key --generate`) and kept with the
other secrets: a key generated silently on one web node would differ from its neighbours'.
Recipients pin the public key published at /api/v1/feed/public-key.pem.

Nothing here knows what it signs; the callers do.
"""

import base64
import os
import threading
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "SigningKeyMissing",
    "generate_key",
    "key_path",
    "public_key_pem",
    "sign",
    "sign_b64",
    "verify",
]

_lock = threading.Lock()
_cache: dict[tuple, Ed25519PrivateKey] = {}


class SigningKeyMissing(ImproperlyConfigured):
    """The key file does not exist and may not be generated here."""


def key_path() -> Path:
    return Path(settings.KBZ_SIGNING_KEY_FILE)


def generate_key(path: Path | None = None, *, overwrite: bool = False) -> Path:
    """Write a new private key (PKCS#8 PEM, readable by its owner only) and return its path.

    Refuses to replace an existing key unless `overwrite`: replacing it breaks every recipient
    that pinned the old public key."""
    path = Path(path or key_path())
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; a new key would invalidate the published one.")
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Written under another name and renamed: a reader never sees half a key, and two
    # processes generating at once end with one of the two keys, whole.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    if overwrite:
        os.replace(temporary, path)
    else:
        try:
            os.link(temporary, path)  # fails if another process got there first
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    _cache.clear()
    return path


def _private_key() -> Ed25519PrivateKey:
    path = key_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        if not getattr(settings, "KBZ_SIGNING_KEY_AUTOGENERATE", settings.DEBUG):
            raise SigningKeyMissing(
                f"No signing key at {path} (KBZ_SIGNING_KEY_FILE): make one with "
                "`manage.py signing_key --generate` and keep it with the other secrets."
            ) from None
        generate_key(path)
        stat = path.stat()
    marker = (str(path), stat.st_mtime_ns, stat.st_size)
    with _lock:
        key = _cache.get(marker)
        if key is None:
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(loaded, Ed25519PrivateKey):
                raise ImproperlyConfigured(f"{path} holds no Ed25519 private key.")
            _cache.clear()
            key = _cache[marker] = loaded
    return key


def sign(data: bytes) -> bytes:
    """The 64-byte Ed25519 signature of `data` by the office's key."""
    return _private_key().sign(data)


def sign_b64(data: bytes) -> str:
    """The signature in standard base64 (as the X-Signature header carries it)."""
    return base64.b64encode(sign(data)).decode("ascii")


def public_key_pem() -> bytes:
    """The office's public key, SubjectPublicKeyInfo PEM (what `openssl pkeyutl` reads)."""
    return (
        _private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def verify(data: bytes, signature: bytes | str, public_key: bytes | None = None) -> bool:
    """Whether `signature` (raw bytes or base64) is the office's (or `public_key`'s, a PEM)
    signature of exactly `data`."""
    if isinstance(signature, str):
        try:
            signature = base64.b64decode(signature, validate=True)
        except ValueError:
            return False
    pem = public_key if public_key is not None else public_key_pem()
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
