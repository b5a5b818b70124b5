"""Content-addressed storage of evidence files: the bytes with SHA-256 <h> live once at
evidence/<h[:2]>/<h> in the "evidence" storage (settings.STORAGES: the filesystem under
MEDIA_ROOT by default, an S3-compatible store through django-storages in production).

A file already there is not written again: identical screenshots, scripts or archives of many
captures take the space of one. Names never change and files are never overwritten.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import storages

from evidence.canonical import sha256_hex
from evidence.models import artifact_storage_name


def evidence_storage():
    return storages["evidence"]


def put(data: bytes) -> str:
    """Store `data` (once) and return its SHA-256."""
    sha = sha256_hex(data)
    storage = evidence_storage()
    name = artifact_storage_name(sha)
    if not storage.exists(name):
        saved = storage.save(name, ContentFile(data))
        if saved != name:  # another writer stored the same bytes a moment before
            storage.delete(saved)
    return sha


def get(sha256: str) -> bytes:
    with evidence_storage().open(artifact_storage_name(sha256), "rb") as file:
        return file.read()
